/**
 * The PostgreSQL queue: pg-boss (v10) in a schema of its own. Any number of
 * processes on any number of machines may enqueue and work; PostgreSQL's
 * `SKIP LOCKED` hands each job to one of them.
 *
 * A worker that dies leaves its job `active`. Two things bring the run back:
 *   - the worker-side reaper (`src/worker/worker.ts`) notices the run's stale
 *     heartbeat within seconds and enqueues it again, and `claimRun` lets the
 *     new worker take it over from its checkpoint;
 *   - as a backstop, pg-boss expires the job after `expireInSeconds` and
 *     retries it (up to `retryLimit`).
 * The expiration must be longer than any run: pg-boss gives up waiting for a
 * handler after it (the handler keeps running, but its slot takes another
 * job), so it is hours by default rather than the heartbeat's seconds.
 */
import PgBoss from 'pg-boss';
import {
  DEFAULT_STOP_TIMEOUT_MS,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobQueue,
  RUN_QUEUE_NAME,
  type RunJob,
  type StopOptions,
  type WorkOptions,
} from './jobQueue.js';

export interface PgBossJobQueueOptions {
  /** `postgres://…` */
  connectionString: string;
  /** Schema pg-boss keeps its tables in (default `pgboss`); test suites use one each. */
  schema?: string;
  /** How often an idle worker looks for jobs, in seconds (≥ 0.5; default 1). */
  pollingIntervalSeconds?: number;
  /** Deliveries after the first when a handler throws or its worker vanishes (default 5). */
  retryLimit?: number;
  /** Seconds before a failed job is retried (default 10). */
  retryDelaySeconds?: number;
  /** Seconds a job may stay active before pg-boss retries it (default 4 hours; at most 24). */
  expireInSeconds?: number;
  /** How often pg-boss expires and archives jobs, in seconds (default 60). */
  maintenanceIntervalSeconds?: number;
  /** Connections in pg-boss's own pool (default 4). */
  maxConnections?: number;
  /** pg-boss's asynchronous errors (a lost connection while polling…); they never throw. */
  onError?: (error: Error) => void;
}

const DEFAULTS = {
  schema: 'pgboss',
  pollingIntervalSeconds: 1,
  retryLimit: 5,
  retryDelaySeconds: 10,
  expireInSeconds: 4 * 60 * 60,
  maintenanceIntervalSeconds: 60,
  maxConnections: 4,
};

export class PgBossJobQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly settings: typeof DEFAULTS;
  private readonly stopController = new AbortController();
  private started = false;

  constructor(options: PgBossJobQueueOptions) {
    this.settings = {
      schema: options.schema ?? DEFAULTS.schema,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? DEFAULTS.pollingIntervalSeconds,
      retryLimit: options.retryLimit ?? DEFAULTS.retryLimit,
      retryDelaySeconds: options.retryDelaySeconds ?? DEFAULTS.retryDelaySeconds,
      expireInSeconds: options.expireInSeconds ?? DEFAULTS.expireInSeconds,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? DEFAULTS.maintenanceIntervalSeconds,
      maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
    };
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: this.settings.schema,
      max: this.settings.maxConnections,
      application_name: 'imageprompt-queue',
      maintenanceIntervalSeconds: this.settings.maintenanceIntervalSeconds,
      // Runs are not scheduled by cron: no clock monitoring or cron polling.
      schedule: false,
    });
    // Without a listener an 'error' event would crash the process.
    this.boss.on('error', (error) => options.onError?.(error));
  }

  /** The schema pg-boss lives in. */
  get schema(): string {
    return this.settings.schema;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    // Idempotent (ON CONFLICT DO NOTHING), so every process may call it at start-up.
    await this.boss.createQueue(RUN_QUEUE_NAME, {
      name: RUN_QUEUE_NAME,
      policy: 'standard',
      ...this.jobOptions(),
    });
    this.started = true;
  }

  private jobOptions(): { retryLimit: number; retryDelay: number; expireInSeconds: number } {
    return {
      retryLimit: this.settings.retryLimit,
      retryDelay: this.settings.retryDelaySeconds,
      expireInSeconds: this.settings.expireInSeconds,
    };
  }

  async enqueue(runId: number, options: EnqueueOptions = {}): Promise<string | null> {
    const data: RunJob = { runId };
    const dedupe =
      options.dedupeWindowSeconds !== undefined && options.dedupeWindowSeconds > 0
        ? { singletonKey: `run-${runId}`, singletonSeconds: Math.ceil(options.dedupeWindowSeconds) }
        : {};
    return this.boss.send(RUN_QUEUE_NAME, data, { ...this.jobOptions(), ...dedupe });
  }

  async work(handler: JobHandler, options: WorkOptions): Promise<void> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number ≥ 1 (got ${options.concurrency}).`);
    }
    // One polling loop per slot, each taking one job at a time: `concurrency` runs at most.
    for (let i = 0; i < options.concurrency; i++) {
      await this.boss.work<RunJob>(
        RUN_QUEUE_NAME,
        { batchSize: 1, pollingIntervalSeconds: this.settings.pollingIntervalSeconds, includeMetadata: true },
        async (jobs) => {
          for (const job of jobs) await this.handle(job, handler, options);
        },
      );
    }
  }

  private async handle(job: PgBoss.JobWithMetadata<RunJob>, handler: JobHandler, options: WorkOptions): Promise<void> {
    const runId = job.data?.runId;
    if (!Number.isInteger(runId)) {
      options.onHandlerError?.(new TypeError(`Job ${job.id} carries no run id.`), { runId: Number.NaN });
      await this.boss.complete(RUN_QUEUE_NAME, job.id);
      return;
    }
    const context: JobContext = {
      jobId: job.id,
      enqueuedAt: new Date(job.createdOn),
      retryCount: job.retryCount,
      stopSignal: this.stopController.signal,
    };
    try {
      await handler({ runId }, context);
    } catch (error) {
      options.onHandlerError?.(error, { runId });
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      // Awaited here (pg-boss's own bookkeeping after the handler is not), so a stopping process records it.
      await this.boss.fail(RUN_QUEUE_NAME, job.id, { message });
      return;
    }
    await this.boss.complete(RUN_QUEUE_NAME, job.id);
  }

  async depth(): Promise<number> {
    return this.boss.getQueueSize(RUN_QUEUE_NAME);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    this.stopController.abort();
    await this.boss.stop({
      graceful: options.graceful ?? true,
      wait: true,
      timeout: options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    });
    this.started = false;
  }
}
