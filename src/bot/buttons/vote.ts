/**
 * The 👍/👎 buttons under a run's image grids (`vote:<imageSha>:up|down`).
 * A click casts or changes the player's vote on that image; the answer is
 * private. The run and challenge the vote belongs to come from the message
 * (its marker) and the thread.
 */
import { getChallengeByThread } from '../../db/index.js';
import { defineButton } from '../interactions/buttons.js';
import { UserFacingError } from '../interactions/errors.js';
import { gridImageShas, VOTE_PREFIX } from '../runs/gridMessage.js';
import { parseMarker } from '../runs/markers.js';
import type { TrainingServices } from '../services/runs.js';
import { isVoteValue, recordVote } from '../services/votes.js';

export const voteButton = defineButton<TrainingServices>({
  prefix: VOTE_PREFIX,
  ack: 'ephemeral',
  async execute(interaction, args, { services }) {
    const [imageSha, value] = args;
    if (imageSha === undefined || value === undefined || !isVoteValue(value)) throw new UserFacingError('This vote button is not valid any more.');
    const { db } = services;
    const challenge = await getChallengeByThread(db, interaction.channelId);
    const marker = parseMarker(interaction.message.content);
    const outcome = await recordVote(db, {
      player: { id: interaction.user.id, displayName: interaction.member.displayName },
      guild: { id: interaction.guildId, name: interaction.guild.name },
      imageSha,
      value,
      challengeId: challenge?.id ?? null,
      runId: marker?.runId ?? null,
    });
    const number = gridImageShas(interaction.message.components).indexOf(imageSha) + 1;
    const which = number > 0 ? `image ${number}` : 'this image';
    const verb = outcome.created ? 'You voted' : 'Your vote is now';
    const points = outcome.pointsAwarded > 0 ? ` +${outcome.pointsAwarded} point.` : '';
    const tally = outcome.summary.count === 1 ? '1 vote so far' : `${outcome.summary.count} votes so far`;
    await interaction.editReply({ content: `${verb} ${value === 'up' ? '👍' : '👎'} on ${which} (${tally}; you can change it any time).${points}` });
  },
});
