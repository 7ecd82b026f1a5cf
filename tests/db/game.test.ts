/**
 * The game's repositories — guilds, players, images, challenges, prompt
 * spaces, submissions, votes, points, leaderboards — on PGlite and on
 * PostgreSQL, each suite in a schema of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/engine/training/hyperparameters.js';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import type { Database } from '../../src/db/client.js';
import {
  closeChallenge,
  createChallenge,
  getChallengeByThread,
  listChallenges,
  revealedSecretPrompt,
  setChallengeThread,
} from '../../src/db/repositories/challenges.js';
import {
  DEFAULT_GUILD_SETTINGS,
  GuildSettingsError,
  getGuildSettings,
  guildSpendingSince,
  updateGuildSettings,
  upsertGuild,
} from '../../src/db/repositories/guilds.js';
import { getImage, readImage, storeImage } from '../../src/db/repositories/images.js';
import {
  challengeLeaderboard,
  globalLeaderboard,
  guildLeaderboard,
  playerRankInChallenge,
} from '../../src/db/repositories/leaderboards.js';
import { getPlayer, upsertPlayer } from '../../src/db/repositories/players.js';
import { awardPoints, listLedger, playerPoints } from '../../src/db/repositories/pointsLedger.js';
import { latestPromptSpaceForChallenge, savePromptSpace } from '../../src/db/repositories/promptSpaces.js';
import { recordRunEvaluation } from '../../src/db/repositories/runEvaluations.js';
import { addRunCost, createRun, updateRunStatus } from '../../src/db/repositories/runs.js';
import { bestSubmission, listSubmissions, recordSubmission, submissionActivity } from '../../src/db/repositories/submissions.js';
import { castVote, humanScoreForImage, removeVote, voteSummaryForImage } from '../../src/db/repositories/votes.js';
import type { ChallengeConfiguration, EvaluationMethod } from '../../src/db/schema.js';
import { pngLikeBytes, TEST_BACKENDS, useTestDatabase } from '../support/db.js';

const CONFIGURATION: ChallengeConfiguration = { preset: 'efficient', promptLength: 2, words: 4, voteWeight: 0.3, evaluationImages: 4 };

let blobDir: string;
let blobs: LocalDirectoryBlobStore;
beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'imageprompt-game-blobs-'));
  blobs = new LocalDirectoryBlobStore(blobDir);
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A guild, its owner and an open challenge on a fresh target image. */
async function seedChallenge(db: Database, name: string, guildId = `guild-${name}`) {
  await upsertGuild(db, { id: guildId, name: `Guild ${name}` });
  const owner = await upsertPlayer(db, { id: `owner-${name}`, displayName: `Owner ${name}` });
  const target = await storeImage(db, blobs, pngLikeBytes(256, 256, `target-${name}`));
  const challenge = await createChallenge(db, {
    ownerId: owner.id,
    guildId,
    channelId: `channel-${name}`,
    title: `Challenge ${name}`,
    configuration: CONFIGURATION,
    secretPrompt: 'red circle',
    targetImageSha: target.sha256,
  });
  return { guildId, owner, target, challenge };
}

/** A run of the challenge that ends with `status`, evaluated with the given (method, prompt, mean) rows. */
async function seedEvaluatedRun(
  db: Database,
  challengeId: number,
  targetImageSha: string,
  status: 'completed' | 'failed',
  evaluations: [EvaluationMethod, string, number][],
) {
  const run = await createRun(db, { challengeId, targetImageSha, preset: 'efficient', hyperparameters: PRESETS.efficient });
  for (const [method, prompt, mean] of evaluations) {
    await recordRunEvaluation(db, { runId: run.id, method, prompt, meanSimilarity: mean, sdSimilarity: 0.01, imageShas: [] });
  }
  await updateRunStatus(db, run.id, status);
  return run;
}

describe.each(TEST_BACKENDS)('game repositories on %s', (backend) => {
  const database = useTestDatabase(backend);

  describe('guilds and players', () => {
    it('a new guild gets the default settings; renaming keeps its settings', async () => {
      const { db } = database;
      const created = await upsertGuild(db, { id: 'g-settings', name: 'Before' });
      expect(created.settings).toEqual(DEFAULT_GUILD_SETTINGS);
      await updateGuildSettings(db, 'g-settings', { voteWeight: 0.5 });
      const renamed = await upsertGuild(db, { id: 'g-settings', name: 'After' });
      expect(renamed.name).toBe('After');
      expect(renamed.settings.voteWeight).toBe(0.5);
    });

    it('settings change piece by piece, quotas one at a time, and bad values are refused', async () => {
      const { db } = database;
      await upsertGuild(db, { id: 'g-patch', name: 'Patch' });
      const updated = await updateGuildSettings(db, 'g-patch', {
        generator: 'openai',
        model: 'dall-e-3',
        spendingCapUsd: 12.5,
        quotas: { runsPerUserPerDay: 2 },
      });
      expect(updated).toEqual({
        ...DEFAULT_GUILD_SETTINGS,
        generator: 'openai',
        model: 'dall-e-3',
        spendingCapUsd: 12.5,
        quotas: { ...DEFAULT_GUILD_SETTINGS.quotas, runsPerUserPerDay: 2 },
      });
      expect(await getGuildSettings(db, 'g-patch')).toEqual(updated);

      await expect(updateGuildSettings(db, 'g-patch', { voteWeight: 1.5 })).rejects.toThrow(GuildSettingsError);
      await expect(updateGuildSettings(db, 'g-patch', { quotas: { concurrentRunsPerUser: 0.5 } })).rejects.toThrow(
        'quotas.concurrentRunsPerUser must be a whole number',
      );
      await expect(updateGuildSettings(db, 'g-missing', { voteWeight: 0.1 })).rejects.toThrow('Unknown guild g-missing.');
      expect(await getGuildSettings(db, 'g-patch')).toEqual(updated);
      expect(await getGuildSettings(db, 'g-never-seen')).toEqual(DEFAULT_GUILD_SETTINGS);
    });

    it('a player keeps one row and the display name they use now', async () => {
      const { db } = database;
      await upsertPlayer(db, { id: 'p-rename', displayName: 'Old name' });
      await upsertPlayer(db, { id: 'p-rename', displayName: 'New name' });
      expect(await getPlayer(db, 'p-rename')).toMatchObject({ displayName: 'New name', points: 0 });
    });
  });

  describe('images and challenges', () => {
    it('stores an image once, with its header metadata, and reads the bytes back', async () => {
      const { db } = database;
      const bytes = pngLikeBytes(640, 480, 'stored-once');
      const first = await storeImage(db, blobs, bytes);
      const second = await storeImage(db, blobs, bytes);
      expect(second).toEqual(first);
      expect(first).toMatchObject({ mime: 'image/png', width: 640, height: 480, byteSize: bytes.byteLength });
      const read = await readImage(db, blobs, first.sha256);
      expect(Buffer.from(read!.bytes)).toEqual(Buffer.from(bytes));
      expect(await getImage(db, 'f'.repeat(64))).toBeUndefined();
    });

    it('a challenge cannot point at an image that was never stored', async () => {
      const { db } = database;
      await upsertPlayer(db, { id: 'p-fk', displayName: 'FK' });
      await expect(
        createChallenge(db, { ownerId: 'p-fk', title: 't', configuration: CONFIGURATION, targetImageSha: 'a'.repeat(64) }),
      ).rejects.toThrow();
    });

    it('finds a challenge by thread, lists newest first, and closes exactly once, revealing the secret then', async () => {
      const { db } = database;
      const { challenge, guildId } = await seedChallenge(db, 'close');
      const newer = await createChallenge(db, {
        ownerId: challenge.ownerId,
        guildId,
        title: 'Newer',
        configuration: CONFIGURATION,
        targetImageSha: challenge.targetImageSha,
      });
      await setChallengeThread(db, challenge.id, 'thread-close');
      expect((await getChallengeByThread(db, 'thread-close'))?.id).toBe(challenge.id);
      expect((await listChallenges(db, { guildId })).map((c) => c.id)).toEqual([newer.id, challenge.id]);
      expect(revealedSecretPrompt(challenge)).toBeNull();

      const first = await closeChallenge(db, challenge.id);
      const second = await closeChallenge(db, challenge.id);
      expect(first?.closedNow).toBe(true);
      expect(second?.closedNow).toBe(false);
      expect(first?.challenge.closedAt).toBeInstanceOf(Date);
      expect(revealedSecretPrompt(first!.challenge)).toBe('red circle');
      expect((await listChallenges(db, { guildId, status: 'open' })).map((c) => c.id)).toEqual([newer.id]);
      expect(await closeChallenge(db, 999_999)).toBeUndefined();
    });

    it('keeps prompt spaces per challenge and returns the latest', async () => {
      const { db } = database;
      const { challenge, target } = await seedChallenge(db, 'space');
      const space = { challengeId: challenge.id, targetImageSha: target.sha256, captionerId: 'shapes' };
      await savePromptSpace(db, { ...space, words: ['red', 'circle'], probabilities: [0.6, 0.4], captions: ['a red circle'] });
      const latest = await savePromptSpace(db, {
        ...space,
        words: ['blue', 'square', 'big'],
        probabilities: [0.5, 0.3, 0.2],
        captions: ['a big blue square', 'blue square'],
      });
      expect(await latestPromptSpaceForChallenge(db, challenge.id)).toEqual(latest);
      expect(latest.words).toEqual(['blue', 'square', 'big']);
      await expect(savePromptSpace(db, { ...space, words: ['a'], probabilities: [0.5, 0.5], captions: [] })).rejects.toThrow(RangeError);
    });
  });

  describe('submissions, votes and points', () => {
    it('counts a player’s attempts, remembers the last one and the best', async () => {
      const { db } = database;
      const { challenge } = await seedChallenge(db, 'attempts');
      const who = { playerId: 'p-guesser', challengeId: challenge.id };
      await upsertPlayer(db, { id: who.playerId, displayName: 'Guesser' });
      expect(await submissionActivity(db, who)).toEqual({ count: 0, lastAt: null });
      await recordSubmission(db, { ...who, prompt: 'circle', imageShas: [], meanSimilarity: 0.21, sdSimilarity: 0.02 });
      await sleep(5);
      const last = await recordSubmission(db, { ...who, prompt: 'red circle', imageShas: [], meanSimilarity: 0.29, sdSimilarity: 0.01 });
      const activity = await submissionActivity(db, who);
      expect(activity.count).toBe(2);
      expect(activity.lastAt?.getTime()).toBe(last.createdAt.getTime());
      expect((await bestSubmission(db, who))?.prompt).toBe('red circle');
      expect((await listSubmissions(db, challenge.id)).map((s) => s.meanSimilarity)).toEqual([0.29, 0.21]);
    });

    it('one vote per player per image: voting again changes it, and the human score follows', async () => {
      const { db } = database;
      const image = await storeImage(db, blobs, pngLikeBytes(64, 64, 'voted-image'));
      for (const id of ['voter-a', 'voter-b', 'voter-c']) await upsertPlayer(db, { id, displayName: id });
      expect(await humanScoreForImage(db, image.sha256)).toBeNull();

      const first = await castVote(db, { playerId: 'voter-a', imageSha: image.sha256, score: 1 });
      expect(first.created).toBe(true);
      expect(await humanScoreForImage(db, image.sha256)).toBe(1);

      const changed = await castVote(db, { playerId: 'voter-a', imageSha: image.sha256, score: 0 });
      expect(changed.created).toBe(false);
      expect(changed.vote.id).toBe(first.vote.id);
      expect(await voteSummaryForImage(db, image.sha256)).toEqual({ mean: 0, count: 1 });

      await castVote(db, { playerId: 'voter-b', imageSha: image.sha256, score: 1 });
      await castVote(db, { playerId: 'voter-c', imageSha: image.sha256, score: 1 });
      expect(await voteSummaryForImage(db, image.sha256)).toEqual({ mean: 2 / 3, count: 3 });

      expect(await removeVote(db, { playerId: 'voter-c', imageSha: image.sha256 })).toBe(true);
      expect(await removeVote(db, { playerId: 'voter-c', imageSha: image.sha256 })).toBe(false);
      expect(await humanScoreForImage(db, image.sha256)).toBe(0.5);
      await expect(castVote(db, { playerId: 'voter-a', imageSha: image.sha256, score: 2 })).rejects.toThrow(RangeError);
    });

    it('the human score reads only votes cast or changed within the window', async () => {
      const { db } = database;
      const image = await storeImage(db, blobs, pngLikeBytes(64, 64, 'windowed-image'));
      for (const id of ['early', 'late']) await upsertPlayer(db, { id, displayName: id });
      await castVote(db, { playerId: 'early', imageSha: image.sha256, score: 0 });
      await sleep(30);
      const windowOpens = new Date();
      await sleep(30);
      await castVote(db, { playerId: 'late', imageSha: image.sha256, score: 1 });
      expect(await humanScoreForImage(db, image.sha256)).toBe(0.5);
      expect(await voteSummaryForImage(db, image.sha256, windowOpens)).toEqual({ mean: 1, count: 1 });
      // Changing the early vote brings it into the window.
      await castVote(db, { playerId: 'early', imageSha: image.sha256, score: 1 });
      expect(await voteSummaryForImage(db, image.sha256, windowOpens)).toEqual({ mean: 1, count: 2 });
    });

    it('awards points into the ledger and the player total together, once per dedupe key', async () => {
      const { db } = database;
      const { guildId, challenge } = await seedChallenge(db, 'points');
      await upsertPlayer(db, { id: 'p-points', displayName: 'Pointy' });
      const award = { playerId: 'p-points', guildId, challengeId: challenge.id, amount: 10, reason: 'best-prompt' as const };
      expect(await awardPoints(db, { ...award, dedupeKey: `best-prompt:${challenge.id}` })).toBe(true);
      expect(await awardPoints(db, { ...award, dedupeKey: `best-prompt:${challenge.id}` })).toBe(false);
      expect(await awardPoints(db, { ...award, amount: 1, reason: 'vote' })).toBe(true);
      expect(await awardPoints(db, { ...award, amount: 1, reason: 'vote' })).toBe(true);
      expect((await getPlayer(db, 'p-points'))?.points).toBe(12);
      expect(await playerPoints(db, 'p-points', guildId)).toBe(12);
      expect(await playerPoints(db, 'p-points', 'guild-elsewhere')).toBe(0);
      expect((await listLedger(db, 'p-points')).map((entry) => entry.reason)).toEqual(['vote', 'vote', 'best-prompt']);
      await expect(awardPoints(db, { ...award, amount: 1.5 })).rejects.toThrow(RangeError);
    });

    it('sums a guild’s spending over its runs and its players’ guesses since a date', async () => {
      const { db } = database;
      const { guildId, challenge, target, owner } = await seedChallenge(db, 'spend');
      const before = new Date(Date.now() - 60_000);
      const run = await createRun(db, { challengeId: challenge.id, targetImageSha: target.sha256, preset: 'paper', hyperparameters: PRESETS.paper });
      await addRunCost(db, run.id, { generations: 4, costUsd: 0.16 });
      await recordSubmission(db, {
        playerId: owner.id,
        challengeId: challenge.id,
        prompt: 'x',
        imageShas: [],
        meanSimilarity: 0.1,
        sdSimilarity: 0,
        costUsd: 0.04,
      });
      expect(await guildSpendingSince(db, guildId, before)).toBeCloseTo(0.2, 10);
      expect(await guildSpendingSince(db, guildId, new Date(Date.now() + 60_000))).toBe(0);
      expect(await guildSpendingSince(db, 'guild-without-spending', before)).toBe(0);
    });
  });

  describe('leaderboards', () => {
    it('per challenge: each player’s best prompt against the machine’s best per method, from completed runs only', async () => {
      const { db } = database;
      const { challenge, target } = await seedChallenge(db, 'board');
      const submit = async (playerId: string, prompt: string, mean: number) => {
        await upsertPlayer(db, { id: playerId, displayName: playerId.toUpperCase() });
        await recordSubmission(db, { playerId, challengeId: challenge.id, prompt, imageShas: [], meanSimilarity: mean, sdSimilarity: 0.02 });
        await sleep(3);
      };
      await submit('ann', 'a circle', 0.22);
      await submit('ann', 'a red circle', 0.31);
      await submit('bob', 'red ball', 0.27);
      await submit('cy', 'ball', 0.27);
      await seedEvaluatedRun(db, challenge.id, target.sha256, 'completed', [
        ['learned', 'red circle', 0.29],
        ['greedy', 'red circle', 0.29],
        ['caption', 'a red circle on white', 0.25],
        ['random', 'white circle', 0.12],
      ]);
      await seedEvaluatedRun(db, challenge.id, target.sha256, 'completed', [['learned', 'circle red', 0.28]]);
      // A failed run's evaluation never reaches the leaderboard, however good.
      await seedEvaluatedRun(db, challenge.id, target.sha256, 'failed', [['learned', 'cheat', 0.99]]);

      const board = await challengeLeaderboard(db, challenge.id);
      const summary = board.map((entry) => [
        entry.rank,
        entry.kind === 'human' ? entry.playerId : entry.method,
        entry.prompt,
        entry.meanSimilarity,
      ]);
      expect(summary).toEqual([
        [1, 'ann', 'a red circle', 0.31],
        [2, 'learned', 'red circle', 0.29],
        [2, 'greedy', 'red circle', 0.29],
        [4, 'bob', 'red ball', 0.27],
        [4, 'cy', 'ball', 0.27],
        [6, 'caption', 'a red circle on white', 0.25],
        [7, 'random', 'white circle', 0.12],
      ]);
      expect(await playerRankInChallenge(db, challenge.id, 'bob')).toEqual({ rank: 4, of: 7 });
      expect(await playerRankInChallenge(db, challenge.id, 'nobody')).toBeUndefined();
    });

    it('per guild and globally: players by points, then by wins against the learned prompt', async () => {
      const { db } = database;
      const north = await seedChallenge(db, 'north-1', 'guild-north');
      const north2 = await seedChallenge(db, 'north-2', 'guild-north');
      const south = await seedChallenge(db, 'south-1', 'guild-south');
      for (const id of ['dee', 'eve', 'fay']) await upsertPlayer(db, { id, displayName: id });
      await seedEvaluatedRun(db, north.challenge.id, north.target.sha256, 'completed', [['learned', 'm', 0.3]]);
      await seedEvaluatedRun(db, north2.challenge.id, north2.target.sha256, 'completed', [['learned', 'm', 0.2]]);
      await seedEvaluatedRun(db, south.challenge.id, south.target.sha256, 'completed', [['learned', 'm', 0.25]]);
      const guess = (playerId: string, challengeId: number, mean: number) =>
        recordSubmission(db, { playerId, challengeId, prompt: 'p', imageShas: [], meanSimilarity: mean, sdSimilarity: 0 });
      await guess('dee', north.challenge.id, 0.35); // beats 0.3
      await guess('dee', north2.challenge.id, 0.25); // beats 0.2
      await guess('eve', north.challenge.id, 0.31); // beats 0.3
      await guess('eve', north2.challenge.id, 0.1); // loses
      await guess('fay', north.challenge.id, 0.3); // a tie is not a win
      await guess('fay', south.challenge.id, 0.4); // beats, in the other guild
      await awardPoints(db, { playerId: 'dee', guildId: 'guild-north', amount: 5, reason: 'beat-machine' });
      await awardPoints(db, { playerId: 'eve', guildId: 'guild-north', amount: 5, reason: 'beat-machine' });
      await awardPoints(db, { playerId: 'fay', guildId: 'guild-north', amount: 7, reason: 'best-prompt' });
      await awardPoints(db, { playerId: 'fay', guildId: 'guild-south', amount: 20, reason: 'best-prompt' });

      const northBoard = await guildLeaderboard(db, 'guild-north');
      expect(northBoard.map((row) => [row.rank, row.playerId, row.points, row.winsAgainstMachine])).toEqual([
        [1, 'fay', 7, 0],
        [2, 'dee', 5, 2],
        [3, 'eve', 5, 1],
      ]);
      const southBoard = await guildLeaderboard(db, 'guild-south');
      expect(southBoard.map((row) => [row.rank, row.playerId, row.points, row.winsAgainstMachine])).toEqual([[1, 'fay', 20, 1]]);

      const global = await globalLeaderboard(db, 100);
      const mine = global.filter((row) => ['dee', 'eve', 'fay'].includes(row.playerId));
      expect(mine.map((row) => [row.playerId, row.points, row.winsAgainstMachine])).toEqual([
        ['fay', 27, 1],
        ['dee', 5, 2],
        ['eve', 5, 1],
      ]);
      expect(global.map((row) => row.points)).toEqual([...global.map((row) => row.points)].sort((a, b) => b - a));
      expect((await globalLeaderboard(db, 1)).length).toBe(1);
    });
  });
});
