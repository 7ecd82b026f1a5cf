/**
 * The game's commands end to end: a real discord.js client logged in to the
 * fake Discord, the real router and services on PGlite, and inference in the
 * engine threads. One story, in order: a challenge is created (thread opened,
 * target and prompt space posted), guessed (grids, scores, ranks, limits),
 * ranked against the machine, closed (secret revealed, points awarded once),
 * listed, profiled; plus refusals (permissions, bad attachments) along the way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InteractionResponseType } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeCommand } from '../../../src/bot/commands/challenge.js';
import { guessCommand } from '../../../src/bot/commands/guess.js';
import { leaderboardCommand } from '../../../src/bot/commands/leaderboard.js';
import { profileCommand } from '../../../src/bot/commands/profile.js';
import { settingsCommand } from '../../../src/bot/commands/settings.js';
import { createEngineThreads, type EngineThreads } from '../../../src/bot/engine/engineThreads.js';
import { createPartAServices, type GameServices } from '../../../src/bot/services/index.js';
import { POINTS } from '../../../src/bot/services/points.js';
import { LocalDirectoryBlobStore } from '../../../src/db/blobStore.js';
import { getChallengeByThread } from '../../../src/db/repositories/challenges.js';
import { getGuildSettings } from '../../../src/db/repositories/guilds.js';
import { imageGridLayout } from '../../../src/engine/reports/imageGrid.js';
import { useTestDatabase } from '../../support/db.js';
import type { FakeMessage } from '../../support/fakeDiscord/index.js';
import { type BotHarness, startBotHarness } from '../harness.js';
import { movableClock, offlineEngineEnv, pngSize, readSample, seedMachineRun } from './support.js';

const database = useTestDatabase('pglite');
const clock = movableClock();
let tempDir: string;
let engine: EngineThreads;
let services: GameServices;
let bot: BotHarness;
let redSphere: Uint8Array;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'imageprompt-partA-commands-'));
  engine = createEngineThreads({ size: 1, env: offlineEngineEnv(join(tempDir, 'models')) });
  services = createPartAServices({
    db: database.db,
    blobs: new LocalDirectoryBlobStore(join(tempDir, 'blobs')),
    engine,
    clock: clock.now,
    env: {},
    limits: { evaluationImageSize: 64 },
  });
  redSphere = await readSample('red-sphere.png');
  const ready = engine.ready();
  bot = await startBotHarness<GameServices>({
    commands: [challengeCommand, guessCommand, leaderboardCommand, profileCommand, settingsCommand],
    services,
  });
  await ready;
});

afterAll(async () => {
  await bot?.close();
  await engine?.close();
  await rm(tempDir, { recursive: true, force: true });
});

/** The private refusal a user sees, and that nothing public is left behind. */
async function privateReply(handle: ReturnType<BotHarness['fake']['sendCommand']>): Promise<FakeMessage> {
  const reply = await handle.reply(15_000);
  expect(reply.ephemeral).toBe(true);
  // A public command's "thinking…" placeholder is removed; an ephemeral command's is the reply itself.
  const original = handle.original();
  if (original && original.id !== reply.id) expect(original.deleted).toBe(true);
  return reply;
}

const fileNames = (message: FakeMessage) => message.files.map((file) => file.filename);

describe('the game on a real discord.js client and the fake Discord', () => {
  let threadId: string;
  let challengeId: number;
  const moderator = () => ({ roles: [bot.fake.guild.moderatorRoleId] });
  const admin = () => ({ roles: [bot.fake.guild.adminRoleId] });

  it('/challenge create posts the target and prompt space, opens a thread from that message, and stores the challenge', async () => {
    const before = engine.stats();
    const handle = bot.fake.sendCommand({
      name: 'challenge',
      subcommand: 'create',
      options: { title: 'Red <@&123456789012345678> @everyone', secret_prompt: 'a red sphere', length: 2 },
      attachments: { image: { name: 'red-sphere.png', data: redSphere, contentType: 'image/png' } },
    });
    const ack = await handle.acknowledged;
    expect(ack).toMatchObject({ type: InteractionResponseType.DeferredChannelMessageWithSource, ephemeral: false });
    expect(ack.ms).toBeLessThan(3000);
    const reply = await handle.reply(20_000);
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toContain('a new challenge by player');
    expect(fileNames(reply)).toEqual(['target.png', 'prompt-space.png']);
    expect(pngSize(reply.files[0]!.bytes)).toEqual({ width: 512, height: 512 });
    expect(reply.embeds[0]!.description).toMatch(/Prompt space\*\* \(4 words, prompts of 2\):\n`\w+` \d+\.\d% · /);
    expect(reply.embeds[0]!.description).not.toContain('a red sphere');
    expect(reply.pings).toEqual({ users: [], roles: [], everyone: false });

    const thread = await bot.fake.waitFor(() => bot.fake.threads(bot.fake.guild.channelId).find((candidate) => candidate.id === reply.id), 10_000, 'the thread');
    expect(thread.name).toBe('Red <@&123456789012345678> @everyone');
    threadId = thread.id;
    const intro = await bot.fake.waitFor(() => bot.fake.messages(threadId)[0], 10_000, 'the thread intro');
    expect(intro.content).toMatch(/^\*\*Challenge #\d+: Red/);
    expect(intro.content).toContain('up to 10 guesses each, one every 30 s');
    const stored = await getChallengeByThread(database.db, threadId);
    expect(stored).toMatchObject({ status: 'open', channelId: bot.fake.guild.channelId, secretPrompt: 'a red sphere' });
    challengeId = stored!.id;

    // The prompt space was computed in an engine thread, not on the bot's thread.
    expect(engine.stats().completed).toBe(before.completed + 1);
    expect(engine.stats().threadIds).not.toContain(0);
  });

  it('/settings set by an administrator saves and shows the settings; a member is refused', async () => {
    const denied = await privateReply(bot.fake.sendCommand({ name: 'settings', subcommand: 'set', options: { guesses_per_challenge: 3 } }));
    expect(denied.content).toBe('Only server administrators (Manage Server permission) can do this.');

    const reply = await bot.fake.sendCommand({ name: 'settings', subcommand: 'set', options: { guesses_per_challenge: 3, vote_weight: 0.4 }, ...admin() }).reply(10_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('Settings saved.');
    expect(JSON.stringify(reply.embeds[0])).toContain('3 guesses per player per challenge, one every 30 s');
    const settings = await getGuildSettings(database.db, bot.fake.guild.id);
    expect(settings).toMatchObject({ voteWeight: 0.4, quotas: { guessesPerPlayerPerChallenge: 3 } });

    const view = await bot.fake.sendCommand({ name: 'settings', subcommand: 'view', ...admin() }).reply(10_000);
    expect(view.embeds[0]!.fields!.find((field) => field.name === 'Generator')!.value).toBe('shapes · shapes-world@1');
  });

  it('/guess in the thread posts a 2×2 grid with the score and rank, judged in an engine thread', async () => {
    const before = engine.stats().completed;
    const handle = bot.fake.sendCommand({ name: 'guess', channelId: threadId, options: { prompt: 'red sphere @everyone' } });
    expect((await handle.acknowledged).ms).toBeLessThan(3000);
    const reply = await handle.reply(20_000);
    expect(reply.channelId).toBe(threadId);
    expect(reply.ephemeral).toBe(false);
    expect(reply.content).toBe('**player** guessed “red sphere @everyone”');
    expect(reply.pings.everyone).toBe(false);
    expect(reply.embeds[0]!.title).toMatch(/^Score 0\.\d{3} ± 0\.\d{3}$/);
    expect(reply.embeds[0]!.description).toContain(`Rank **1** of 1 on challenge #${challengeId}`);
    expect(reply.embeds[0]!.description).toContain('Guess 1 of 3');
    expect(fileNames(reply)).toEqual(['guess.png']);
    const layout = imageGridLayout(4, { columns: 2, cell: 256 });
    expect(pngSize(reply.files[0]!.bytes)).toEqual({ width: layout.width, height: layout.height });
    expect(engine.stats().completed).toBe(before + 1);
  });

  it('refuses a second guess during the cooldown and says when, then after it allows it up to the limit', async () => {
    const cooldown = await privateReply(bot.fake.sendCommand({ name: 'guess', channelId: threadId, options: { prompt: 'red ball' } }));
    expect(cooldown.content).toMatch(/^Slow down: you can guess again in \d+ s\.$/);
    clock.advance(31_000);
    await bot.fake.sendCommand({ name: 'guess', channelId: threadId, options: { prompt: 'red ball' } }).reply(20_000);
    clock.advance(31_000);
    await bot.fake.sendCommand({ name: 'guess', channelId: threadId, options: { prompt: 'red orb' } }).reply(20_000);
    clock.advance(31_000);
    const spent = await privateReply(bot.fake.sendCommand({ name: 'guess', channelId: threadId, options: { prompt: 'sphere' } }));
    expect(spent.content).toMatch(/^You have used all 3 of your guesses on this challenge\. Your best, 0\.\d{3}, stays on the leaderboard\.$/);

    const bob = bot.fake.createUser('bob');
    const bobs = await bot.fake.sendCommand({ name: 'guess', channelId: threadId, user: bob, options: { prompt: 'blue cube' } }).reply(20_000);
    expect(bobs.embeds[0]!.description).toContain('Rank **2** of 2');

    const outside = await privateReply(bot.fake.sendCommand({ name: 'guess', options: { prompt: 'red' } }));
    expect(outside.content).toContain('This is not a challenge thread');
  });

  it('/leaderboard in the thread ranks players and the machine, as a card and an embed', async () => {
    const challenge = (await getChallengeByThread(database.db, threadId))!;
    await seedMachineRun(database.db, challenge, [
      ['learned', 'orb ball', 0.5],
      ['greedy', 'ball white', 0.45],
    ]);
    const reply = await bot.fake.sendCommand({ name: 'leaderboard', channelId: threadId }).reply(10_000);
    expect(fileNames(reply)).toEqual(['leaderboard.png']);
    expect(pngSize(reply.files[0]!.bytes).width).toBe(760);
    const lines = reply.embeds[0]!.description!.split('\n');
    expect(lines[0]).toMatch(/^1\. \*\*player\*\* — “red (sphere|ball|orb)/);
    expect(lines[1]).toBe('2. 🤖 the machine (learned) — “orb ball” · 0.500 ± 0.010');
    expect(lines[2]).toBe('3. 🤖 greedy CLIP words — “ball white” · 0.450 ± 0.010');
    expect(lines[3]).toMatch(/^4\. \*\*bob\*\* — “blue cube”/);
    expect(lines.at(-1)).toBe('People are ahead of the machine.');
    expect(reply.embeds[0]!.image?.url).toBe('attachment://leaderboard.png');
  });

  it('/challenge close is refused to a member who does not own it', async () => {
    const bob = bot.fake.createUser('bob-2');
    const denied = await privateReply(bot.fake.sendCommand({ name: 'challenge', subcommand: 'close', channelId: threadId, user: bob }));
    expect(denied.content).toBe('Only the owner of this challenge or a moderator can do this.');
    expect((await getChallengeByThread(database.db, threadId))!.status).toBe('open');
  });

  it('/challenge close by the owner reveals the prompt and the standings and awards points; a moderator’s repeat awards nothing', async () => {
    const reply = await bot.fake.sendCommand({ name: 'challenge', subcommand: 'close', channelId: threadId }).reply(10_000);
    const embed = reply.embeds[0]!;
    expect(embed.title).toBe(`Challenge #${challengeId} is closed: Red <@&123456789012345678> @everyone`);
    expect(embed.fields![0]).toEqual({ name: 'The real prompt', value: '||a red sphere||' });
    expect(embed.fields![1]!.value).toContain('🤖 the machine (learned)');
    expect(embed.fields![2]).toEqual({
      name: 'Points',
      value: `+${POINTS.bestPrompt} player — best prompt\n+${POINTS.beatMachine} player — beat the machine`,
    });
    expect(reply.pings).toEqual({ users: [], roles: [], everyone: false });

    const again = await bot.fake.sendCommand({ name: 'challenge', subcommand: 'close', options: { challenge: challengeId }, user: bot.fake.createUser('mod'), ...moderator() }).reply(10_000);
    expect(again.embeds[0]!.title).toMatch(/was already closed/);
    expect(again.embeds[0]!.fields![2]!.name).toBe('Points (awarded earlier)');
    expect(again.embeds[0]!.fields![2]!.value).toContain('(already awarded)');

    const late = await privateReply(bot.fake.sendCommand({ name: 'guess', channelId: threadId, user: bot.fake.createUser('latecomer'), options: { prompt: 'red' } }));
    expect(late.content).toBe(`Challenge #${challengeId} is closed; /challenge list shows the open ones.`);
  });

  it('/challenge list, /leaderboard scope:server and /profile show the outcome', async () => {
    const list = await bot.fake.sendCommand({ name: 'challenge', subcommand: 'list' }).reply(10_000);
    expect(list.embeds[0]!.description).toMatch(new RegExp(`^\\*\\*#${challengeId}\\*\\* Red .* <#${threadId}> — ⚪ closed · best 0\\.\\d{3} · 4 guesses by 2$`));

    const server = await bot.fake.sendCommand({ name: 'leaderboard', options: { scope: 'server' } }).reply(10_000);
    expect(server.embeds[0]!.description!.split('\n')[0]).toBe('1. **player** — 15 pts · beat the machine ×1');
    expect(fileNames(server)).toEqual(['leaderboard.png']);

    const profile = await bot.fake.sendCommand({ name: 'profile' }).reply(10_000);
    const fields = Object.fromEntries(profile.embeds[0]!.fields!.map((field) => [field.name, field.value]));
    expect(fields.Points).toBe('15 here · 15 everywhere');
    expect(fields.Wins).toBe('1 challenges won · beat the machine ×1');
    expect(fields.Played).toBe('3 guesses in 1 challenges');
    expect(fields['Best prompts']).toMatch(new RegExp(`^#${challengeId} Red .*: “red (sphere|ball|orb)`));

    const someoneElse = await bot.fake.sendCommand({ name: 'profile', options: { user: bot.fake.guild.ownerId } }).reply(10_000);
    expect(someoneElse.embeds[0]!.fields![0]!.value).toBe('0 here · 0 everywhere');
  });

  it('refuses bad attachments privately, with what to do, and creates nothing', async () => {
    const threadsBefore = bot.fake.threads().length;
    const text = await privateReply(
      bot.fake.sendCommand({ name: 'challenge', subcommand: 'create', attachments: { image: { name: 'notes.txt', data: new TextEncoder().encode('hello'), contentType: 'text/plain' } } }),
    );
    expect(text.content).toBe('“notes.txt” is a text/plain file, not a picture: attach a PNG, JPEG, WebP or GIF picture.');

    const huge = await privateReply(
      bot.fake.sendCommand({ name: 'challenge', subcommand: 'create', attachments: { image: { name: 'huge.png', data: redSphere, contentType: 'image/png', size: 50 * 1024 * 1024 } } }),
    );
    expect(huge.content).toBe('“huge.png” is 50 MB, over the limit of 10 MB: attach a smaller picture (e.g. saved as JPEG or at a lower resolution).');

    const corrupt = await privateReply(
      bot.fake.sendCommand({ name: 'challenge', subcommand: 'create', attachments: { image: { name: 'broken.png', data: redSphere.subarray(0, 3000), contentType: 'image/png' } } }),
    );
    expect(corrupt.content).toMatch(/^“broken\.png” is a damaged .*PNG image .*; re-export or re-download it\.$/);

    const disguised = await privateReply(
      bot.fake.sendCommand({ name: 'challenge', subcommand: 'create', attachments: { image: { name: 'photo.png', data: new TextEncoder().encode('<html>nope</html>') } } }),
    );
    expect(disguised.content).toContain('is not an image (detected: HTML)');

    expect(bot.fake.threads().length).toBe(threadsBefore);
    expect((await services.challenges.list(bot.fake.guild.id)).length).toBe(1);
  });

  it('/challenge create inside a thread is refused: a challenge needs a thread of its own', async () => {
    const reply = await privateReply(
      bot.fake.sendCommand({ name: 'challenge', subcommand: 'create', channelId: threadId, attachments: { image: { name: 'red.png', data: redSphere, contentType: 'image/png' } } }),
    );
    expect(reply.content).toBe('Run /challenge create in a text channel (not in a thread): the challenge gets a thread of its own.');
  });

  it('/challenge create rides out a Discord 429 on opening the thread', async () => {
    bot.fake.rateLimitNext('POST /channels/:channel/messages/:message/threads', 300);
    const reply = await bot.fake.sendCommand({
      name: 'challenge',
      subcommand: 'create',
      options: { title: 'Blue' },
      attachments: { image: { name: 'blue-cube.png', data: await readSample('blue-cube.png'), contentType: 'image/png' } },
    }).reply(20_000);
    const thread = await bot.fake.waitFor(() => bot.fake.threads().find((candidate) => candidate.id === reply.id), 10_000, 'the thread after a 429');
    await bot.fake.waitFor(() => bot.fake.messages(thread.id)[0], 10_000, 'the intro after a 429');
    expect(bot.fake.requests.filter((request) => request.rateLimited).map((request) => request.path)).toEqual([`/channels/${bot.fake.guild.channelId}/messages/${reply.id}/threads`]);
    expect(await getChallengeByThread(database.db, thread.id)).toMatchObject({ title: 'Blue', status: 'open' });
  });

  it('never let echoed text ping, answered every interaction in time, and left nothing unhandled', () => {
    expect(bot.fake.messageWrites.length).toBeGreaterThan(20);
    for (const write of bot.fake.messageWrites) {
      expect(write.allowedMentions?.parse).toEqual([]);
      expect(write.pings).toEqual({ users: [], roles: [], everyone: false });
    }
    expect(Math.max(...bot.acks.map((ack) => ack.ms))).toBeLessThan(3000);
    expect(bot.fake.unhandledRequests()).toEqual([]);
    expect(bot.fake.faults).toEqual([]);
    expect(bot.logs.filter((line) => line.level === 'error')).toEqual([]);
    // Every model call of the story ran in the pool: 2 prompt spaces + 4 guesses judged, none on thread 0.
    expect(engine.stats()).toMatchObject({ completed: 6, failed: 0 });
    expect(engine.stats().threadIds).not.toContain(0);
  });
});
