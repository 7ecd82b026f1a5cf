/**
 * Training runs as the bot sees them: plan a run for a challenge (its prompt
 * space, its λ, the budget asked for), admit it past the fairness limits,
 * create it and put it on the job queue, where a worker picks it up. The bot
 * itself never trains.
 */
import {
  type Challenge,
  createRun,
  type Database,
  getGuildSettings,
  type GuildSettings,
  latestPromptSpaceForChallenge,
  listRunSummaries,
  type PromptSpace,
  queuePosition,
  requestRunCancel,
  type Run,
  type RunSummary,
  updateRunStatus,
} from '../../db/index.js';
import { FINISHED_RUN_STATUSES } from '../../db/schema.js';
import type { Hyperparameters, PresetName } from '../../engine/training/hyperparameters.js';
import { resolveHyperparameters } from '../../engine/training/hyperparameters.js';
import type { JobQueue } from '../../jobs/jobQueue.js';
import { type RunSettings, withRunSettings } from '../../jobs/runSettings.js';
import { UserFacingError } from '../interactions/errors.js';
import { admitRun, type Refusal } from './fairness.js';

/** How the bot sets up runs; the composition root chooses, tests shrink it. */
export interface TrainingPolicy {
  /** Images a run may generate when `/train` names no budget. */
  readonly defaultBudgetImages: number;
  /** The largest budget `/train` accepts. */
  readonly maxBudgetImages: number;
  /** How long the trainer waits for votes on an image when λ > 0, in ms. */
  readonly voteWindowMs: number;
  /** Applied last, over the preset and the challenge (tests use tiny runs). */
  readonly overrides?: Partial<Hyperparameters>;
}

export const DEFAULT_TRAINING_POLICY: TrainingPolicy = {
  defaultBudgetImages: 200,
  maxBudgetImages: 2000,
  voteWindowMs: 30_000,
};

const GENERATORS = ['shapes', 'replicate', 'openai'] as const satisfies readonly RunSettings['generator'][];

export interface RunPlanInput {
  readonly challenge: Challenge;
  readonly promptSpace: Pick<PromptSpace, 'words'>;
  readonly preset: PresetName | undefined;
  /** Images asked for with `/train budget:`. */
  readonly budgetImages: number | undefined;
  /** Money left under the guild's cap (`null`: no cap). */
  readonly remainingSpendUsd: number | null;
  readonly policy: TrainingPolicy;
}

/**
 * The run's hyperparameters: the preset, shaped by the challenge (prompt
 * length, λ, K), its stored prompt space (P), the budget and the money left.
 */
export function planRunHyperparameters(input: RunPlanInput): { preset: PresetName; hyperparameters: Hyperparameters } {
  const { challenge, policy } = input;
  const configuration = challenge.configuration;
  const preset = input.preset ?? configuration.preset;
  const budget = input.budgetImages ?? policy.defaultBudgetImages;
  if (!Number.isInteger(budget) || budget < 1 || budget > policy.maxBudgetImages) {
    throw new UserFacingError(`The budget must be a whole number of images from 1 to ${policy.maxBudgetImages}.`);
  }
  const voteWeight = configuration.voteWeight;
  const hyperparameters = resolveHyperparameters(preset, {
    words: input.promptSpace.words.length,
    promptLength: Math.min(configuration.promptLength, input.promptSpace.words.length),
    evaluationImages: configuration.evaluationImages,
    humanFeedbackWeight: voteWeight,
    humanFeedbackWindowMs: voteWeight > 0 ? policy.voteWindowMs : 0,
    maxImages: budget,
    maxCostUsd: input.remainingSpendUsd,
    ...policy.overrides,
  });
  return { preset, hyperparameters };
}

/** The generator and model a guild's runs use, as the worker reads them. */
export function runSettingsFor(settings: GuildSettings): Partial<RunSettings> {
  const generator = GENERATORS.find((name) => name === settings.generator);
  if (generator === undefined) throw new UserFacingError(`This server's generator "${settings.generator}" is not available; an administrator can choose another with /settings.`);
  return generator === 'shapes' ? { generator } : { generator, model: settings.model };
}

export interface TrainRequest {
  readonly challenge: Challenge;
  readonly userId: string;
  readonly guildId: string;
  readonly preset?: PresetName;
  readonly budgetImages?: number;
  readonly now?: Date;
}

export type TrainOutcome =
  | { readonly kind: 'queued'; readonly run: Run; readonly position: number | undefined }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

export interface RunServiceDeps {
  readonly db: Database;
  readonly queue: JobQueue;
  readonly policy: TrainingPolicy;
}

/**
 * Admits and queues a run for the challenge. The row is created inside the
 * admission transaction (so the caps see it at once) and the job is enqueued
 * after it commits (so no worker can look for a row that is not there yet).
 */
export async function startChallengeRun(deps: RunServiceDeps, request: TrainRequest): Promise<TrainOutcome> {
  const { db, queue, policy } = deps;
  const { challenge } = request;
  if (challenge.status !== 'open') throw new UserFacingError('This challenge is closed; training is over.');
  const promptSpace = await latestPromptSpaceForChallenge(db, challenge.id);
  if (promptSpace === undefined) throw new UserFacingError('This challenge has no prompt space yet, so there is nothing to train on.');
  const settings = await getGuildSettings(db, request.guildId);
  const runSettings = runSettingsFor(settings);
  const now = request.now ?? new Date();

  const admitted = await admitRun(db, { userId: request.userId, guildId: request.guildId, settings, now }, async (tx, admission) => {
    const { preset, hyperparameters } = planRunHyperparameters({
      challenge,
      promptSpace,
      preset: request.preset,
      budgetImages: request.budgetImages,
      remainingSpendUsd: admission.remainingSpendUsd,
      policy,
    });
    return createRun(tx, {
      challengeId: challenge.id,
      requestedBy: request.userId,
      targetImageSha: challenge.targetImageSha,
      promptSpaceId: promptSpace.id,
      preset,
      hyperparameters: withRunSettings(hyperparameters, runSettings),
    });
  });
  if (!admitted.admitted) return { kind: 'refused', refusal: admitted.refusal };

  const run = admitted.value;
  try {
    await queue.enqueue(run.id);
  } catch (error) {
    // A queued row with no job would block the user's concurrency slot forever.
    await updateRunStatus(db, run.id, 'failed', { error: 'could not be queued' });
    throw error;
  }
  return { kind: 'queued', run, position: await queuePosition(db, run.id) };
}

/** The challenge's run that `/stop` means: its newest queued or running one. */
export async function findActiveChallengeRun(db: Database, challengeId: number): Promise<RunSummary | undefined> {
  const [run] = await listRunSummaries(db, { challengeId, statuses: ['queued', 'running'], limit: 1 });
  return run;
}

/** Asks the run to stop (a queued run is cancelled at once); `undefined` if it had already finished. */
export async function stopRun(db: Database, runId: number): Promise<Pick<Run, 'id' | 'status'> | undefined> {
  const run = await requestRunCancel(db, runId);
  return run === undefined ? undefined : { id: run.id, status: run.status };
}

export function isFinished(run: Pick<Run, 'status'>): boolean {
  return FINISHED_RUN_STATUSES.includes(run.status);
}

/**
 * Runs the bot should be following at start-up: every queued or running run
 * of a challenge, and runs that finished recently (the bot may have been down
 * when they ended, so their summary may still be missing).
 */
export async function runsToFollow(db: Database, options: { now: Date; finishedWithinMs: number; limit?: number }): Promise<RunSummary[]> {
  const limit = options.limit ?? 200;
  const since = new Date(options.now.getTime() - options.finishedWithinMs);
  const active = await listRunSummaries(db, { statuses: ['queued', 'running'], inChallenge: true, limit });
  const recent = await listRunSummaries(db, { statuses: [...FINISHED_RUN_STATUSES], inChallenge: true, finishedSince: since, limit });
  return [...active, ...recent].sort((a, b) => a.id - b.id);
}

/** What `/train`, `/stop` and the vote button need from the bot (a part of the router's services). */
export interface TrainingServices {
  readonly db: Database;
  readonly queue: JobQueue;
  readonly trainingPolicy: TrainingPolicy;
  /** Shows runs in their threads (see `RunFollowers`). */
  readonly runFollowing: {
    follow(runId: number): unknown;
    poke(runId: number): void;
  };
}
