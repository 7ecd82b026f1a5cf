/**
 * Executes one training run end to end, as a worker does for each job:
 *
 *   claim → load target → prompt space (stored) → providers → optimize()
 *     ├─ every event     → batched rows (images, steps, episodes, run_events)
 *     ├─ every iteration → flush, then the checkpoint — written behind, while the
 *     │                    next iteration computes, but always after its steps
 *     ├─ heartbeat       → keeps the claim; losing it stops this worker at once
 *     └─ cancel watch    → a cancel request stops the run before its next image
 *   → evaluations → final status (completed | budget | cancelled | failed),
 *     or released to the queue when the worker shuts down.
 *
 * Resuming: a run that has a checkpoint restarts from it, replaying the
 * interrupted iteration from its start with the stored seed and prompt space;
 * the engine is deterministic for those, so the replayed steps equal the lost
 * ones (and their writes are ignored), and the final policy equals an
 * uninterrupted run's.
 */
import { setMaxListeners } from 'node:events';
import type { BlobStore } from '../db/blobStore.js';
import type { Database } from '../db/client.js';
import { readImage } from '../db/repositories/images.js';
import { type RunEvaluationRecord, recordRunEvaluation } from '../db/repositories/runEvaluations.js';
import { appendRunEventsAsOwner } from '../db/repositories/runEvents.js';
import { claimRun, finishOwnedRun, finishOwnedRunInTransaction, heartbeatRun, isRunCancelRequested, releaseRun, saveCheckpoint } from '../db/repositories/runs.js';
import type { EvaluationMethod, Run } from '../db/schema.js';
import type { PromptEvaluation } from '../engine/baselines/evaluate.js';
import { type OptimizeResult, optimize } from '../engine/optimize.js';
import { BudgetExceededError } from '../engine/providers/errors.js';
import { type Hyperparameters, validateHyperparameters } from '../engine/training/hyperparameters.js';
import type { TrainerCheckpoint } from '../engine/training/checkpoint.js';
import type { TrainingResult } from '../engine/training/reinforceTrainer.js';
import { engineHyperparameters, readRunSettings } from '../jobs/runSettings.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { redactSecrets, secretsFromEnvironment } from '../observability/redact.js';
import { CancellationWatch, generatorWatchedBy } from './cancellation.js';
import { fromRunCheckpoint, toRunCheckpoint } from './checkpointCodec.js';
import { DbTimer } from './dbTimer.js';
import { ensurePromptSpace } from './promptSpace.js';
import { defaultProviderStackFactory, type ProviderStackFactory } from './providerStack.js';
import { RunGenerationCache } from './runCache.js';
import { RunRecorder } from './runRecorder.js';
import { RunStop, type RunStopCause, runStopCause } from './runStop.js';
import { VoteFeedbackSource } from './voteFeedback.js';

export interface ExecuteRunDependencies {
  db: Database;
  blobs: BlobStore;
  /** Unique per worker process (host, pid, random): the claim is held in its name. */
  workerId: string;
  /** Providers for a run (default: the shapes world, or the generator the run names). */
  createStack?: ProviderStackFactory;
  logger?: Logger;
  /** Environment for provider keys and for scrubbing secrets out of error texts. */
  env?: NodeJS.ProcessEnv;
}

export interface ExecuteRunOptions {
  /** Aborted when the worker shuts down: the run stops at its next checkpoint (or after `shutdownGraceMs`) and is released. */
  stopSignal?: AbortSignal;
  /** How long a shutdown waits for the current iteration to finish before abandoning it (default 10 s). */
  shutdownGraceMs?: number;
  /** Heartbeat period while running (default 10 s). */
  heartbeatMs?: number;
  /** A running run whose heartbeat is older than this may be taken over (default 60 s). */
  staleAfterMs?: number;
  /**
   * Longest time between two looks at the cancel flag (default 1 s). The flag
   * is read with every batch of writes (every `flushIntervalMs` while events
   * come) and, if not seen for this long, before the next image (see
   * cancellation.ts).
   */
  cancelCheckMs?: number;
  /** Longest time an event waits before it is written (default 500 ms). */
  flushIntervalMs?: number;
  /** How often human feedback looks at the votes (default 1 s). */
  feedbackPollMs?: number;
}

export type RunExecutionOutcome =
  | 'completed'
  | 'budget'
  | 'cancelled'
  | 'failed'
  /** The worker shut down: the run is queued again and resumes from its checkpoint. */
  | 'released'
  /** Another worker took the run over; this one stopped without touching it. */
  | 'lost-claim'
  /** Nothing to do: the run is finished, or a live worker holds it. */
  | 'not-claimed';

export interface RunExecutionReport {
  runId: number;
  outcome: RunExecutionOutcome;
  /** One line, for failed and budget runs. */
  error?: string;
  /** Iterations already done when this execution started (> 0: resumed from a checkpoint). */
  resumedFromIteration?: number;
  /** Iterations done when it ended. */
  iterations?: number;
  learnedPrompt?: string;
  /** Wall time of the execution, in milliseconds. */
  wallMs: number;
  /** Time the run waited for the database, in milliseconds (see dbTimer.ts). */
  dbMs: number;
  /** Time of database calls that overlapped the run's work (batched writes, checkpoint saves, heartbeats). */
  dbBackgroundMs: number;
  dbCalls: number;
  /** Milliseconds by kind of call (run, checkpoint-wait, cancel-check, cache, write, checkpoint, heartbeat, feedback). */
  dbByKind: Record<string, number>;
}

const DEFAULTS = {
  shutdownGraceMs: 10_000,
  heartbeatMs: 10_000,
  staleAfterMs: 60_000,
  cancelCheckMs: 1_000,
  flushIntervalMs: 500,
  feedbackPollMs: 1_000,
};

type Conclusion = Pick<RunExecutionReport, 'outcome' | 'error' | 'learnedPrompt'>;

export async function executeRun(runId: number, deps: ExecuteRunDependencies, options: ExecuteRunOptions = {}): Promise<RunExecutionReport> {
  const started = performance.now();
  const timer = new DbTimer();
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const run = await timer.time('run', () => claimRun(deps.db, runId, deps.workerId, { staleAfterMs: settings.staleAfterMs }));
  const measured = () => ({
    wallMs: performance.now() - started,
    dbMs: timer.blockingMs,
    dbBackgroundMs: timer.backgroundMs,
    dbCalls: timer.calls,
    dbByKind: timer.byKind(),
  });
  if (run === undefined) return { runId, outcome: 'not-claimed', ...measured() };
  const execution = new RunExecution(run, deps, settings, options.stopSignal, timer);
  const conclusion = await execution.execute();
  return { runId, ...conclusion, resumedFromIteration: run.iteration, iterations: execution.iterations, ...measured() };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

class RunExecution {
  private readonly controller = new AbortController();
  private readonly recorder: RunRecorder;
  private readonly watch: CancellationWatch;
  private readonly logger: Logger;
  private stopping = false;
  /** The checkpoint being written behind the engine (steps first, then the checkpoint). */
  private checkpointSave: Promise<void> = Promise.resolve();
  iterations: number;

  constructor(
    private readonly run: Run,
    private readonly deps: ExecuteRunDependencies,
    private readonly settings: typeof DEFAULTS,
    private readonly stopSignal: AbortSignal | undefined,
    private readonly timer: DbTimer,
  ) {
    this.iterations = run.iteration;
    // Every generation waiting for its turn listens to this signal (the engine's semaphore), often more than Node's default of 10.
    setMaxListeners(1000, this.controller.signal);
    this.logger = (deps.logger ?? createLogger({ level: 'silent' })).child({ runId: run.id });
    this.recorder = new RunRecorder({
      db: deps.db,
      blobs: deps.blobs,
      runId: run.id,
      workerId: deps.workerId,
      timer,
      onLostClaim: () => this.stop('lost-claim'),
      onCancelFlag: (requested) => this.watch.observe(requested),
      flushIntervalMs: settings.flushIntervalMs,
    });
    this.watch = new CancellationWatch({
      isCancelRequested: () => timer.time('cancel-check', () => isRunCancelRequested(deps.db, run.id)),
      onCancel: () => this.stop('cancelled'),
      checkEveryMs: settings.cancelCheckMs,
      onCheckError: (error) => this.logger.warn({ err: error }, 'could not check for a cancel request'),
    });
  }

  private stop(cause: RunStopCause): void {
    if (!this.controller.signal.aborted) this.controller.abort(new RunStop(cause));
  }

  async execute(): Promise<Conclusion> {
    const { db, workerId } = this.deps;
    const runId = this.run.id;
    const heartbeat = setInterval(() => {
      this.timer
        .time('heartbeat', () => heartbeatRun(db, runId, workerId))
        .then((held) => {
          if (!held) this.stop('lost-claim');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'heartbeat failed'));
    }, this.settings.heartbeatMs);
    heartbeat.unref();
    let graceTimer: NodeJS.Timeout | undefined;
    const onShutdown = () => {
      // Finish the iteration in progress (it stops at the checkpoint), but not forever.
      this.stopping = true;
      graceTimer = setTimeout(() => this.stop('shutdown'), this.settings.shutdownGraceMs);
    };
    if (this.stopSignal?.aborted) onShutdown();
    else this.stopSignal?.addEventListener('abort', onShutdown, { once: true });
    this.recorder.start();
    this.watch.start();
    try {
      this.recorder.appendEvent('status', { status: 'running', workerId, resumedFromIteration: this.run.iteration });
      if (this.run.cancelRequestedAt !== null) this.stop('cancelled');
      if (this.stopping) this.stop('shutdown');
      const result = await this.train();
      return await this.conclude(result);
    } catch (error) {
      return await this.concludeWithError(error);
    } finally {
      clearInterval(heartbeat);
      clearTimeout(graceTimer);
      this.stopSignal?.removeEventListener('abort', onShutdown);
      this.recorder.stop();
      this.watch.stop();
    }
  }

  private async train(): Promise<{ result: OptimizeResult; hyperparameters: Hyperparameters }> {
    const { db, blobs } = this.deps;
    const { run, timer, recorder, watch } = this;
    const signal = this.controller.signal;
    signal.throwIfAborted();
    const runSettings = readRunSettings(run);
    const hyperparameters = validateHyperparameters(engineHyperparameters(run.hyperparameters));
    const target = await timer.time('run', () => readImage(db, blobs, run.targetImageSha));
    if (target === undefined) throw new Error(`The target image ${run.targetImageSha.slice(0, 12)}… is missing from the database or the blob store.`);
    const createStack = this.deps.createStack ?? defaultProviderStackFactory(this.deps.env);
    const providers = await createStack(run, runSettings);
    const stack = { ...providers, generator: generatorWatchedBy(providers.generator, watch) };
    recorder.generatorId = providers.generator.id;
    const promptSpace = await ensurePromptSpace({
      db,
      timer,
      run,
      stack,
      target: target.bytes,
      hyperparameters,
      seed: runSettings.seed,
      signal,
      onCaptioning: () => recorder.record({ type: 'phase', phase: 'captioning' }),
    });
    const resumeFrom = run.checkpoint === null ? undefined : fromRunCheckpoint(run.checkpoint);
    const humanFeedback =
      hyperparameters.humanFeedbackWeight > 0
        ? new VoteFeedbackSource({
            db,
            timer,
            windowMs: hyperparameters.humanFeedbackWindowMs,
            pollMs: this.settings.feedbackPollMs,
            imageShaForKey: (key) => recorder.imageShaForKey(key),
            votesSince: (key) => recorder.imageSeenAt(key),
            // Votes refer to the image row: write it before looking.
            beforeFirstPoll: () => recorder.flush(),
          })
        : undefined;

    const result = await optimize({
      target: target.bytes,
      stack,
      preset: run.preset,
      hyperparameters,
      seed: runSettings.seed,
      cache: new RunGenerationCache(db, blobs, recorder, timer),
      baselines: runSettings.baselines,
      promptSpace,
      humanFeedback,
      resumeFrom,
      signal,
      onEvent: (event) => recorder.record(event),
      onCheckpoint: async (checkpoint) => {
        // One save at a time; the engine waits only if the previous one is still being written.
        await timer.time('checkpoint-wait', () => this.checkpointSave);
        // A finished iteration is worth saving whatever stops the run next — unless the run is no longer ours.
        if (runStopCause(signal) === 'lost-claim') throw signal.reason;
        this.checkpointSave = this.saveCheckpointBehind(checkpoint);
        // Handled when awaited later; without this, a failed save would be an unhandled rejection meanwhile.
        this.checkpointSave.catch(() => {});
        if (this.stopping) this.stop('shutdown');
      },
    });
    return { result, hyperparameters };
  }

  /**
   * Writes the iteration's rows and its checkpoint in one transaction, while
   * the engine goes on: the checkpoint never runs ahead of its steps, and a
   * crash before it lands only means resuming one iteration earlier. A failed
   * save is kept and surfaces at the next `settleCheckpoint`.
   */
  private async saveCheckpointBehind(checkpoint: TrainerCheckpoint): Promise<void> {
    const { workerId } = this.deps;
    const stored = toRunCheckpoint(checkpoint);
    const saved = await this.recorder.flushWith(
      (tx) => saveCheckpoint(tx, this.run.id, stored, { workerId, generationsUsed: checkpoint.usage.seenKeys.length, costUsd: checkpoint.usage.costUsd }),
      'checkpoint',
    );
    if (!saved) {
      this.stop('lost-claim');
      return;
    }
    this.iterations = checkpoint.completedIterations;
  }

  /** Waits for the checkpoint being written (before the run is finished or released). */
  private settleCheckpoint(): Promise<void> {
    return this.timer.time('checkpoint-wait', () => this.checkpointSave);
  }

  private async conclude({ result, hyperparameters }: { result: OptimizeResult; hyperparameters: Hyperparameters }): Promise<Conclusion> {
    const cause = runStopCause(this.controller.signal) ?? (result.training.reason === 'cancelled' ? 'cancelled' : undefined);
    if (cause !== undefined) return this.stopped(cause);
    await this.settleCheckpoint();
    if (runStopCause(this.controller.signal) === 'lost-claim') return { outcome: 'lost-claim' };
    this.iterations = result.training.iterations;
    const evaluations = this.evaluationRecords(result);
    // A run stopped early by its budget may have no prompt at all (the paper's image state decodes none without images).
    const hasPrompt = result.learned.prompt !== '';
    const learned = hasPrompt ? { learnedPrompt: result.learned.prompt, learnedReward: result.learned.mean } : { learnedPrompt: null, learnedReward: null };
    const budget = result.training.reason === 'budget';
    const error = budget ? budgetMessage(hyperparameters, result.training) : null;
    // The last rows, the evaluations and the final status: one transaction, one commit.
    const finished = await this.timer.time('run', () =>
      this.recorder.flushWith(async (tx) => {
        const row = await finishOwnedRunInTransaction(tx, this.run.id, this.deps.workerId, budget ? 'budget' : 'completed', { ...learned, error });
        if (row !== undefined) for (const record of evaluations) await recordRunEvaluation(tx, record);
        return row;
      }, 'write'),
    );
    if (finished === undefined) return { outcome: 'lost-claim' };
    return { outcome: budget ? 'budget' : 'completed', ...(hasPrompt ? { learnedPrompt: result.learned.prompt } : {}), ...(error ? { error } : {}) };
  }

  private async concludeWithError(error: unknown): Promise<Conclusion> {
    const cause = runStopCause(this.controller.signal);
    if (cause !== undefined) return this.stopped(cause);
    const budget = error instanceof BudgetExceededError;
    const message = budget ? `Stopped at its budget: ${oneLine(error)}` : this.describeFailure(error);
    this.logger.warn({ err: error }, budget ? 'run stopped at its budget' : 'run failed');
    // Best effort: what was recorded before the failure is still worth keeping.
    await this.settleCheckpoint().catch(() => {});
    await this.recorder.flush().catch(() => {});
    try {
      const finished = await this.timer.time('run', () => finishOwnedRun(this.deps.db, this.run.id, this.deps.workerId, budget ? 'budget' : 'failed', { error: message }));
      if (finished === undefined) return { outcome: 'lost-claim' };
    } catch (writeError) {
      // The database itself is failing: let the queue retry the job; the run resumes from its checkpoint.
      this.logger.error({ err: writeError }, 'could not record the run’s failure');
      throw error;
    }
    return { outcome: budget ? 'budget' : 'failed', error: message };
  }

  private async stopped(cause: RunStopCause): Promise<Conclusion> {
    const { db, workerId } = this.deps;
    const runId = this.run.id;
    if (cause === 'lost-claim') return { outcome: 'lost-claim' };
    // The last checkpoint must be in place before the run is released (or finished).
    await this.settleCheckpoint().catch((error: unknown) => this.logger.warn({ err: error }, 'could not save the last checkpoint'));
    if (runStopCause(this.controller.signal) === 'lost-claim') return { outcome: 'lost-claim' };
    if (cause === 'cancelled') {
      const finished = await this.timer.time('run', () =>
        this.recorder.flushWith((tx) => finishOwnedRunInTransaction(tx, runId, workerId, 'cancelled'), 'write'),
      );
      return { outcome: finished === undefined ? 'lost-claim' : 'cancelled' };
    }
    await this.timer
      .time('run', () => this.recorder.flush())
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not write the last events'));
    await this.timer.time('run', () =>
      appendRunEventsAsOwner(db, runId, workerId, [{ type: 'status', payload: { status: 'queued', reason: 'worker shutting down', iteration: this.iterations } }]),
    );
    const released = await this.timer.time('run', () => releaseRun(db, runId, workerId));
    return { outcome: released ? 'released' : 'lost-claim' };
  }

  /** The learned prompt's and each baseline's K-image evaluation, their images queued for writing. */
  private evaluationRecords(result: OptimizeResult): RunEvaluationRecord[] {
    const all: Array<{ method: EvaluationMethod; evaluation: PromptEvaluation }> = [
      { method: 'learned', evaluation: result.learned },
      ...result.baselines.map((baseline) => ({ method: baseline.method, evaluation: baseline.evaluation })),
    ];
    const evaluations = all.filter(({ evaluation }) => evaluation.prompt !== '');
    return evaluations.map(({ method, evaluation }) => ({
      runId: this.run.id,
      method,
      prompt: evaluation.prompt,
      meanSimilarity: evaluation.mean,
      sdSimilarity: evaluation.sd,
      imageShas: evaluation.images.map((image) => this.recorder.keepImage(image.image.bytes)),
    }));
  }

  private describeFailure(error: unknown): string {
    return redactSecrets(oneLine(error), secretsFromEnvironment(this.deps.env ?? process.env)).slice(0, 500);
  }
}

function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0] ?? '';
  const first = error.message.split('\n')[0]?.trim() ?? '';
  return first === '' ? error.name : first;
}

function budgetMessage(h: Hyperparameters, training: TrainingResult): string {
  const limit =
    h.maxImages !== null && training.generatorCalls >= h.maxImages
      ? `${training.generatorCalls} of ${h.maxImages} images generated`
      : `$${training.costUsd.toFixed(4)} of $${(h.maxCostUsd ?? 0).toFixed(2)} spent`;
  return `Stopped at its budget (${limit}) after ${training.iterations} iteration(s); the learned prompt is the best found by then.`;
}
