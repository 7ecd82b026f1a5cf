/**
 * A worker: consumes the run queue, executing each run with `executeRun`, and
 * brings back the runs of workers that died.
 *
 *   - PostgreSQL: any number of workers share the pg-boss queue. Every worker
 *     looks for running runs whose heartbeat went stale and enqueues them
 *     again; whichever worker gets the job takes the run over (`claimRun`)
 *     from its last checkpoint.
 *   - Embedded (PGlite): this process owns the database, so at start-up every
 *     unfinished run is queued again, in the order they were created.
 *
 * Stopping is graceful: running runs finish their iteration (within a grace
 * period), save the checkpoint, and go back to the queue.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BlobStore } from '../db/blobStore.js';
import type { Database } from '../db/client.js';
import { listStaleRunIds, listUnfinishedRunIds, updateRunStatus } from '../db/repositories/runs.js';
import type { JobContext, JobQueue, RunJob } from '../jobs/jobQueue.js';
import type { Logger } from '../observability/logger.js';
import { type ExecuteRunOptions, executeRun, type RunExecutionReport } from './executeRun.js';
import type { ProviderStackFactory } from './providerStack.js';

export interface WorkerOptions {
  db: Database;
  blobs: BlobStore;
  queue: JobQueue;
  logger: Logger;
  /** Runs executed at once by this process. */
  concurrency: number;
  /** Default: host, process id and a random suffix. */
  workerId?: string;
  createStack?: ProviderStackFactory;
  env?: NodeJS.ProcessEnv;
  /** Heartbeat, takeover, cancel polling and batching settings for every run. */
  execution?: Omit<ExecuteRunOptions, 'stopSignal'>;
  /**
   * This process is the database's only user (embedded PGlite): re-enqueue
   * every unfinished run at start-up instead of watching for dead workers.
   */
  ownsDatabase?: boolean;
  /** How often to look for runs of dead workers, in milliseconds (default: half the stale time, at most 15 s). */
  recoverEveryMs?: number;
  /** Told after each execution, e.g. for metrics. */
  onRunFinished?: (report: RunExecutionReport & { queueLatencyMs: number }) => void;
}

export interface RunningWorker {
  readonly workerId: string;
  /** Runs executing right now. */
  readonly activeRuns: number;
  /** Stops taking jobs, lets running runs checkpoint and go back to the queue, and stops the queue. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const DEFAULT_STALE_AFTER_MS = 60_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { db, queue, logger } = options;
  const workerId = options.workerId ?? newWorkerId();
  const staleAfterMs = options.execution?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  let activeRuns = 0;

  await queue.start();
  if (options.ownsDatabase) await requeueUnfinishedRuns(db, queue, logger);

  const handle = async (job: RunJob, context: JobContext): Promise<void> => {
    const queueLatencyMs = Date.now() - context.enqueuedAt.getTime();
    activeRuns++;
    try {
      const report = await executeRun(
        job.runId,
        { db, blobs: options.blobs, workerId, createStack: options.createStack, logger, env: options.env },
        { ...options.execution, stopSignal: context.stopSignal },
      );
      const { outcome, runId, wallMs, dbMs, dbBackgroundMs } = report;
      if (outcome === 'not-claimed') {
        logger.debug({ runId }, 'run already finished or held by a live worker; job skipped');
      } else {
        logger.info(
          {
            runId,
            outcome,
            error: report.error,
            iterations: report.iterations,
            resumedFromIteration: report.resumedFromIteration,
            wallMs: Math.round(wallMs),
            // Time the run waited for the database, and its share of the run; background writes apart.
            dbMs: Math.round(dbMs),
            dbShare: wallMs > 0 ? Number((dbMs / wallMs).toFixed(4)) : 0,
            dbBackgroundMs: Math.round(dbBackgroundMs),
            dbCalls: report.dbCalls,
            dbByKind: report.dbByKind,
            queueLatencyMs,
          },
          'run finished',
        );
      }
      if (outcome === 'released') await queue.enqueue(runId);
      options.onRunFinished?.({ ...report, queueLatencyMs });
    } finally {
      activeRuns--;
    }
  };
  await queue.work(handle, {
    concurrency: options.concurrency,
    onHandlerError: (error, job) => logger.error({ err: error, runId: job.runId }, 'run job failed; the queue will retry it'),
  });

  let recoverTimer: NodeJS.Timeout | undefined;
  if (!options.ownsDatabase) {
    const everyMs = options.recoverEveryMs ?? Math.min(15_000, Math.max(1_000, staleAfterMs / 2));
    const recover = () =>
      requeueStaleRuns(db, queue, staleAfterMs, logger).catch((error: unknown) => logger.warn({ err: error }, 'could not look for runs of dead workers'));
    void recover();
    recoverTimer = setInterval(recover, everyMs);
    recoverTimer.unref();
  }

  return {
    workerId,
    get activeRuns() {
      return activeRuns;
    },
    async stop(stopOptions = {}) {
      clearInterval(recoverTimer);
      const graceMs = options.execution?.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      // Room for the grace period plus the checkpoint and release writes.
      await queue.stop({ graceful: true, timeoutMs: stopOptions.timeoutMs ?? graceMs + 10_000 });
    },
  };
}

/** Enqueues running runs whose worker stopped sending heartbeats; returns their ids. */
export async function requeueStaleRuns(db: Database, queue: JobQueue, staleAfterMs: number, logger?: Logger): Promise<number[]> {
  const stale = await listStaleRunIds(db, staleAfterMs);
  const enqueued: number[] = [];
  for (const runId of stale) {
    // Several workers notice the same dead run: one job per run per stale period is enough.
    const jobId = await queue.enqueue(runId, { dedupeWindowSeconds: Math.max(1, staleAfterMs / 1000) });
    if (jobId !== null) {
      enqueued.push(runId);
      logger?.info({ runId }, 'run of a worker that stopped responding queued again; it resumes from its checkpoint');
    }
  }
  return enqueued;
}

/** Embedded mode: the previous process is gone, so its running runs go back to the queue with the queued ones. */
export async function requeueUnfinishedRuns(db: Database, queue: JobQueue, logger?: Logger): Promise<number[]> {
  const unfinished = await listUnfinishedRunIds(db);
  for (const { id, status } of unfinished) {
    if (status === 'running') await updateRunStatus(db, id, 'queued');
    await queue.enqueue(id);
  }
  if (unfinished.length > 0) logger?.info({ runs: unfinished.map((run) => run.id) }, 'unfinished runs queued again');
  return unfinished.map((run) => run.id);
}
