/**
 * `imageprompt bot`: runs the Discord bot until SIGTERM or SIGINT, then stops
 * gracefully. Settings come from the environment (DISCORD_TOKEN,
 * DISCORD_APPLICATION_ID, optional DISCORD_API_BASE; DATABASE_URL and the
 * IMAGEPROMPT_* paths) and are checked before anything starts: a missing or
 * malformed one stops start-up with one line that never shows the token.
 *
 * Without DATABASE_URL the bot is the whole game in one process: the
 * embedded database in a thread of its own, the in-process queue, and run
 * threads that train — nothing of either on the main thread. With
 * DATABASE_URL it enqueues on pg-boss and `imageprompt worker` processes
 * train (add `--run-threads N` to also train in the bot).
 */
import { parseArgs } from 'node:util';
import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes } from 'discord.js';
import type { MessagePort } from 'node:worker_threads';
import { ConfigError, loadRuntimeConfig, type RuntimeConfig } from '../../config/runtime.js';
import type { BlobStore } from '../../db/blobStore.js';
import { DatabaseConnectionError, type DatabaseHandle } from '../../db/client.js';
import { InProcessJobQueue } from '../../jobs/inProcessQueue.js';
import type { JobQueue } from '../../jobs/jobQueue.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { openWorkerEnvironment } from '../../worker/environment.js';
import { BotConfigError, type BotConfig, loadBotConfig } from '../../bot/config.js';
import { UsageError } from '../errors.js';
import { parseNumberFlag } from '../flags.js';
import { waitForStop } from '../waitForStop.js';
import { type ServiceMetrics, startServiceMetrics } from '../../observability/serviceMetrics.js';
import type { CliIo } from '../optimize/command.js';

export interface BotArgs {
  /** `undefined`: 1 with the embedded database, 0 with PostgreSQL. */
  runThreads: number | undefined;
  engineThreads: number | undefined;
  schema: string | undefined;
  queueSchema: string | undefined;
  help: boolean;
}

export function botUsage(): string {
  return [
    'Usage: imageprompt bot [flags]',
    '',
    'Runs the Discord bot until SIGTERM/SIGINT. Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID;',
    'DISCORD_API_BASE points it at another Discord-compatible server (default https://discord.com/api).',
    'Without DATABASE_URL everything runs in this process (embedded database, training in threads);',
    'with it, runs go to the shared queue for `imageprompt worker` processes.',
    '',
    'Flags:',
    '  --run-threads N     training runs executed at once inside the bot (default 1 embedded, 0 with DATABASE_URL)',
    '  --engine-threads N  threads for guesses and prompt spaces (default: by CPU count)',
    '  --schema NAME       PostgreSQL schema of the tables (default: the search_path)',
    '  --queue-schema NAME PostgreSQL schema of the job queue (default pgboss)',
  ].join('\n');
}

export function parseBotArgs(argv: string[]): BotArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'run-threads': { type: 'string' },
        'engine-threads': { type: 'string' },
        schema: { type: 'string' },
        'queue-schema': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. Run "imageprompt bot --help" for the flags.`);
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return {
    runThreads: parseNumberFlag('run-threads', text('run-threads'), { integer: true, min: 0, max: 16 }),
    engineThreads: parseNumberFlag('engine-threads', text('engine-threads'), { integer: true, min: 1, max: 16 }),
    schema: text('schema'),
    queueSchema: text('queue-schema'),
    help: values.help === true,
  };
}

/** One line for a failed login; the token is never part of it. */
export function describeLoginFailure(error: unknown): string | undefined {
  if (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid) return 'Discord rejected DISCORD_TOKEN: copy the bot token again from the Developer Portal (Bot page).';
  if (error instanceof DiscordAPIError && error.status === 401) return 'Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal (Bot page).';
  if (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.DisallowedIntents) return 'Discord refused the bot’s intents: enable them for the application in the Developer Portal.';
  if (error instanceof Error && 'code' in error && (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND')) return 'Cannot reach Discord at DISCORD_API_BASE: check the address and the network.';
  return undefined;
}

export interface BotCommandControl {
  /** Stops the bot like SIGTERM (default: SIGTERM and SIGINT of this process). */
  stopSignal?: AbortSignal;
  /** Told once the bot is logged in and routing. */
  onReady?: () => void;
}

export async function runBotCommand(argv: string[], io: CliIo, control: BotCommandControl = {}): Promise<number> {
  const args = parseBotArgs(argv);
  if (args.help) {
    io.stdout.write(`${botUsage()}\n`);
    return 0;
  }
  let config: BotConfig;
  let runtime: ReturnType<typeof loadRuntimeConfig>;
  let logger: Logger;
  try {
    config = loadBotConfig(io.env);
    runtime = loadRuntimeConfig(io.env);
    logger = createLogger({ name: 'bot', destination: io.stdout, env: io.env });
  } catch (error) {
    if (!(error instanceof BotConfigError || error instanceof ConfigError || (error instanceof Error && error.message.startsWith('LOG_LEVEL')))) throw error;
    io.stderr.write(`imageprompt: ${error.message}\n`);
    return 1;
  }
  if (runtime.databaseUrl === undefined && args.runThreads === 0) {
    throw new UsageError('--run-threads 0 needs DATABASE_URL: with the embedded database only the bot can execute runs.');
  }

  if (runtime.databaseUrl === undefined && (args.schema !== undefined || args.queueSchema !== undefined)) {
    throw new UsageError('--schema and --queue-schema need DATABASE_URL (the embedded database has one schema).');
  }
  let environment: BotEnvironment;
  try {
    environment = await openBotEnvironment(runtime, args, logger, io.env);
  } catch (error) {
    if (!(error instanceof DatabaseConnectionError)) throw error;
    io.stderr.write(`imageprompt: ${error.message}\n`);
    return 1;
  }

  // Loaded only now: they pull in discord.js, the engine threads and the game's services.
  const { startBot } = await import('../../bot/main.js');
  const { createEngineThreads } = await import('../../bot/engine/engineThreads.js');
  const { createPartAServices } = await import('../../bot/services/index.js');
  const engine = createEngineThreads({ env: io.env, ...(args.engineThreads !== undefined ? { size: args.engineThreads } : {}) });
  const stopRequested = waitForStop(control.stopSignal);
  let serviceMetrics: ServiceMetrics | undefined;
  try {
    serviceMetrics = await startServiceMetrics({ service: 'bot', env: io.env, db: environment.handle.db, queueDepth: () => environment.queue.depth() });
    const { metrics } = serviceMetrics;
    let bot: Awaited<ReturnType<typeof startBot>>;
    try {
      bot = await startBot({
        config,
        db: environment.handle,
        blobs: environment.blobs,
        queue: environment.queue,
        services: createPartAServices({ db: environment.handle.db, blobs: environment.blobs, engine, env: io.env }),
        logger,
        runThreads: args.runThreads,
        ...(environment.connectStorage !== undefined ? { connectStorage: environment.connectStorage } : {}),
        databaseUrl: runtime.databaseUrl,
        env: io.env,
        onAcknowledged: ({ name, ms }) => metrics.interactionLatencySeconds.observe({ command: name }, ms / 1000),
      });
    } catch (error) {
      const line = describeLoginFailure(error);
      if (line === undefined) throw error;
      io.stderr.write(`imageprompt: ${line}\n`);
      return 1;
    }
    control.onReady?.();
    const signal = await stopRequested.promise;
    logger.info({ signal }, 'stopping: runs in progress checkpoint, status messages are flushed');
    await bot.stop();
    logger.info('bot stopped');
    return 0;
  } finally {
    stopRequested.dispose();
    await serviceMetrics?.close();
    await engine.close();
    // startBot closes the database when it stops; closing twice is harmless for both drivers.
    await environment.close().catch(() => undefined);
  }
}

interface BotEnvironment {
  readonly handle: DatabaseHandle;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
  /** Embedded mode: connections to the database thread for the run threads. */
  readonly connectStorage?: () => MessagePort;
  close(): Promise<void>;
}

/**
 * Embedded: the database in a thread of its own (so the run threads'
 * checkpoints never hold up the bot's main thread) and the in-process queue.
 * PostgreSQL: the same tables and pg-boss queue the workers use.
 */
async function openBotEnvironment(runtime: RuntimeConfig, args: BotArgs, logger: Logger, env: CliIo['env']): Promise<BotEnvironment> {
  if (runtime.databaseUrl !== undefined) {
    const environment = await openWorkerEnvironment({ runtime, schema: args.schema, queueSchema: args.queueSchema, logger });
    return { handle: environment.handle, blobs: environment.blobs, queue: environment.queue, close: () => environment.close() };
  }
  const { startDatabaseThread } = await import('../../bot/runs/execution/databaseThread.js');
  const database = await startDatabaseThread({ dataDir: runtime.databaseDir, imagesDir: runtime.imagesDir, env });
  return { handle: database.handle, blobs: database.blobs, queue: new InProcessJobQueue(), connectStorage: () => database.connect(), close: () => database.handle.close() };
}

