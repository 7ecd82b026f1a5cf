/**
 * Runs executed inside the bot process, never on its main thread.
 *
 * Embedded mode (PGlite, no DATABASE_URL) has one process: the bot. It
 * consumes the in-process queue with `threads` run threads; each executes one
 * run at a time with the worker's `executeRun`. Every SQL statement and blob
 * a run thread needs is served by the thread that holds the database
 * (`storageBridge.ts`): the database thread (`databaseThread.ts`, what
 * `imageprompt bot` uses), or this main thread when the PGlite instance was
 * opened here (tests share one in-memory instance). The engine's work —
 * policy updates, image generation, scoring — always happens in run threads.
 *
 * With PostgreSQL, runs are normally executed by `imageprompt worker`
 * processes; a bot given `threads` there also works the pg-boss queue, its
 * threads connecting to PostgreSQL themselves.
 *
 * A thread that crashes is replaced and its run queued again (failed after
 * `MAX_CRASHES_PER_RUN`). Stopping is graceful: runs checkpoint and are
 * released, to resume at the next start.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import type { BlobStore } from '../../../db/blobStore.js';
import type { Database } from '../../../db/client.js';
import { getRun, updateRunStatus } from '../../../db/repositories/runs.js';
import type { JobContext, JobQueue, RunJob } from '../../../jobs/jobQueue.js';
import type { RunExecutionReport } from '../../../worker/executeRun.js';
import { requeueStaleRuns, requeueUnfinishedRuns } from '../../../worker/worker.js';
import { describeError } from '../../interactions/router.js';
import type { BotLogger } from '../../logger.js';
import { type FromRunThread, fromWireError, type RunThreadData, type ToRunThread, toWireError } from './protocol.js';
import { spawnThread } from './spawnThread.js';
import { StorageServer } from './storageBridge.js';

export interface EmbeddedExecutionOptions {
  /** The main thread's database (queue recovery, crash bookkeeping). */
  readonly db: Database;
  /** The embedded database, open on this thread: the threads' statements run here. */
  readonly pglite?: PGlite;
  /** The embedded database in its own thread: a new connection to it per run thread (see `databaseThread.ts`). */
  readonly connectStorage?: () => MessagePort;
  /** PostgreSQL: the threads connect themselves. */
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
  readonly logger: BotLogger;
  /** Run threads, i.e. runs executed at once (default 1). */
  readonly threads?: number;
  readonly execution?: RunThreadData['execution'];
  /** The threads' environment: provider keys (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Level of the threads' log lines forwarded to `logger` (default `info`). */
  readonly logLevel?: string;
  readonly onRunFinished?: (report: RunExecutionReport) => void;
}

export interface EmbeddedExecution {
  readonly threads: number;
  readonly workerId: string;
  /** Thread ids of the run threads (never the main thread's 0). */
  readonly threadIds: readonly number[];
  /** Stops taking runs; runs in progress checkpoint and go back to the queue. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const MAX_CRASHES_PER_RUN = 3;
const RECOVER_EVERY_MS = 15_000;

/** pino's numeric levels. */
function forwardLogLine(logger: BotLogger, line: string): void {
  let parsed: { level?: number; msg?: string } & Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    logger.info({ line: line.trim() }, 'run thread');
    return;
  }
  const { level = 30, msg = 'run thread', ...details } = parsed;
  if (level >= 50) logger.error(details, msg);
  else if (level >= 40) logger.warn(details, msg);
  else logger.info(details, msg);
}

class RunThreadHandle {
  readonly worker: Worker;
  /** Only when the database is open on this thread; with a database thread, the run thread talks to it directly. */
  private readonly storage: StorageServer | undefined;
  private readonly executions = new Map<number, { resolve: (report: RunExecutionReport) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  exited = false;

  constructor(data: RunThreadData, options: EmbeddedExecutionOptions) {
    const storagePort = options.connectStorage?.();
    this.storage = storagePort === undefined ? new StorageServer(options.pglite, options.blobs) : undefined;
    this.worker = spawnThread('runThreadEntry', {
      workerData: storagePort === undefined ? data : { ...data, storagePort },
      transferList: storagePort === undefined ? [] : [storagePort],
      env: options.env ?? process.env,
      name: 'imageprompt-run',
    });
    this.worker.on('message', (message: FromRunThread) => this.receive(message, options.logger));
    this.worker.on('error', (error) => options.logger.error({ error: describeError(error) }, 'run thread crashed'));
    this.worker.on('exit', (code) => {
      this.exited = true;
      void this.storage?.close();
      for (const execution of this.executions.values()) execution.reject(new Error(`the run thread exited (code ${code})`));
      this.executions.clear();
    });
  }

  execute(runId: number): Promise<RunExecutionReport> {
    if (this.exited) return Promise.reject(new Error('the run thread has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.executions.set(id, { resolve, reject });
      this.post({ kind: 'execute', id, runId });
    });
  }

  shutdown(): void {
    if (!this.exited) this.post({ kind: 'shutdown' });
  }

  async terminate(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
    await this.storage?.close();
  }

  private post(message: ToRunThread, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(message: FromRunThread, logger: BotLogger): void {
    switch (message.kind) {
      case 'storage':
        if (this.storage === undefined) return;
        this.storage.handle(message.request).then(
          ({ value, transfer }) => this.post({ kind: 'reply', id: message.id, ok: true, value }, transfer),
          (error: unknown) => this.post({ kind: 'reply', id: message.id, ok: false, error: toWireError(error) }),
        );
        break;
      case 'report':
      case 'failed': {
        const execution = this.executions.get(message.id);
        this.executions.delete(message.id);
        if (message.kind === 'report') execution?.resolve(message.report);
        else execution?.reject(fromWireError(message.error));
        break;
      }
      case 'log':
        forwardLogLine(logger, message.line);
        break;
    }
  }
}

export async function startEmbeddedExecution(options: EmbeddedExecutionOptions): Promise<EmbeddedExecution> {
  const { db, queue, logger } = options;
  const size = options.threads ?? 1;
  if (!Number.isInteger(size) || size < 1 || size > 16) throw new RangeError(`run threads must be 1 to 16 (got ${size}).`);
  const ownsDatabase = options.pglite !== undefined || options.connectStorage !== undefined;
  if (!ownsDatabase && options.databaseUrl === undefined) throw new Error('run threads need the embedded database or a PostgreSQL URL');
  const workerId = `${hostname()}:${process.pid}:bot-${randomBytes(3).toString('hex')}`;
  const data: RunThreadData = {
    workerId,
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl, databaseSchema: options.databaseSchema } : {}),
    logLevel: options.logLevel ?? 'info',
    execution: options.execution ?? {},
  };
  const idle: RunThreadHandle[] = Array.from({ length: size }, () => new RunThreadHandle(data, options));
  const all = new Set(idle);
  const crashes = new Map<number, number>();
  let stopping = false;

  const afterCrash = async (job: RunJob, error: unknown): Promise<void> => {
    const count = (crashes.get(job.runId) ?? 0) + 1;
    crashes.set(job.runId, count);
    const run = await getRun(db, job.runId);
    if (run?.status !== 'running') return;
    if (count >= MAX_CRASHES_PER_RUN) {
      logger.error({ runId: job.runId, crashes: count }, 'run thread crashed repeatedly on this run; marking it failed');
      await updateRunStatus(db, job.runId, 'failed', { error: 'The training process crashed repeatedly.' });
      return;
    }
    logger.warn({ runId: job.runId, error: describeError(error) }, 'run thread crashed; the run resumes from its checkpoint');
    await updateRunStatus(db, job.runId, 'queued');
    if (!stopping) await queue.enqueue(job.runId);
  };

  const handle = async (job: RunJob, context: JobContext): Promise<void> => {
    let thread = idle.pop();
    if (thread === undefined) throw new Error('no idle run thread (queue concurrency exceeds the threads)');
    const onStop = (): void => thread?.shutdown();
    context.stopSignal.addEventListener('abort', onStop, { once: true });
    if (context.stopSignal.aborted) onStop();
    try {
      const report = await thread.execute(job.runId);
      if (report.outcome !== 'not-claimed') logger.info({ runId: report.runId, outcome: report.outcome, iterations: report.iterations, wallMs: Math.round(report.wallMs), dbMs: Math.round(report.dbMs) }, 'run finished');
      options.onRunFinished?.(report);
    } catch (error) {
      if (thread.exited) {
        all.delete(thread);
        thread = new RunThreadHandle(data, options);
        all.add(thread);
        await afterCrash(job, error);
      } else {
        logger.error({ runId: job.runId, error: describeError(error) }, 'run execution failed');
      }
    } finally {
      context.stopSignal.removeEventListener('abort', onStop);
      idle.push(thread);
    }
  };

  await queue.start();
  // This process owns the embedded database: whatever was unfinished when it last stopped is its to resume.
  if (ownsDatabase) await requeueUnfinishedRuns(db, queue);
  let recoverTimer: NodeJS.Timeout | undefined;
  if (!ownsDatabase) {
    const staleAfterMs = options.execution?.staleAfterMs ?? 60_000;
    const recover = (): void => void requeueStaleRuns(db, queue, staleAfterMs).catch((error: unknown) => logger.warn({ error: describeError(error) }, 'could not look for runs of dead workers'));
    recover();
    recoverTimer = setInterval(recover, RECOVER_EVERY_MS);
    recoverTimer.unref();
  }
  await queue.work(handle, { concurrency: size, onHandlerError: (error, job) => logger.error({ runId: job.runId, error: describeError(error) }, 'run job failed') });

  return {
    threads: size,
    workerId,
    get threadIds() {
      return [...all].map((thread) => thread.worker.threadId);
    },
    async stop(stopOptions = {}) {
      stopping = true;
      clearInterval(recoverTimer);
      const graceMs = options.execution?.shutdownGraceMs ?? 10_000;
      await queue.stop({ graceful: true, timeoutMs: stopOptions.timeoutMs ?? graceMs + 10_000 });
      await Promise.allSettled([...all].map((thread) => thread.terminate()));
    },
  };
}
