/**
 * Reactions as a fallback vote: 1️⃣–4️⃣ on a run's image grid up-votes that
 * image; taking the reaction back withdraws the vote if it is still the one
 * the reaction cast. Works on messages from before a restart (partials): the
 * message is fetched and its vote buttons say which image is which.
 */
import { type Client, Events, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import { type Database, getChallengeByThread } from '../../db/index.js';
import { describeError } from '../interactions/router.js';
import type { BotLogger } from '../logger.js';
import { recordVote, withdrawReactionVote } from '../services/votes.js';
import { gridImageShas, keycapIndex } from './gridMessage.js';
import { parseMarker } from './markers.js';

export interface ReactionVotesOptions {
  readonly db: Database;
  readonly logger: BotLogger;
  /** Told after each vote is stored (tests wait on it). */
  readonly onVote?: (vote: { readonly userId: string; readonly imageSha: string; readonly change: 'cast' | 'withdrawn' }) => void;
}

/** The grid's image a reaction stands for, and the run it belongs to. */
async function reactedImage(reaction: MessageReaction | PartialMessageReaction, botId: string | undefined): Promise<{ imageSha: string; runId: number | null } | undefined> {
  const index = keycapIndex(reaction.emoji.name);
  if (index === undefined) return undefined;
  const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
  if (message.author.id !== botId) return undefined;
  const marker = parseMarker(message.content);
  if (marker?.kind !== 'grid') return undefined;
  const imageSha = gridImageShas(message.components)[index];
  return imageSha === undefined ? undefined : { imageSha, runId: marker.runId };
}

/** Listens for reactions on the client; returns the function that stops listening. */
export function attachReactionVotes(client: Client, options: ReactionVotesOptions): () => void {
  const { db, logger } = options;

  const handle = async (change: 'cast' | 'withdrawn', reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> => {
    if (user.bot || user.id === client.user?.id) return;
    try {
      const target = await reactedImage(reaction, client.user?.id);
      if (target === undefined) return;
      const message = reaction.message;
      if (message.guildId === null || !message.guild) return;
      if (change === 'withdrawn') {
        await withdrawReactionVote(db, { playerId: user.id, imageSha: target.imageSha, value: 'up' });
      } else {
        const challenge = await getChallengeByThread(db, message.channelId);
        const member = await message.guild.members.fetch(user.id).catch(() => undefined);
        await recordVote(db, {
          player: { id: user.id, displayName: member?.displayName ?? user.username ?? user.id },
          guild: { id: message.guildId, name: message.guild.name },
          imageSha: target.imageSha,
          value: 'up',
          challengeId: challenge?.id ?? null,
          runId: target.runId,
        });
      }
      options.onVote?.({ userId: user.id, imageSha: target.imageSha, change });
    } catch (error) {
      logger.warn({ error: describeError(error), messageId: reaction.message.id }, 'reaction vote failed');
    }
  };

  const onAdd = (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): void => void handle('cast', reaction, user);
  const onRemove = (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): void => void handle('withdrawn', reaction, user);
  client.on(Events.MessageReactionAdd, onAdd);
  client.on(Events.MessageReactionRemove, onRemove);
  return () => {
    client.off(Events.MessageReactionAdd, onAdd);
    client.off(Events.MessageReactionRemove, onRemove);
  };
}
