/**
 * The game's services without Discord: attachments checked and downloaded
 * (from 127.0.0.1), challenges created with their prompt space, guesses judged
 * in the engine threads under the guild's limits, challenges closed with
 * points awarded once, leaderboards with the machine on them, profiles and
 * settings. The full flow runs on PGlite and on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineThreads, type EngineThreads } from '../../../src/bot/engine/engineThreads.js';
import { UserFacingError } from '../../../src/bot/interactions/errors.js';
import { AttachmentError, type AttachmentInput, checkDeclaredAttachment, readTargetAttachment } from '../../../src/bot/services/attachments.js';
import { createPartAServices, type GameServices } from '../../../src/bot/services/index.js';
import { challengeAwards, POINTS } from '../../../src/bot/services/points.js';
import { formatWait, RetryLaterError } from '../../../src/bot/services/refusals.js';
import { LocalDirectoryBlobStore } from '../../../src/db/blobStore.js';
import { getGuildSettings, updateGuildSettings, upsertGuild } from '../../../src/db/repositories/guilds.js';
import { listLedger } from '../../../src/db/repositories/pointsLedger.js';
import { recordSubmission } from '../../../src/db/repositories/submissions.js';
import { TEST_BACKENDS, useTestDatabase } from '../../support/db.js';
import { type AttachmentServer, movableClock, offlineEngineEnv, readSample, seedMachineRun, startAttachmentServer } from './support.js';

const LIMITS = { maxAttachmentBytes: 10 * 1024 * 1024, downloadTimeoutMs: 400 };

let tempDir: string;
let server: AttachmentServer;
let engine: EngineThreads;
let blobs: LocalDirectoryBlobStore;
let redSphere: Uint8Array;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'imageprompt-partA-services-'));
  blobs = new LocalDirectoryBlobStore(join(tempDir, 'blobs'));
  engine = createEngineThreads({ size: 1, env: offlineEngineEnv(join(tempDir, 'models')) });
  server = await startAttachmentServer();
  redSphere = await readSample('red-sphere.png');
  server.serve('/red-sphere.png', { body: redSphere, contentType: 'image/png' });
  server.serve('/blue-cube.png', { body: await readSample('blue-cube.png'), contentType: 'image/png' });
  await engine.ready();
});

afterAll(async () => {
  await engine?.close();
  await server?.close();
  await rm(tempDir, { recursive: true, force: true });
});

function attachment(path: string, overrides: Partial<AttachmentInput> = {}): AttachmentInput {
  return { url: server.url(path), name: path.slice(1), contentType: 'image/png', size: 1000, ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<UserFacingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserFacingError);
  return error as UserFacingError;
}

describe('attachments', () => {
  it('refuses on the declared type and size without downloading', async () => {
    server.serve('/notes.txt', { body: new TextEncoder().encode('hello'), contentType: 'text/plain' });
    server.serve('/huge.png', { body: redSphere, contentType: 'image/png' });
    const text = await refusal(readTargetAttachment(attachment('/notes.txt', { contentType: 'text/plain; charset=utf-8' }), LIMITS));
    expect(text.message).toBe('“notes.txt” is a text/plain file, not a picture: attach a PNG, JPEG, WebP or GIF picture.');
    const huge = await refusal(readTargetAttachment(attachment('/huge.png', { size: 50 * 1024 * 1024 }), LIMITS));
    expect(huge).toMatchObject({ problem: 'too-large' });
    expect(huge.message).toBe('“huge.png” is 50 MB, over the limit of 10 MB: attach a smaller picture (e.g. saved as JPEG or at a lower resolution).');
    expect(() => checkDeclaredAttachment(attachment('/vector.svg', { contentType: 'image/svg+xml' }), LIMITS)).toThrow('not a picture');
    expect(server.hits.get('/notes.txt')).toBeUndefined();
    expect(server.hits.get('/huge.png')).toBeUndefined();
  });

  it('caps the download whatever size was declared, and gives up on a slow one', async () => {
    const big = new Uint8Array(300 * 1024);
    server.serve('/liar.png', { body: big, contentType: 'image/png', chunked: true });
    const liar = await refusal(readTargetAttachment(attachment('/liar.png', { size: 1000 }), { ...LIMITS, maxAttachmentBytes: 200 * 1024 }));
    expect(liar).toMatchObject({ problem: 'too-large' });
    server.serve('/slow.png', { body: redSphere, contentType: 'image/png', delayMs: 5000 });
    const started = performance.now();
    const slow = await refusal(readTargetAttachment(attachment('/slow.png'), LIMITS));
    expect(slow).toMatchObject({ problem: 'download-timeout' });
    expect(slow.message).toContain('took longer than 0 s');
    expect(performance.now() - started).toBeLessThan(2000);
    const missing = await refusal(readTargetAttachment(attachment('/gone.png'), LIMITS));
    expect(missing.message).toBe('“gone.png” could not be downloaded from Discord (HTTP 404); attach it again.');
  });

  it('refuses what does not decode: a damaged PNG, text posing as one', async () => {
    server.serve('/cut.png', { body: redSphere.subarray(0, 4000), contentType: 'image/png' });
    server.serve('/fake.png', { body: new TextEncoder().encode('definitely not pixels'), contentType: 'image/png' });
    const cut = await refusal(readTargetAttachment(attachment('/cut.png'), LIMITS));
    expect(cut).toBeInstanceOf(AttachmentError);
    expect(cut).toMatchObject({ problem: 'corrupt' });
    expect(cut.message).toMatch(/^“cut\.png” is a damaged .*PNG image .*re-export or re-download it\.$/);
    const fake = await refusal(readTargetAttachment(attachment('/fake.png', { contentType: null }), LIMITS));
    expect(fake).toMatchObject({ problem: 'not-an-image' });
    expect(fake.message).toContain('is not an image (detected: text)');
    const target = await readTargetAttachment(attachment('/red-sphere.png'), LIMITS);
    expect(target).toMatchObject({ width: 512, height: 512, originalFormat: 'png' });
  });
});

describe('points and waits (pure)', () => {
  it('awards the best prompt to every tied player, and beating the machine only above its learned score', () => {
    const entry = (label: string, mean: number, kind: 'human' | 'machine', method?: 'learned' | 'greedy') => ({
      rank: 0,
      label,
      prompt: label,
      mean,
      sd: 0,
      kind,
      ...(kind === 'human' ? { playerId: label } : { method }),
    });
    const awards = challengeAwards([entry('ann', 0.9, 'human'), entry('bob', 0.9, 'human'), entry('m', 0.85, 'machine', 'learned'), entry('g', 0.95, 'machine', 'greedy'), entry('cy', 0.8, 'human')]);
    expect(awards.map((award) => `${award.reason}:${award.playerId}:${award.amount}`)).toEqual([
      `best-prompt:ann:${POINTS.bestPrompt}`,
      `best-prompt:bob:${POINTS.bestPrompt}`,
      `beat-machine:ann:${POINTS.beatMachine}`,
      `beat-machine:bob:${POINTS.beatMachine}`,
    ]);
    expect(challengeAwards([entry('m', 0.85, 'machine', 'learned')])).toEqual([]);
  });

  it('says how long to wait in words', () => {
    expect(formatWait(0, 400)).toBe('1 s');
    expect(formatWait(0, 30_000)).toBe('30 s');
    expect(formatWait(0, 200_000)).toBe('3 min 20 s');
    expect(formatWait(0, 3_600_000 * 2 + 5 * 60_000)).toBe('2 h 5 min');
  });
});

describe.each(TEST_BACKENDS)('the game on %s', (backend) => {
  const database = useTestDatabase(backend);
  const clock = movableClock();
  let game: GameServices;
  const guild = { id: `guild-${backend}`, name: 'Shapes Club' };
  const owner = { id: `owner-${backend}`, displayName: 'Olive' };
  const ann = { id: `ann-${backend}`, displayName: 'Ann' };
  const bob = { id: `bob-${backend}`, displayName: 'Bob' };
  const thread = `thread-${backend}`;

  beforeAll(() => {
    game = createPartAServices({ db: database.db, blobs, engine, clock: clock.now, env: {}, limits: { ...LIMITS, evaluationImageSize: 64 } });
  });

  it('creates a challenge: image stored, prompt space computed in an engine thread, nothing stored before save', async () => {
    const before = engine.stats().completed;
    const prepared = await game.challenges.prepare({
      guild,
      owner,
      attachment: attachment('/red-sphere.png'),
      options: { title: '  A   red\nthing ', secretPrompt: 'a red sphere', length: 2, words: 5 },
    });
    expect(engine.stats().completed).toBe(before + 1);
    expect(prepared.title).toBe('A red thing');
    expect(prepared.configuration).toEqual({ preset: 'efficient', promptLength: 2, words: 5, voteWeight: 0, evaluationImages: 4 });
    expect(prepared.promptSpace.words).toContain('sphere');
    expect(await game.challenges.list(guild.id)).toEqual([]);

    const saved = await game.challenges.save(prepared, { channelId: 'general', threadId: thread });
    expect(saved.challenge).toMatchObject({ title: 'A red thing', threadId: thread, status: 'open', secretPrompt: 'a red sphere', ownerId: owner.id });
    expect(saved.promptSpace.words).toEqual(prepared.promptSpace.words);
    expect(await blobs.has(saved.challenge.targetImageSha)).toBe(true);
    expect(saved.quotas.guessesPerPlayerPerChallenge).toBe(10);
    expect((await game.challenges.find(guild.id, { threadId: thread }))?.id).toBe(saved.challenge.id);
    // Another guild cannot reach it.
    expect(await game.challenges.find('another-guild', { threadId: thread })).toBeUndefined();
  });

  it('refuses bad options with the command’s own words', async () => {
    const tooLong = await refusal(game.challenges.prepare({ guild, owner, attachment: attachment('/red-sphere.png'), options: { length: 6, words: 4 } }));
    expect(tooLong.message).toBe('length (6) cannot exceed words (4): words are picked without replacement.');
    const fewWords = await refusal(game.challenges.prepare({ guild, owner, attachment: attachment('/red-sphere.png'), options: { length: 12, words: 16 } }));
    expect(fewWords.message).toContain('too few different words for 12-word prompts');
  });

  it('judges guesses, ranks them, and enforces the cooldown and the attempt limit with when to come back', async () => {
    const where = { threadId: thread };
    const before = engine.stats().completed;
    const first = await game.guesses.submit({ guild, where, player: ann, prompt: ' red  sphere ' });
    expect(engine.stats().completed).toBe(before + 1);
    expect(first.prompt).toBe('red sphere');
    expect(first.images).toHaveLength(4);
    expect(first.similarities).toHaveLength(4);
    expect(first.mean).toBeGreaterThan(0.8);
    expect(first.rank).toEqual({ rank: 1, of: 1 });
    expect(first.submission.imageShas).toHaveLength(4);
    for (const sha of first.submission.imageShas) expect(await blobs.has(sha)).toBe(true);

    const cooldown = await refusal(game.guesses.submit({ guild, where, player: ann, prompt: 'red ball' }));
    expect(cooldown).toBeInstanceOf(RetryLaterError);
    expect(cooldown.message).toMatch(/^Slow down: you can guess again in (29|30) s\.$/);
    const retryAt = (cooldown as RetryLaterError).retryAt.getTime();
    expect(retryAt - first.submission.createdAt.getTime()).toBe(30_000);
    expect(engine.stats().completed).toBe(before + 1);

    const worse = await game.guesses.submit({ guild, where, player: bob, prompt: 'blue cube' });
    expect(worse.rank).toEqual({ rank: 2, of: 2 });
    expect(worse.mean).toBeLessThan(0.45);

    await updateGuildSettings(database.db, guild.id, { quotas: { guessesPerPlayerPerChallenge: 2 } });
    clock.advance(31_000);
    const second = await game.guesses.submit({ guild, where, player: ann, prompt: 'red ball' });
    expect(second).toMatchObject({ attemptsUsed: 2, attemptsAllowed: 2 });
    clock.advance(31_000);
    const spent = await refusal(game.guesses.submit({ guild, where, player: ann, prompt: 'red orb' }));
    expect(spent.message).toBe(`You have used all 2 of your guesses on this challenge. Your best, ${Math.max(first.mean, second.mean).toFixed(3)}, stays on the leaderboard.`);

    const empty = await refusal(game.guesses.submit({ guild, where, player: bob, prompt: '  \n ' }));
    expect(empty.message).toContain('Your prompt is empty');
    const elsewhere = await refusal(game.guesses.submit({ guild, where: { threadId: 'not-a-challenge' }, player: bob, prompt: 'red' }));
    expect(elsewhere.message).toContain('This is not a challenge thread');
  });

  it('puts the machine on the challenge leaderboard under its own labels', async () => {
    const challenge = (await game.challenges.find(guild.id, { threadId: thread }))!;
    await seedMachineRun(database.db, challenge, [
      ['learned', 'red orb', 0.5],
      ['greedy', 'ball sphere', 0.45],
    ]);
    const board = await game.leaderboards.challengeBoard(guild.id, { threadId: thread });
    expect(board.entries.map((entry) => entry.label)).toEqual(['Ann', '🤖 the machine (learned)', '🤖 greedy CLIP words', 'Bob']);
    expect(board.entries.map((entry) => entry.rank)).toEqual([1, 2, 3, 4]);
    expect(board.entries.find((entry) => entry.kind === 'machine' && entry.method === 'learned')).toMatchObject({ prompt: 'red orb', mean: 0.5 });
  });

  it('closes for the owner or a moderator only, reveals the secret, and awards points exactly once', async () => {
    const where = { threadId: thread };
    const denied = await refusal(game.challenges.close({ guildId: guild.id, where, actor: { id: bob.id, isModerator: false } }));
    expect(denied.message).toBe('Only the owner of this challenge or a moderator can close it.');

    const closed = await game.challenges.close({ guildId: guild.id, where, actor: { id: owner.id, isModerator: false } });
    expect(closed).toMatchObject({ closedNow: true, secretPrompt: 'a red sphere' });
    expect(closed.awards.map((award) => [award.playerId, award.reason, award.awardedNow])).toEqual([
      [ann.id, 'best-prompt', true],
      [ann.id, 'beat-machine', true],
    ]);

    const again = await game.challenges.close({ guildId: guild.id, where, actor: { id: 'a-moderator', isModerator: true } });
    expect(again.closedNow).toBe(false);
    expect(again.awards.every((award) => !award.awardedNow)).toBe(true);
    const ledger = await listLedger(database.db, ann.id, { guildId: guild.id });
    expect(ledger.map((row) => row.amount).sort()).toEqual([POINTS.bestPrompt, POINTS.beatMachine].sort());

    const late = await refusal(game.guesses.submit({ guild, where, player: bob, prompt: 'red' }));
    expect(late.message).toMatch(/^Challenge #\d+ is closed/);

    const [summary] = await game.challenges.list(guild.id);
    expect(summary).toMatchObject({ guesses: 3, players: 2 });
    expect(summary!.challenge.status).toBe('closed');
  });

  it('profiles and the server leaderboard count the points and the wins', async () => {
    const profile = await game.profiles.profile(guild.id, ann.id);
    expect(profile).toMatchObject({
      displayName: 'Ann',
      pointsHere: POINTS.bestPrompt + POINTS.beatMachine,
      pointsEverywhere: POINTS.bestPrompt + POINTS.beatMachine,
      challengesWon: 1,
      machineBeaten: 1,
      guesses: 2,
      challengesPlayed: 1,
    });
    expect(profile.bestPrompts).toHaveLength(1);
    expect(profile.bestPrompts[0]!.title).toBe('A red thing');
    const board = await game.leaderboards.serverBoard(guild.id);
    expect(board[0]).toMatchObject({ rank: 1, playerId: ann.id, points: 15, winsAgainstMachine: 1 });
    expect(await game.profiles.profile(guild.id, 'never-played')).toMatchObject({ displayName: undefined, pointsHere: 0, bestPrompts: [] });
  });
});

describe('settings and the spending cap', () => {
  const database = useTestDatabase('pglite');
  const clock = movableClock();
  let game: GameServices;
  const guild = { id: 'guild-settings', name: 'Settings Club' };

  beforeAll(() => {
    game = createPartAServices({ db: database.db, blobs, engine, clock: clock.now, env: { OPENAI_API_KEY: 'set-but-unused' }, limits: { ...LIMITS, evaluationImageSize: 64 } });
  });

  it('changes only what is given, checks the generator in an engine thread, and refuses bad values', async () => {
    const view = await game.settings.update(guild, { voteWeight: 0.25, quotas: { guessCooldownSeconds: 5 } });
    expect(view.settings).toMatchObject({ voteWeight: 0.25, generator: 'shapes', model: 'shapes-world@1', quotas: { guessCooldownSeconds: 5, guessesPerPlayerPerChallenge: 10 } });
    expect(view.generators).toEqual([
      { generator: 'shapes', configured: true, envVar: null },
      { generator: 'replicate', configured: false, envVar: 'REPLICATE_API_TOKEN' },
      { generator: 'openai', configured: true, envVar: 'OPENAI_API_KEY' },
    ]);
    const noKey = await refusal(game.settings.update(guild, { generator: 'replicate' }));
    expect(noKey.message).toBe("replicate needs an API key: set REPLICATE_API_TOKEN in the bot's environment and restart it, then try again.");
    const badModel = await refusal(game.settings.update(guild, { generator: 'shapes', model: 'dall-e-3' }));
    expect(badModel.message).toContain('The shapes world has one model');
    const empty = await refusal(game.settings.update(guild, {}));
    expect(empty.message).toContain('Nothing to change');
    const badQuota = await refusal(game.settings.update(guild, { quotas: { guessesPerPlayerPerChallenge: 0.5 } }));
    expect(badQuota.message).toContain('quotas.guessesPerPlayerPerChallenge must be a whole number');
    expect((await getGuildSettings(database.db, guild.id)).voteWeight).toBe(0.25);

    const capped = await game.settings.update(guild, { spendingCapUsd: null });
    expect(capped.settings.spendingCapUsd).toBeNull();
  });

  it('judges one guess per player at a time; other players are not held up', async () => {
    await game.challenges.create({ guild, owner: { id: 'race-owner', displayName: 'Race' }, attachment: attachment('/red-sphere.png'), threadId: 'thread-race' });
    await updateGuildSettings(database.db, guild.id, { quotas: { guessCooldownSeconds: 0 } });
    const where = { threadId: 'thread-race' };
    const quick = { id: 'quick', displayName: 'Quick' };
    const [first, doubleClick, other] = await Promise.allSettled([
      game.guesses.submit({ guild, where, player: quick, prompt: 'red sphere' }),
      game.guesses.submit({ guild, where, player: quick, prompt: 'red ball' }),
      game.guesses.submit({ guild, where, player: { id: 'other', displayName: 'Other' }, prompt: 'red orb' }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(doubleClick).toMatchObject({ status: 'rejected', reason: { message: 'Your previous guess is still being judged; wait for its result first.' } });
    expect(other.status).toBe('fulfilled');
    // Once the first is judged, the next one goes through (no cooldown here).
    await expect(game.guesses.submit({ guild, where, player: quick, prompt: 'red ball' })).resolves.toMatchObject({ attemptsUsed: 2 });
  });

  it('a paid generator stops at the monthly cap before any image is asked for, saying when guesses resume', async () => {
    const challenge = await game.challenges.create({ guild, owner: { id: 'cap-owner', displayName: 'Cap' }, attachment: attachment('/blue-cube.png'), threadId: 'thread-cap' });
    // The worker threads have no OpenAI key: switch the stored setting directly, as if the key had been there.
    await upsertGuild(database.db, guild);
    await updateGuildSettings(database.db, guild.id, { generator: 'openai', model: 'dall-e-2', spendingCapUsd: 1 });
    await recordSubmission(database.db, { playerId: 'cap-owner', challengeId: challenge.challenge.id, prompt: 'paid', imageShas: [], meanSimilarity: 0.1, sdSimilarity: 0, costUsd: 1.5 });
    const before = engine.stats().started;
    const player = { id: 'cap-player', displayName: 'Pat' };
    const refused = await refusal(game.guesses.submit({ guild, where: { threadId: 'thread-cap' }, player, prompt: 'blue cube' }));
    expect(refused).toBeInstanceOf(RetryLaterError);
    expect(refused.message).toMatch(/^This server has spent its monthly image budget \(\$1\.00\); guesses resume on \d{4}-\d{2}-01 \(UTC\)/);
    expect(engine.stats().started).toBe(before);

    // With room left the engine is asked, and its failure (no key in the threads) reaches the player in words.
    await updateGuildSettings(database.db, guild.id, { spendingCapUsd: 10 });
    const noKey = await refusal(game.guesses.submit({ guild, where: { threadId: 'thread-cap' }, player, prompt: 'blue cube' }));
    expect(noKey.message).toBe('“blue cube” could not be judged: openai needs an API key: set OPENAI_API_KEY in the environment.');
    expect(engine.stats().started).toBe(before + 1);
  });
});
