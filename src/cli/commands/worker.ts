/**
 * `imageprompt worker [--concurrency N]`: executes training runs from the
 * queue until SIGTERM or SIGINT, then stops gracefully (the runs in progress
 * checkpoint and go back to the queue). With DATABASE_URL: PostgreSQL and
 * pg-boss, any number of workers anywhere; without it: the embedded database,
 * whose unfinished runs this worker picks up (see src/worker/environment.ts).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadRuntimeConfig } from '../../config/runtime.js';
import { DatabaseConnectionError } from '../../db/client.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { openWorkerEnvironment } from '../../worker/environment.js';
import { startWorker } from '../../worker/worker.js';
import { UsageError } from '../errors.js';
import { parseNumberFlag } from '../flags.js';
import { waitForStop } from '../waitForStop.js';
import { type ServiceMetrics, meteredGenerator, startServiceMetrics } from '../../observability/serviceMetrics.js';
import { defaultProviderStackFactory } from '../../worker/providerStack.js';
import type { CliIo } from '../optimize/command.js';

export interface WorkerArgs {
  concurrency: number;
  schema: string | undefined;
  queueSchema: string | undefined;
  heartbeatSeconds: number;
  staleAfterSeconds: number;
  pollSeconds: number;
  shutdownGraceSeconds: number;
  help: boolean;
}

export function workerUsage(): string {
  return [
    'Usage: imageprompt worker [flags]',
    '',
    'Executes training runs from the queue until SIGTERM/SIGINT. With DATABASE_URL it uses',
    'PostgreSQL and pg-boss (run as many workers as you like); without it, the embedded database.',
    '',
    'Flags:',
    '  --concurrency N            runs executed at once by this process (default 1)',
    '  --schema NAME              PostgreSQL schema of the tables (default: the search_path)',
    '  --queue-schema NAME        PostgreSQL schema of the job queue (default pgboss)',
    '  --heartbeat-seconds S      heartbeat period of a running run (default 10)',
    '  --stale-after-seconds S    a run without heartbeat this long is taken over (default 60)',
    '  --poll-seconds S           how often an idle worker looks for jobs (default 1, at least 0.5)',
    '  --shutdown-grace-seconds S on SIGTERM, wait this long for the iteration in progress (default 10)',
  ].join('\n');
}

export function parseWorkerArgs(argv: string[]): WorkerArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        concurrency: { type: 'string' },
        schema: { type: 'string' },
        'queue-schema': { type: 'string' },
        'heartbeat-seconds': { type: 'string' },
        'stale-after-seconds': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'shutdown-grace-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. Run "imageprompt worker --help" for the flags.`);
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const args: WorkerArgs = {
    concurrency: parseNumberFlag('concurrency', text('concurrency'), { integer: true, min: 1 }) ?? 1,
    schema: text('schema'),
    queueSchema: text('queue-schema'),
    heartbeatSeconds: parseNumberFlag('heartbeat-seconds', text('heartbeat-seconds'), { min: 0.1 }) ?? 10,
    staleAfterSeconds: parseNumberFlag('stale-after-seconds', text('stale-after-seconds'), { min: 0.5 }) ?? 60,
    pollSeconds: parseNumberFlag('poll-seconds', text('poll-seconds'), { min: 0.5 }) ?? 1,
    shutdownGraceSeconds: parseNumberFlag('shutdown-grace-seconds', text('shutdown-grace-seconds'), { min: 0 }) ?? 10,
    help: values.help === true,
  };
  if (args.concurrency > 64) throw new UsageError(`--concurrency must be at most 64 (got ${args.concurrency}).`);
  if (args.staleAfterSeconds <= args.heartbeatSeconds) {
    throw new UsageError(`--stale-after-seconds (${args.staleAfterSeconds}) must exceed --heartbeat-seconds (${args.heartbeatSeconds}), or live runs would be taken over.`);
  }
  return args;
}

export interface WorkerCommandControl {
  /** Stops the worker like SIGTERM (default: SIGTERM and SIGINT of this process). */
  stopSignal?: AbortSignal;
  /** Told once the worker consumes the queue. */
  onReady?: (workerId: string) => void;
}

export async function runWorkerCommand(argv: string[], io: CliIo, control: WorkerCommandControl = {}): Promise<number> {
  const args = parseWorkerArgs(argv);
  if (args.help) {
    io.stdout.write(`${workerUsage()}\n`);
    return 0;
  }
  let logger: Logger;
  let runtime: ReturnType<typeof loadRuntimeConfig>;
  try {
    runtime = loadRuntimeConfig(io.env);
    logger = createLogger({ name: 'worker', destination: io.stdout, env: io.env });
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof Error && error.message.startsWith('LOG_LEVEL'))) throw error;
    io.stderr.write(`imageprompt: ${error.message}\n`);
    return 1;
  }

  let environment: Awaited<ReturnType<typeof openWorkerEnvironment>>;
  try {
    environment = await openWorkerEnvironment({
      runtime,
      schema: args.schema,
      queueSchema: args.queueSchema,
      pollingIntervalSeconds: args.pollSeconds,
      logger,
    });
  } catch (error) {
    if (!(error instanceof DatabaseConnectionError)) throw error;
    io.stderr.write(`imageprompt: ${error.message}\n`);
    return 1;
  }

  const stopRequested = waitForStop(control.stopSignal);
  let serviceMetrics: ServiceMetrics | undefined;
  try {
    serviceMetrics = await startServiceMetrics({ service: 'worker', env: io.env, db: environment.handle.db, queueDepth: () => environment.queue.depth() });
    const { metrics } = serviceMetrics;
    const providerStacks = defaultProviderStackFactory(io.env);
    const worker = await startWorker({
      db: environment.handle.db,
      blobs: environment.blobs,
      queue: environment.queue,
      logger,
      concurrency: args.concurrency,
      env: io.env,
      ownsDatabase: environment.mode === 'embedded',
      // Every image a run generates is counted by provider and model for /metrics.
      createStack: async (run, settings) => {
        const stack = await providerStacks(run, settings);
        return { ...stack, generator: meteredGenerator(stack.generator, metrics) };
      },
      onRunFinished: (report) => metrics.runTransitions.inc({ status: report.outcome }),
      execution: {
        heartbeatMs: args.heartbeatSeconds * 1000,
        staleAfterMs: args.staleAfterSeconds * 1000,
        shutdownGraceMs: args.shutdownGraceSeconds * 1000,
      },
    });
    logger.info(
      { workerId: worker.workerId, concurrency: args.concurrency, queue: environment.queue.kind, database: environment.description },
      environment.mode === 'embedded'
        ? 'worker started (embedded database: runs are those this process owns; set DATABASE_URL to share a queue between processes)'
        : 'worker started',
    );
    control.onReady?.(worker.workerId);
    const signal = await stopRequested.promise;
    logger.info({ signal, activeRuns: worker.activeRuns }, 'stopping: runs in progress checkpoint and go back to the queue');
    await worker.stop();
    logger.info('worker stopped');
    return 0;
  } finally {
    stopRequested.dispose();
    await serviceMetrics?.close();
    await environment.close();
  }
}

