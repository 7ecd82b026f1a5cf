/**
 * `/stop [run]` in a challenge thread: asks the challenge's active run (or the
 * one named) to stop. A queued run is cancelled at once; a running one stops
 * within one episode, and its status message says so. Allowed to whoever
 * started the run, the challenge's owner, and moderators.
 */
import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { type Challenge, type Database, getChallengeByThread, getRunSummary, type RunSummary } from '../../db/index.js';
import { UserFacingError } from '../interactions/errors.js';
import { allowed, denied, type GuildRepliableInteraction, isModerator, type Precondition } from '../interactions/preconditions.js';
import { findActiveChallengeRun, stopRun, type TrainingServices } from '../services/runs.js';
import { type CommandData, defineCommand } from './types.js';

const data = {
  name: 'stop',
  description: 'Stop the machine’s training run in this challenge (who started it, the owner, moderators)',
  contexts: [InteractionContextType.Guild],
  options: [{ type: ApplicationCommandOptionType.Integer, name: 'run', description: 'Run number (default: the active run here)', required: false, min_value: 1 }],
} as const satisfies CommandData;

/** The run `/stop` means here, or a denial explaining why there is none. */
async function targetRun(db: Database, interaction: GuildRepliableInteraction): Promise<{ challenge: Challenge; run: RunSummary } | { problem: string }> {
  const challenge = await getChallengeByThread(db, interaction.channelId);
  if (challenge === undefined) return { problem: 'Use /stop inside the challenge thread where the run is.' };
  const requested = interaction.isChatInputCommand() ? interaction.options.getInteger('run') : null;
  const run = requested === null ? await findActiveChallengeRun(db, challenge.id) : await getRunSummary(db, requested);
  if (run === undefined || run.challengeId !== challenge.id) {
    return { problem: requested === null ? 'No run is queued or running in this challenge.' : `Run #${requested} does not belong to this challenge.` };
  }
  return { challenge, run };
}

const runOwnerOrModerator: Precondition<TrainingServices> = {
  name: 'runOwnerOrModerator',
  async check(interaction, services) {
    const target = await targetRun(services.db, interaction);
    if ('problem' in target) return denied(target.problem);
    const userId = interaction.user.id;
    if (target.run.requestedBy === userId || target.challenge.ownerId === userId || isModerator(interaction)) return allowed;
    return denied(`Only whoever started run #${target.run.id}, the challenge’s owner or a moderator can stop it.`);
  },
};

export const stopCommand = defineCommand<typeof data, TrainingServices>({
  data,
  visibility: 'public',
  preconditions: [runOwnerOrModerator],
  async execute(interaction, _args, { services }) {
    const target = await targetRun(services.db, interaction);
    if ('problem' in target) throw new UserFacingError(target.problem);
    const stopped = await stopRun(services.db, target.run.id);
    if (stopped === undefined) throw new UserFacingError(`Run #${target.run.id} has already finished.`);
    services.runFollowing.poke(stopped.id);
    const how = stopped.status === 'cancelled' ? 'it was still queued, so it will not start' : 'it stops within one episode';
    await interaction.editReply({ content: `Stopping run #${stopped.id}: ${how}.`, allowedMentions: { parse: [] } });
  },
});
