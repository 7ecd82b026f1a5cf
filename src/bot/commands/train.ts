/**
 * `/train [preset] [budget]` in a challenge thread: admits a run past the
 * fairness limits, queues it for a worker, and starts showing it in the
 * thread. Refusals (limits, quotas, spending cap) come back privately, with
 * when to try again.
 */
import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { getChallengeByThread, upsertGuild, upsertPlayer } from '../../db/index.js';
import { UserFacingError } from '../interactions/errors.js';
import { RetryLaterError } from '../services/refusals.js';
import { startChallengeRun, type TrainingServices } from '../services/runs.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'train',
  description: 'Let the machine learn a prompt for this challenge, live in this thread',
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'preset',
      description: 'How to train (default: the challenge’s preset)',
      required: false,
      choices: [
        { name: 'efficient — fewer images, cached', value: 'efficient' },
        { name: 'paper — the published method', value: 'paper' },
      ],
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'budget',
      description: 'Most images the run may generate',
      required: false,
      min_value: 4,
      max_value: 2000,
    },
  ],
} as const satisfies CommandData;

const ordinal = (n: number): string => {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};

export const trainCommand = defineCommand<typeof data, TrainingServices>({
  data,
  visibility: 'public',
  async execute(interaction, args, { services }) {
    const { db } = services;
    const challenge = await getChallengeByThread(db, interaction.channelId);
    if (challenge === undefined) throw new UserFacingError('Use /train inside a challenge’s thread (start one with /challenge create).');
    // Foreign keys: the run's requester and the guild its limits are counted in.
    await upsertPlayer(db, { id: interaction.user.id, displayName: interaction.member.displayName });
    await upsertGuild(db, { id: interaction.guildId, name: interaction.guild.name });
    const outcome = await startChallengeRun(
      { db, queue: services.queue, policy: services.trainingPolicy },
      { challenge, userId: interaction.user.id, guildId: interaction.guildId, preset: args.preset, budgetImages: args.budget },
    );
    if (outcome.kind === 'refused') {
      const { message, retryAt } = outcome.refusal;
      throw retryAt === null ? new UserFacingError(message) : new RetryLaterError(message, retryAt);
    }
    const { run, position } = outcome;
    services.runFollowing.follow(run.id);
    const where = position === undefined ? 'starting now' : position === 1 ? 'next in line' : `${ordinal(position)} in line`;
    await interaction.editReply({
      content: `Run #${run.id} is queued (${where}): ${run.preset} preset, up to ${run.hyperparameters.maxImages ?? 'unlimited'} images. Its live status and images follow below.`,
      allowedMentions: { parse: [] },
    });
  },
});
