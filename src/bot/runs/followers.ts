/**
 * Every run the bot is following, one `RunFollower` each. A follower that
 * fails (Discord down, a network error) starts over after a pause: following
 * is idempotent, since each start reads the thread back and replays the
 * run's events. At start-up the bot resumes every run that is queued,
 * running, or finished recently (its summary may be missing).
 */
import { type Client, DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { type BlobStore, type Database, getChallenge, getRunSummary, type RunSummary } from '../../db/index.js';
import { describeError } from '../interactions/router.js';
import type { BotLogger } from '../logger.js';
import { runsToFollow } from '../services/runs.js';
import { DEFAULT_FOLLOWER_SETTINGS, type FollowerOutcome, type FollowerSettings, RunFollower } from './runFollower.js';
import { discordChallengeThread, type ChallengeThread } from './challengeThread.js';

export interface RunFollowersOptions {
  readonly client: Client;
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly logger: BotLogger;
  readonly settings?: Partial<FollowerSettings>;
  /** Pause before a failed follower starts over (doubles up to 60 s). Default 2000 ms. */
  readonly retryDelayMs?: number;
  /** At start-up, also resume runs that finished this recently. Default 24 h. */
  readonly resumeFinishedWithinMs?: number;
  /** Whether this process shows runs of the guild (sharded bots: the guild is on one of its shards). Default: all. */
  readonly ownsGuild?: (guildId: string | null) => boolean;
}

interface Tracked {
  follower: RunFollower | undefined;
  stopped: boolean;
  done: Promise<FollowerOutcome>;
}

/** Errors after which following cannot succeed: the thread is gone or closed to the bot. */
const FATAL_CODES = new Set<number>([RESTJSONErrorCodes.UnknownChannel, RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions, RESTJSONErrorCodes.ThreadLocked]);

export class RunFollowers {
  private readonly tracked = new Map<number, Tracked>();
  private readonly pauses = new Set<() => void>();
  private readonly settings: FollowerSettings;
  private closed = false;

  constructor(private readonly options: RunFollowersOptions) {
    this.settings = { ...DEFAULT_FOLLOWER_SETTINGS, ...options.settings };
  }

  /** Starts following the run in its challenge's thread (no-op if already followed). */
  follow(runId: number): Promise<FollowerOutcome> {
    const existing = this.tracked.get(runId);
    if (existing) return existing.done;
    const tracked: Tracked = { follower: undefined, stopped: false, done: Promise.resolve<FollowerOutcome>('stopped') };
    tracked.done = this.loop(runId, tracked).finally(() => {
      if (this.tracked.get(runId) === tracked) this.tracked.delete(runId);
    });
    this.tracked.set(runId, tracked);
    return tracked.done;
  }

  /** Resumes following what may still need posting; returns the run ids. */
  async resume(now = new Date()): Promise<number[]> {
    const runs = await runsToFollow(this.options.db, { now, finishedWithinMs: this.options.resumeFinishedWithinMs ?? 24 * 60 * 60 * 1000 });
    for (const run of runs) void this.follow(run.id);
    return runs.map((run) => run.id);
  }

  /** Runs being followed now. */
  get runIds(): number[] {
    return [...this.tracked.keys()];
  }

  /** A command changed the run (e.g. /stop): look at it now rather than at the next poll. */
  poke(runId: number): void {
    this.tracked.get(runId)?.follower?.poke();
  }

  /** Waits `ms`, or less if the followers are closed meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.pauses;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  /** Stops every follower (status messages are flushed) and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.pauses]) wake();
    const all = [...this.tracked.values()];
    for (const tracked of all) {
      tracked.stopped = true;
      tracked.follower?.stop();
    }
    await Promise.allSettled(all.map((tracked) => tracked.done));
  }

  /** The run's thread; `elsewhere` when another shard's process shows it. */
  private async threadOf(run: RunSummary): Promise<ChallengeThread | 'elsewhere' | undefined> {
    if (run.challengeId === null) return undefined;
    const challenge = await getChallenge(this.options.db, run.challengeId);
    if (!challenge?.threadId) return undefined;
    if (this.options.ownsGuild && !this.options.ownsGuild(challenge.guildId)) return 'elsewhere';
    return discordChallengeThread(this.options.client, challenge.threadId);
  }

  private async loop(runId: number, tracked: Tracked): Promise<FollowerOutcome> {
    const { logger } = this.options;
    let delay = this.options.retryDelayMs ?? 2000;
    while (!tracked.stopped && !this.closed) {
      try {
        const run = await getRunSummary(this.options.db, runId);
        if (run === undefined) return 'gone';
        const thread = await this.threadOf(run);
        if (thread === 'elsewhere') return 'gone';
        if (thread === undefined) {
          logger.warn({ runId }, 'run has no challenge thread the bot can reach; not following it');
          return 'gone';
        }
        tracked.follower = new RunFollower({ db: this.options.db, blobs: this.options.blobs, logger, settings: this.settings }, runId, thread);
        if (tracked.stopped) tracked.follower.stop();
        return await tracked.follower.follow();
      } catch (error) {
        if (error instanceof DiscordAPIError && typeof error.code === 'number' && FATAL_CODES.has(error.code)) {
          logger.warn({ runId, error: describeError(error) }, 'cannot post in the run thread any more; not following it');
          return 'gone';
        }
        logger.error({ runId, error: describeError(error) }, 'run follower failed; starting over');
        await this.pause(delay);
        delay = Math.min(60_000, delay * 2);
      }
    }
    return 'stopped';
  }
}
