/**
 * The world PART B tests play in: a fake Discord, one in-memory PGlite (a
 * schema of its own), a blob store in a temporary folder, and bots started
 * with `startBot` — as many times as a test likes, against the same fake and
 * database, which is what a bot restart is. Challenges are stored directly
 * (PART A's `/challenge create` is tested elsewhere): a shapes-world target,
 * a four-word prompt space, and a thread in the fake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import { type APIThreadChannel, type APIUser, ChannelType, REST, Routes } from 'discord.js';
import { stopCommand } from '../../../src/bot/commands/stop.js';
import { trainCommand } from '../../../src/bot/commands/train.js';
import type { Command } from '../../../src/bot/commands/types.js';
import { type BotConfig, loadBotConfig } from '../../../src/bot/config.js';
import { type RunningBot, type StartBotOptions, startBot } from '../../../src/bot/main.js';
import { registerCommands } from '../../../src/bot/registerCommands.js';
import type { FollowerSettings } from '../../../src/bot/runs/runFollower.js';
import type { TrainingPolicy } from '../../../src/bot/services/runs.js';
import { LocalDirectoryBlobStore } from '../../../src/db/blobStore.js';
import { type DatabaseHandle, openDatabase } from '../../../src/db/client.js';
import {
  type Challenge,
  createChallenge,
  type GuildSettingsPatch,
  savePromptSpace,
  storeImage,
  updateGuildSettings,
  upsertGuild,
  upsertPlayer,
} from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import { createShapesStack } from '../../../src/engine/providers/shapes/index.js';
import { InProcessJobQueue } from '../../../src/jobs/inProcessQueue.js';
import type { JobQueue } from '../../../src/jobs/jobQueue.js';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../../support/fakeDiscord/index.js';
import { sharedPgliteInstance, uniqueSchemaName } from '../../support/db.js';
import { type LoggedLine, recordingLogger, TEST_TOKEN } from '../harness.js';

/** Tiny runs: P=4 (the stored space), T=2, 3 iterations × 4 episodes, 64 px images. */
export const TINY_RUNS: Partial<TrainingPolicy> = {
  overrides: { iterations: 3, episodesPerIteration: 4, imageSize: 64, evaluationImages: 2, hiddenUnits: 16, earlyStopPatience: null, concurrency: 2 },
};

/** Fast polling so tests do not wait on production intervals. */
export const FAST_FOLLOWER: Partial<FollowerSettings> = { pollMinMs: 40, pollMaxMs: 150, statusIntervalMs: 150, batchDelayMs: 250, gridCell: 64 };
export const FAST_EXECUTION = { heartbeatMs: 1000, staleAfterMs: 5000, cancelPollMs: 100, flushIntervalMs: 50, feedbackPollMs: 100, shutdownGraceMs: 2000 };

export interface StartedBot extends RunningBot {
  readonly logs: LoggedLine[];
}

export interface BotOverrides {
  readonly training?: Partial<TrainingPolicy>;
  readonly runThreads?: number;
  readonly follower?: Partial<FollowerSettings>;
  readonly onReactionVote?: StartBotOptions<object>['onReactionVote'];
  readonly onAcknowledged?: StartBotOptions<object>['onAcknowledged'];
  readonly onRunFinished?: StartBotOptions<object>['onRunFinished'];
  /** Default: a new in-process queue of the bot's own. */
  readonly queue?: JobQueue;
}

export interface World {
  readonly fake: FakeDiscord;
  readonly pglite: PGlite;
  readonly config: BotConfig;
  readonly blobsDir: string;
  readonly blobs: LocalDirectoryBlobStore;
  /** A handle the test itself reads and writes through (bots get their own). */
  readonly handle: DatabaseHandle;
  readonly commands: readonly Command[];
  /** A bot with a fresh client and queue on the same fake Discord and database. */
  startBot(overrides?: BotOverrides): Promise<StartedBot>;
  createChallenge(options?: { voteWeight?: number; owner?: APIUser; title?: string }): Promise<{ challenge: Challenge; threadId: string }>;
  setGuildSettings(patch: GuildSettingsPatch): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const fake = await startFakeDiscord({ token: TEST_TOKEN });
  const config = loadBotConfig({ DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase });
  const commands = [trainCommand, stopCommand] as readonly Command[];
  await registerCommands({ config, guildId: fake.guild.id, commands: commands.map((command) => command.data) });
  const pglite = await sharedPgliteInstance();
  const schema = uniqueSchemaName('partb');
  const handle = await openDatabase({ pglite, schema });
  await migrate(handle);
  const blobsDir = await mkdtemp(join(tmpdir(), 'imageprompt-partb-'));
  const blobs = new LocalDirectoryBlobStore(blobsDir);
  const rest = new REST({ api: config.apiBase }).setToken(config.token);
  const bots = new Set<StartedBot>();
  await upsertGuild(handle.db, { id: fake.guild.id, name: fake.guild.name });
  const target = await createShapesStack().generator.generate({ prompt: 'red sphere', seed: 3, width: 64, height: 64 });
  const targetSha = (await storeImage(handle.db, blobs, target.bytes)).sha256;

  return {
    fake,
    pglite,
    config,
    blobsDir,
    blobs,
    handle,
    commands,
    async startBot(overrides = {}) {
      const logs: LoggedLine[] = [];
      const bot = await startBot({
        config,
        // A bot closes its handle when it stops; this one leaves the shared PGlite and its search_path alone.
        db: { ...handle, close: async () => undefined },
        blobs,
        queue: overrides.queue ?? new InProcessJobQueue(),
        services: {},
        logger: recordingLogger(logs),
        commands,
        training: overrides.training ?? TINY_RUNS,
        follower: { ...FAST_FOLLOWER, ...overrides.follower },
        runThreads: overrides.runThreads ?? 1,
        pglite,
        execution: FAST_EXECUTION,
        onReactionVote: overrides.onReactionVote,
        onAcknowledged: overrides.onAcknowledged,
        onRunFinished: overrides.onRunFinished,
      });
      const started: StartedBot = Object.assign(bot, { logs });
      bots.add(started);
      return started;
    },
    async createChallenge(options = {}) {
      const owner = options.owner ?? fake.player;
      const thread = (await rest.post(Routes.threads(fake.guild.channelId), {
        body: { name: options.title ?? 'challenge', type: ChannelType.PublicThread },
      })) as APIThreadChannel;
      await upsertPlayer(handle.db, { id: owner.id, displayName: owner.username });
      const challenge = await createChallenge(handle.db, {
        ownerId: owner.id,
        guildId: fake.guild.id,
        channelId: fake.guild.channelId,
        threadId: thread.id,
        title: options.title ?? 'challenge',
        configuration: { preset: 'efficient', promptLength: 2, words: 4, voteWeight: options.voteWeight ?? 0, evaluationImages: 2 },
        targetImageSha: targetSha,
      });
      await savePromptSpace(handle.db, {
        challengeId: challenge.id,
        targetImageSha: targetSha,
        words: ['red', 'sphere', 'blue', 'cube'],
        probabilities: [0.3, 0.3, 0.2, 0.2],
        captions: ['a red sphere'],
        captionerId: 'test',
      });
      return { challenge, threadId: thread.id };
    },
    async setGuildSettings(patch) {
      await updateGuildSettings(handle.db, fake.guild.id, patch);
    },
    async close() {
      for (const bot of bots) await bot.stop();
      await fake.close();
      await rm(blobsDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns something other than `undefined`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'a condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The bot's messages in a thread that carry a run marker of this kind. */
export function runMessages(fake: FakeDiscord, threadId: string, kind: 'status' | 'grid' | 'summary', runId?: number): FakeMessage[] {
  const pattern = kind === 'grid' ? /^-# run (\d+) · iteration \d+ · event \d+$/m : new RegExp(`^-# run (\\d+) · ${kind}$`, 'm');
  return fake.messages(threadId).filter((message) => {
    const match = pattern.exec(message.content);
    return match !== null && (runId === undefined || Number(match[1]) === runId) && message.author.id === fake.botUser.id;
  });
}

/** Image shas of a grid message, read from its vote buttons. */
export function gridShas(message: FakeMessage): string[] {
  return [...new Set(message.customIds().filter((id) => id.startsWith('vote:')).map((id) => id.split(':')[1]!))];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
export function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((byte, i) => bytes[i] === byte);
}
