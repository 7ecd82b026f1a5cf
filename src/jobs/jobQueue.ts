/**
 * The one job interface runs travel through. A job is only `{ runId }`: the
 * run itself (hyperparameters, checkpoint, status) lives in the `runs` table,
 * so a job can be delivered twice or late without harm — the worker claims
 * the run before doing anything, and a finished or held run is skipped.
 *
 * Two implementations: `PgBossJobQueue` (PostgreSQL, any number of worker
 * processes on any number of machines) and `InProcessJobQueue` (embedded
 * mode: the jobs run in this process).
 */

/** Queue name shared by every producer and consumer of training runs. */
export const RUN_QUEUE_NAME = 'imageprompt-runs';

/** What a job carries: the run to execute. */
export interface RunJob {
  runId: number;
}

export interface JobContext {
  /** The queue's id for this delivery. */
  jobId: string;
  /** When the job was enqueued (for queue-latency metrics). */
  enqueuedAt: Date;
  /** Deliveries before this one (0 on the first). */
  retryCount: number;
  /**
   * Aborted when the queue stops: the handler should checkpoint, release the
   * run and return soon (the queue waits for it up to its grace period).
   */
  stopSignal: AbortSignal;
}

export type JobHandler = (job: RunJob, context: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /**
   * Skip this job if another for the same run was enqueued within this many
   * seconds (used when re-enqueueing runs of dead workers, which several
   * workers may notice at once).
   */
  dedupeWindowSeconds?: number;
}

export interface WorkOptions {
  /** Jobs handled at once by this process. */
  concurrency: number;
  /** Called when a handler throws (the job is then retried where the queue supports it). */
  onHandlerError?: (error: unknown, job: RunJob) => void;
}

export interface StopOptions {
  /** Wait for running handlers (after signalling them) instead of abandoning them. Default true. */
  graceful?: boolean;
  /** How long a graceful stop waits for handlers, in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

export interface JobQueue {
  readonly kind: 'pg-boss' | 'in-process';
  /** Prepares the queue (creates its tables on PostgreSQL). Idempotent. */
  start(): Promise<void>;
  /** Queues the run; returns the job id, or `null` when deduplicated. */
  enqueue(runId: number, options?: EnqueueOptions): Promise<string | null>;
  /** Starts consuming jobs with `handler`; returns at once. Call once per queue instance. */
  work(handler: JobHandler, options: WorkOptions): Promise<void>;
  /** Jobs waiting to be picked up (not those running). */
  depth(): Promise<number>;
  /** Stops consuming, signals running handlers through `stopSignal`, waits for them, and closes. */
  stop(options?: StopOptions): Promise<void>;
}

export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
