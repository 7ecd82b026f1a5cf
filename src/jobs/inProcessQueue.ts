/**
 * The embedded-mode queue: jobs wait in memory, first in first out, and run
 * in this process. Nothing survives the process — which is fine, because the
 * runs themselves are rows in the database: a worker starting in embedded
 * mode re-enqueues every unfinished run (see `recoverEmbeddedRuns`).
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_STOP_TIMEOUT_MS,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobQueue,
  type RunJob,
  type StopOptions,
  type WorkOptions,
} from './jobQueue.js';

interface PendingJob {
  id: string;
  runId: number;
  enqueuedAt: Date;
}

export class InProcessJobQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly pending: PendingJob[] = [];
  /** Consumer loops parked until a job arrives. */
  private readonly idle: Array<() => void> = [];
  private readonly loops: Promise<void>[] = [];
  private readonly stopController = new AbortController();
  /** Last time a job was enqueued per run, for `dedupeWindowSeconds`. */
  private readonly lastEnqueuedAt = new Map<number, number>();
  private stopping = false;

  async start(): Promise<void> {}

  /** After `stop` jobs are still accepted but never run: the run stays queued in the database for the next start. */
  async enqueue(runId: number, options: EnqueueOptions = {}): Promise<string | null> {
    // A run already waiting needs no second job: it will be claimed once either way.
    if (this.pending.some((job) => job.runId === runId)) return null;
    const windowMs = (options.dedupeWindowSeconds ?? 0) * 1000;
    const last = this.lastEnqueuedAt.get(runId);
    if (windowMs > 0 && last !== undefined && Date.now() - last < windowMs) return null;
    const job: PendingJob = { id: randomUUID(), runId, enqueuedAt: new Date() };
    this.pending.push(job);
    this.lastEnqueuedAt.set(runId, Date.now());
    this.idle.shift()?.();
    return job.id;
  }

  async work(handler: JobHandler, options: WorkOptions): Promise<void> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${options.concurrency}).`);
    }
    for (let i = 0; i < options.concurrency; i++) this.loops.push(this.consume(handler, options));
  }

  async depth(): Promise<number> {
    return this.pending.length;
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopController.abort();
    for (const wake of this.idle.splice(0)) wake();
    if (options.graceful === false) return;
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.loops), timeout]);
    clearTimeout(timer);
  }

  private async consume(handler: JobHandler, options: WorkOptions): Promise<void> {
    while (!this.stopping) {
      const job = this.pending.shift();
      if (job === undefined) {
        await new Promise<void>((resolve) => this.idle.push(resolve));
        continue;
      }
      const context: JobContext = { jobId: job.id, enqueuedAt: job.enqueuedAt, retryCount: 0, stopSignal: this.stopController.signal };
      const runJob: RunJob = { runId: job.runId };
      try {
        await handler(runJob, context);
      } catch (error) {
        options.onHandlerError?.(error, runJob);
      }
    }
  }
}
