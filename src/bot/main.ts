/**
 * The bot's composition root: one Discord client, one interaction router with
 * every command, the run followers, the reaction-vote fallback and — in
 * embedded mode — the run threads that execute training off the main thread
 * (their storage served by the database thread under `imageprompt bot`).
 *
 *   startBot → router (all commands + vote button) → login → run threads → resume followers
 *   stop     → stop routing → runs checkpoint and go back to the queue
 *            → followers flush their status → client destroyed → queue, database closed
 */
import { once } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { type Client, Events, ShardClientUtil } from 'discord.js';
import type { BlobStore } from '../db/blobStore.js';
import type { DatabaseHandle } from '../db/client.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import type { RunExecutionReport } from '../worker/executeRun.js';
import { voteButton } from './buttons/vote.js';
import { createBotClient } from './client.js';
import { commands as allCommands } from './commands/index.js';
import type { Command } from './commands/types.js';
import type { BotConfig } from './config.js';
import type { ButtonHandler } from './interactions/buttons.js';
import { createInteractionRouter, describeError, type RouterOptions } from './interactions/router.js';
import { type BotLogger, silentLogger } from './logger.js';
import { type EmbeddedExecution, startEmbeddedExecution } from './runs/execution/embeddedExecution.js';
import type { RunThreadData } from './runs/execution/protocol.js';
import { RunFollowers } from './runs/followers.js';
import { attachReactionVotes, type ReactionVotesOptions } from './runs/reactionVotes.js';
import type { FollowerSettings } from './runs/runFollower.js';
import { DEFAULT_TRAINING_POLICY, type TrainingPolicy, type TrainingServices } from './services/runs.js';

export interface StartBotOptions<Extra extends object> {
  readonly config: BotConfig;
  /** Closed when the bot stops. */
  readonly db: DatabaseHandle;
  readonly blobs: BlobStore;
  /** Where `/train` puts runs (pg-boss with PostgreSQL, in-process when embedded). Stopped when the bot stops. */
  readonly queue: JobQueue;
  /** The other commands' services (`/challenge`, `/guess`, …), merged with the bot's own. */
  readonly services: Extra;
  readonly logger?: BotLogger;
  /** Default: every command in `commands/index.ts`. */
  readonly commands?: readonly Command[];
  /** Default: the vote button. */
  readonly buttons?: readonly ButtonHandler[];
  readonly training?: Partial<TrainingPolicy>;
  readonly follower?: Partial<FollowerSettings>;
  /**
   * Run threads in this process. Embedded mode needs at least one (nothing
   * else can reach the database); default 1 there, 0 with PostgreSQL (runs go
   * to `imageprompt worker` processes).
   */
  readonly runThreads?: number;
  /** The embedded database instance, open on this thread (default: the one under `db`, if it is PGlite). */
  readonly pglite?: PGlite;
  /** The embedded database in a thread of its own (`startDatabaseThread`): connections for run threads. */
  readonly connectStorage?: () => MessagePort;
  /** PostgreSQL URL for run threads in PostgreSQL mode. */
  readonly databaseUrl?: string;
  readonly execution?: RunThreadData['execution'];
  /** Environment of the run threads (provider keys). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stop on SIGTERM and SIGINT (a process that only runs the bot; `imageprompt bot` waits for them itself). */
  readonly handleSignals?: boolean;
  readonly onAcknowledged?: RouterOptions<unknown>['onAcknowledged'];
  readonly onReactionVote?: ReactionVotesOptions['onVote'];
  readonly onRunFinished?: (report: RunExecutionReport) => void;
}

export interface RunningBot {
  readonly client: Client;
  readonly followers: RunFollowers;
  readonly execution: EmbeddedExecution | undefined;
  /** Runs resumed at start-up. */
  readonly resumedRuns: readonly number[];
  /** Graceful shutdown; safe to call more than once. */
  stop(): Promise<void>;
  /** Resolves when the bot has stopped (after `stop` or a signal). */
  readonly stopped: Promise<void>;
}

/** The PGlite instance under a drizzle database opened on it, if any. */
export function pgliteOf(handle: DatabaseHandle): PGlite | undefined {
  if (handle.kind !== 'pglite') return undefined;
  const client: unknown = (handle.db as unknown as { $client?: unknown }).$client;
  return client instanceof PGlite ? client : undefined;
}

/** Whether the guild is on one of this client's shards (always, unsharded). */
function ownsGuild(client: Client, guildId: string | null): boolean {
  const shard = client.shard;
  if (shard === null || guildId === null) return true;
  return shard.ids.includes(ShardClientUtil.shardIdForGuildId(guildId, shard.count));
}

export async function startBot<Extra extends object>(options: StartBotOptions<Extra>): Promise<RunningBot> {
  const { config, db: handle, blobs, queue } = options;
  const logger = options.logger ?? silentLogger;
  const db = handle.db;
  const client = createBotClient(config);
  const followers = new RunFollowers({ client, db, blobs, logger, settings: options.follower, ownsGuild: (guildId) => ownsGuild(client, guildId) });
  const trainingPolicy: TrainingPolicy = { ...DEFAULT_TRAINING_POLICY, ...options.training };
  const services: TrainingServices & Extra = { ...options.services, db, queue, trainingPolicy, runFollowing: followers };

  const router = createInteractionRouter<TrainingServices & Extra>({
    commands: (options.commands ?? allCommands) as readonly Command<TrainingServices & Extra>[],
    buttons: (options.buttons ?? [voteButton]) as readonly ButtonHandler<TrainingServices & Extra>[],
    services,
    logger,
    onAcknowledged: options.onAcknowledged,
  });
  const detachRouter = router.attach(client);
  const detachReactions = attachReactionVotes(client, { db, logger, onVote: options.onReactionVote });
  client.on(Events.Error, (error) => logger.error({ error: describeError(error) }, 'Discord client error'));

  // Ready to enqueue before the first interaction can arrive.
  await queue.start();
  const ready = once(client, Events.ClientReady);
  try {
    await client.login(config.token);
    await ready;
  } catch (error) {
    // No run thread has started yet: a bad token costs nothing more.
    await client.destroy();
    await queue.stop({ graceful: false }).catch(() => undefined);
    throw error;
  }
  // Commands that arrive before the run threads are up only enqueue; the threads take the jobs when they start.
  const connectStorage = options.connectStorage;
  const pglite = connectStorage === undefined ? (options.pglite ?? pgliteOf(handle)) : undefined;
  const embedded = connectStorage !== undefined || pglite !== undefined;
  const threads = options.runThreads ?? (embedded ? 1 : 0);
  if (embedded && threads === 0) logger.warn({}, 'no run threads on the embedded database: runs wait until something executes them');
  const storage = connectStorage !== undefined ? { connectStorage } : pglite !== undefined ? { pglite } : { databaseUrl: options.databaseUrl, databaseSchema: handle.schema };
  const execution =
    threads > 0
      ? await startEmbeddedExecution({
          db,
          ...storage,
          blobs,
          queue,
          logger,
          threads,
          execution: options.execution,
          env: options.env,
          onRunFinished: options.onRunFinished,
        })
      : undefined;

  const resumedRuns = await followers.resume();
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, resumedRuns, runThreads: threads, queue: queue.kind }, 'bot ready');

  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    void stop();
  };
  async function shutdown(): Promise<void> {
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    detachRouter();
    detachReactions();
    const step = async (what: string, action: () => Promise<unknown>): Promise<void> => {
      try {
        await action();
      } catch (error) {
        logger.error({ error: describeError(error), step: what }, 'shutdown step failed');
      }
    };
    // Runs first: they checkpoint and go back to the queue while the database is still open.
    if (execution) await step('run threads', () => execution.stop());
    await step('followers', () => followers.close());
    await step('client', () => client.destroy());
    if (!execution) await step('queue', () => queue.stop({ graceful: true, timeoutMs: 5000 }));
    await step('database', () => handle.close());
    markStopped();
  }
  function stop(): Promise<void> {
    stopping ??= shutdown();
    return stopping;
  }
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { client, followers, execution, resumedRuns, stop, stopped };
}
