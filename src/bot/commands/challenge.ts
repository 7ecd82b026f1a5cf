/**
 * `/challenge create | list | close`. Create posts the target and its prompt
 * space, opens a thread from that message, then stores the challenge with its
 * thread; close (owner or moderators) reveals the secret prompt, the final
 * standings and the points.
 */
import {
  type AnyThreadChannel,
  ApplicationCommandOptionType,
  ChannelType,
  DiscordAPIError,
  InteractionContextType,
  RESTJSONErrorCodes,
  ThreadAutoArchiveDuration,
} from 'discord.js';
import { PRESET_NAMES } from '../../engine/training/hyperparameters.js';
import { UserFacingError } from '../interactions/errors.js';
import { type GuildRepliableInteraction, type Precondition, allowed, isModerator, ownerOrModerator } from '../interactions/preconditions.js';
import { renderPromptSpaceCard } from '../render/promptSpaceCard.js';
import { challengeAnnouncement, challengeIntro, challengeListEmbed, closedChallengeEmbed } from '../render/messages.js';
import type { ChallengeLocator, SavedChallenge } from '../services/challenges.js';
import type { GameServices } from '../services/index.js';
import { type CommandArgs, type CommandData, type GuildCommandInteraction, defineCommand } from './types.js';

const data = {
  name: 'challenge',
  description: 'Post a target picture for everyone to guess its prompt, list challenges, or close one',
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'create',
      description: 'Post a target picture and open a thread where people guess its prompt',
      options: [
        { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'The target picture (PNG, JPEG, WebP or GIF, up to 10 MB)', required: true },
        { type: ApplicationCommandOptionType.String, name: 'title', description: 'A title for the challenge and its thread', max_length: 100 },
        { type: ApplicationCommandOptionType.Integer, name: 'length', description: 'Words per prompt (T)', min_value: 1, max_value: 8 },
        { type: ApplicationCommandOptionType.Integer, name: 'words', description: 'Words in the prompt space (P)', min_value: 2, max_value: 16 },
        {
          type: ApplicationCommandOptionType.String,
          name: 'preset',
          description: 'Training preset for the machine',
          choices: PRESET_NAMES.map((name) => ({ name, value: name })),
        },
        { type: ApplicationCommandOptionType.Number, name: 'vote_weight', description: 'λ: how much votes count in the machine’s reward (0 to 1)', min_value: 0, max_value: 1 },
        { type: ApplicationCommandOptionType.String, name: 'secret_prompt', description: 'The prompt that drew the picture, if you know it (revealed at the close)', max_length: 300 },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'The latest challenges on this server' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'close',
      description: 'Close a challenge: reveal its prompt and award points (owner or moderators)',
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'challenge', description: 'Challenge number (default: this thread’s)', min_value: 1 }],
    },
  ],
} as const satisfies CommandData;

const TARGET_FILE = 'target.png';
const CARD_FILE = 'prompt-space.png';

/** The challenge a `/challenge close` points at: its `challenge` option, else the current thread's. */
function closeTarget(interaction: GuildRepliableInteraction): ChallengeLocator {
  const id = interaction.isChatInputCommand() ? interaction.options.getInteger('challenge') : null;
  return id !== null ? { challengeId: id } : { threadId: interaction.channelId };
}

const closeRights = ownerOrModerator<GameServices>({
  what: 'challenge',
  ownerIdOf: (interaction, services) => services.challenges.ownerOf(interaction.guildId, closeTarget(interaction)),
  missing: 'There is no challenge here: run /challenge close inside a challenge thread, or give its number.',
});

/** Owner-or-moderator applies to `close` only. */
const closeOnlyByOwnerOrModerator: Precondition<GameServices> = {
  name: 'challengeCloseRights',
  check(interaction, services) {
    if (interaction.isChatInputCommand() && interaction.options.getSubcommand(false) !== 'close') return allowed;
    return closeRights.check(interaction, services);
  },
};

type CreateOptions = Extract<CommandArgs<typeof data>, { readonly subcommand: 'create' }>['options'];

async function create(interaction: GuildCommandInteraction, options: CreateOptions, services: GameServices): Promise<void> {
  const channel = interaction.channel;
  if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
    throw new UserFacingError('Run /challenge create in a text channel (not in a thread): the challenge gets a thread of its own.');
  }
  const prepared = await services.challenges.prepare({
    guild: { id: interaction.guildId, name: interaction.guild.name },
    owner: { id: interaction.user.id, displayName: interaction.member.displayName },
    attachment: { url: options.image.url, name: options.image.name, contentType: options.image.contentType, size: options.image.size },
    options: {
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.length !== undefined ? { length: options.length } : {}),
      ...(options.words !== undefined ? { words: options.words } : {}),
      ...(options.preset !== undefined ? { preset: options.preset } : {}),
      ...(options.vote_weight !== undefined ? { voteWeight: options.vote_weight } : {}),
      ...(options.secret_prompt !== undefined ? { secretPrompt: options.secret_prompt } : {}),
    },
  });
  const card = await renderPromptSpaceCard({ ...prepared.promptSpace, promptLength: prepared.configuration.promptLength });
  const message = await interaction.editReply({
    ...challengeAnnouncement(prepared, { target: TARGET_FILE, card: CARD_FILE }),
    files: [
      { attachment: Buffer.from(prepared.target.bytes), name: TARGET_FILE, description: 'The target picture' },
      { attachment: Buffer.from(card), name: CARD_FILE, description: 'The prompt space: words and their probabilities' },
    ],
  });
  // Past this point a failure must not leave a public target with no challenge behind it.
  const withdraw = () => interaction.deleteReply().catch(() => undefined);
  let thread: AnyThreadChannel;
  try {
    thread = await message.startThread({ name: prepared.title, autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek, reason: 'ImagePrompt challenge' });
  } catch (error) {
    await withdraw();
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingPermissions) {
      throw new UserFacingError('I could not open a thread here: give me the Create Public Threads permission in this channel, then try again.', { cause: error });
    }
    throw error;
  }
  let saved: SavedChallenge;
  try {
    saved = await services.challenges.save(prepared, { channelId: channel.id, threadId: thread.id });
  } catch (error) {
    // A thread with no challenge behind it would take guesses nobody can score.
    await thread.delete('The challenge could not be saved').catch(() => undefined);
    await withdraw();
    throw error;
  }
  await thread.send({ content: challengeIntro(saved.challenge.id, saved.challenge.title, saved.quotas, saved.challenge.configuration.evaluationImages) });
}

export const challengeCommand = defineCommand<typeof data, GameServices>({
  data,
  visibility: 'public',
  preconditions: [closeOnlyByOwnerOrModerator],
  async execute(interaction, args, context) {
    const { services } = context;
    switch (args.subcommand) {
      case 'create':
        await create(interaction, args.options, services);
        return;
      case 'list': {
        const summaries = await services.challenges.list(interaction.guildId);
        await interaction.editReply({ embeds: [challengeListEmbed(summaries)] });
        return;
      }
      case 'close': {
        const closed = await services.challenges.close({
          guildId: interaction.guildId,
          where: closeTarget(interaction),
          actor: { id: interaction.user.id, isModerator: isModerator(interaction) },
        });
        await interaction.editReply({ embeds: [closedChallengeEmbed(closed)] });
        return;
      }
    }
  },
});
