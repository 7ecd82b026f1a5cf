/**
 * Discord benchmark (issue 5): on the in-process fake Discord, a real
 * discord.js client running the whole bot as `imageprompt bot` does when
 * embedded (database thread, run threads),
 * 200 interactions from 50 users while 5 runs train — time to
 * acknowledgement (p50/p99; target p99 < 500 ms, Discord allows 3 s) and
 * the bot's main-thread event-loop delay (p99).
 *
 * The mix: /help (ephemeral), /train refused by the guild's cap (the fairness
 * path, database reads under a lock), /stop refused to non-owners, and vote
 * clicks on the runs' image grids (database writes). Each user acts every
 * ~250 ms on average, all at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type APIThreadChannel, type APIUser, ChannelType, REST, Routes } from 'discord.js';
import { helpCommand } from '../../src/bot/commands/help.js';
import { stopCommand } from '../../src/bot/commands/stop.js';
import { trainCommand } from '../../src/bot/commands/train.js';
import type { Command } from '../../src/bot/commands/types.js';
import { loadBotConfig } from '../../src/bot/config.js';
import { silentLogger } from '../../src/bot/logger.js';
import { startBot } from '../../src/bot/main.js';
import { registerCommands } from '../../src/bot/registerCommands.js';
import { formatTable } from '../../src/cli/optimize/table.js';
import { startDatabaseThread } from '../../src/bot/runs/execution/databaseThread.js';
import { createChallenge, type Database, getRun, requestRunCancel, savePromptSpace, storeImage, updateGuildSettings, upsertGuild, upsertPlayer } from '../../src/db/index.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import { InProcessJobQueue } from '../../src/jobs/inProcessQueue.js';
import { type FakeDiscord, type FakeMessage, type InteractionHandle, startFakeDiscord } from '../../tests/support/fakeDiscord/index.js';

const TOKEN = 'bench-bot-token.not-secret';
const COMMANDS = 200;
const USERS = 50;
const RUNS = 5;
const SPREAD_MS = 12_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const gridMarker = /^-# run \d+ · iteration \d+ · event \d+$/m;

/** Iterations completed (checkpointed) by the runs, summed. */
async function iterationsDone(db: Database, runIds: readonly number[]): Promise<number> {
  const runs = await Promise.all(runIds.map((id) => getRun(db, id)));
  return runs.reduce((sum, run) => sum + (run?.iteration ?? 0), 0);
}

function grids(fake: FakeDiscord, threadIds: readonly string[]): FakeMessage[] {
  return threadIds.flatMap((threadId) => fake.messages(threadId).filter((message) => gridMarker.test(message.content)));
}

export interface DiscordBenchOptions {
  /** Run threads in the bot (default: one per run, so all five train at once). */
  readonly runThreads?: number;
}

export async function runDiscordBench(log: (line: string) => void, options: DiscordBenchOptions = {}): Promise<string> {
  const runThreads = options.runThreads ?? RUNS;
  const fake = await startFakeDiscord({ token: TOKEN });
  const config = loadBotConfig({ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase });
  const commands = [helpCommand, trainCommand, stopCommand] as readonly Command[];
  await registerCommands({ config, guildId: fake.guild.id, commands: commands.map((command) => command.data) });
  // As `imageprompt bot` runs embedded: PGlite on disk in the database thread, images in a folder.
  const dataDir = await mkdtemp(join(tmpdir(), 'imageprompt-discord-bench-db-'));
  const blobsDir = await mkdtemp(join(tmpdir(), 'imageprompt-discord-bench-'));
  const database = await startDatabaseThread({ dataDir, imagesDir: blobsDir });
  const { handle, blobs } = database;
  const db = handle.db;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let bot: Awaited<ReturnType<typeof startBot>> | undefined;
  try {
    log(`discord bench: starting the bot with ${runThreads} run threads`);
    bot = await startBot({
      config,
      db: handle,
      blobs,
      queue: new InProcessJobQueue(),
      services: {},
      logger: silentLogger,
      commands,
      runThreads,
      connectStorage: () => database.connect(),
      // Runs far longer than the burst (they are stopped after it): 64 px shapes, 8 episodes per iteration.
      training: { voteWindowMs: 0, overrides: { iterations: 1000, episodesPerIteration: 8, imageSize: 64, evaluationImages: 2, earlyStopPatience: null, concurrency: 2 } },
      follower: { batchDelayMs: 1000 },
    });

    // Five challenges, one run each, by five users; then the guild is at its cap.
    await upsertGuild(db, { id: fake.guild.id, name: fake.guild.name });
    await updateGuildSettings(db, fake.guild.id, { quotas: { concurrentRunsPerGuild: RUNS, concurrentRunsPerUser: 1, runsPerUserPerDay: 1000 } });
    const target = await createShapesStack().generator.generate({ prompt: 'blue cube', seed: 5, width: 64, height: 64 });
    const targetSha = (await storeImage(db, blobs, target.bytes)).sha256;
    const rest = new REST({ api: config.apiBase }).setToken(TOKEN);
    const users: APIUser[] = Array.from({ length: USERS }, (_, i) => fake.createUser(`player${i}`));
    const threadIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const thread = (await rest.post(Routes.threads(fake.guild.channelId), { body: { name: `bench ${i}`, type: ChannelType.PublicThread } })) as APIThreadChannel;
      await upsertPlayer(db, { id: users[i]!.id, displayName: users[i]!.username });
      const challenge = await createChallenge(db, {
        ownerId: users[i]!.id,
        guildId: fake.guild.id,
        channelId: fake.guild.channelId,
        threadId: thread.id,
        title: `bench ${i}`,
        configuration: { preset: 'efficient', promptLength: 2, words: 6, voteWeight: 0, evaluationImages: 2 },
        targetImageSha: targetSha,
      });
      await savePromptSpace(db, { challengeId: challenge.id, targetImageSha: targetSha, words: ['blue', 'cube', 'red', 'sphere', 'green', 'star'], probabilities: [0.2, 0.2, 0.15, 0.15, 0.15, 0.15], captions: ['a blue cube'], captionerId: 'bench' });
      threadIds.push(thread.id);
    }
    const runIds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const reply = await fake.sendCommand({ name: 'train', channelId: threadIds[i]!, user: users[i]! }).reply(15_000);
      runIds.push(Number(/Run #(\d+)/.exec(reply.content)?.[1]));
    }
    log('discord bench: waiting until every run trains and has posted a grid');
    await fake.waitFor(() => (threadIds.every((threadId) => grids(fake, [threadId]).length > 0) ? true : undefined), 120_000, 'a grid in every thread');

    // The burst: 200 interactions from 50 users, spread at random over the window.
    const kinds = ['help', 'train', 'stop', 'vote'] as const;
    const acks: Array<{ kind: (typeof kinds)[number]; ms: number }> = [];
    let refusedOrFailed = 0;
    const iterationsBefore = await iterationsDone(db, runIds);
    loop.enable();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: COMMANDS }, async (_, i) => {
        await sleep(Math.random() * SPREAD_MS);
        const user = users[i % USERS]!;
        const kind = kinds[i % kinds.length]!;
        const threadId = threadIds[i % RUNS]!;
        let handle: InteractionHandle;
        if (kind === 'help') handle = fake.sendCommand({ name: 'help', user });
        else if (kind === 'train') handle = fake.sendCommand({ name: 'train', channelId: threadId, user });
        else if (kind === 'stop') handle = fake.sendCommand({ name: 'stop', channelId: threadId, user: users[RUNS + (i % (USERS - RUNS))]! });
        else {
          const available = grids(fake, [threadId]);
          const grid = available[Math.floor(Math.random() * available.length)]!;
          const ids = grid.customIds();
          handle = fake.clickButton(grid.id, ids[Math.floor(Math.random() * ids.length)]!, user);
        }
        try {
          const ack = await handle.acknowledged;
          acks.push({ kind, ms: ack.ms });
          await handle.reply(15_000);
        } catch {
          refusedOrFailed += 1;
        }
      }),
    );
    const burstMs = performance.now() - started;
    loop.disable();
    const training = (await Promise.all(runIds.map((id) => getRun(db, id)))).filter((run) => run?.status === 'running').length;
    const iterationsTrained = (await iterationsDone(db, runIds)) - iterationsBefore;
    for (const runId of runIds) await requestRunCancel(db, runId);

    const sorted = acks.map((ack) => ack.ms).sort((a, b) => a - b);
    const row = (label: string, values: number[]): string[] => {
      const s = [...values].sort((a, b) => a - b);
      return [label, String(s.length), percentile(s, 50).toFixed(1), percentile(s, 99).toFixed(1), (s.at(-1) ?? Number.NaN).toFixed(1)];
    };
    const ackTable = formatTable(
      ['interaction', 'n', 'ack p50 ms', 'ack p99 ms', 'max ms'],
      [...kinds.map((kind) => row(kind, acks.filter((ack) => ack.kind === kind).map((ack) => ack.ms))), row('all', sorted)],
      new Set([1, 2, 3, 4]),
    );
    const ms = (ns: number): string => (ns / 1e6).toFixed(1);
    const loopTable = formatTable(
      ['main-thread event-loop delay', 'p50 ms', 'p99 ms', 'max ms'],
      [['during the burst', ms(loop.percentile(50)), ms(loop.percentile(99)), ms(loop.max)]],
      new Set([1, 2, 3]),
    );
    const p99 = percentile(sorted, 99);
    return [
      `Discord bot: ${COMMANDS} interactions from ${USERS} users over ${(burstMs / 1000).toFixed(1)} s while ${RUNS} runs are queued or training in ${runThreads} run threads (${training} still training at the end; ${iterationsTrained} iterations trained meanwhile); fake Discord in-process.`,
      ackTable,
      loopTable,
      `Acknowledged: ${acks.length}/${COMMANDS} (${refusedOrFailed} without an answer). Target p99 < 500 ms: ${p99 < 500 ? 'met' : 'NOT met'} (${p99.toFixed(1)} ms).`,
    ].join('\n\n');
  } finally {
    await bot?.stop();
    await handle.close();
    await fake.close();
    await rm(blobsDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

// `tsx scripts/bench/discordBench.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const threads = process.env.BENCH_RUN_THREADS ? Number(process.env.BENCH_RUN_THREADS) : undefined;
  runDiscordBench((line) => process.stderr.write(`${line}\n`), threads === undefined ? {} : { runThreads: threads }).then(
    (report) => process.stdout.write(`\n${report}\n`),
    (error: unknown) => {
      process.stderr.write(`discord bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
