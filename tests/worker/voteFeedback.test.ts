/**
 * Human feedback from votes, on PGlite and PostgreSQL: the source answers with
 * the mean vote once enough votes are in, answers with what it has before the
 * trainer's window closes, counts only votes cast after the image was shown,
 * and gives up at once when the run stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import { storeImage } from '../../src/db/repositories/images.js';
import { upsertPlayer } from '../../src/db/repositories/players.js';
import { listRunEventsSince } from '../../src/db/repositories/runEvents.js';
import { listSteps } from '../../src/db/repositories/steps.js';
import { castVote } from '../../src/db/repositories/votes.js';
import type { FeedbackRequest } from '../../src/engine/training/humanFeedback.js';
import { executeRun } from '../../src/worker/executeRun.js';
import { VoteFeedbackSource } from '../../src/worker/voteFeedback.js';
import { pngLikeBytes, TEST_BACKENDS, useTestDatabase } from '../support/db.js';
import { newTinyRun, storeTarget, tinyHyperparameters } from './fixtures.js';

let blobDir: string;
let blobs: LocalDirectoryBlobStore;
beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'imageprompt-votes-'));
  blobs = new LocalDirectoryBlobStore(blobDir);
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

const request = (imageKey: string): FeedbackRequest => ({ imageKey, prompt: 'red ball', iteration: 0, episode: 0, step: 1 });

describe.each(TEST_BACKENDS)('VoteFeedbackSource on %s', (backend) => {
  const database = useTestDatabase(backend);
  const shas = new Map<string, string>();

  beforeAll(async () => {
    const { db } = database;
    for (const key of ['k-enough', 'k-window', 'k-none', 'k-old', 'k-abort']) {
      shas.set(key, (await storeImage(db, blobs, pngLikeBytes(8, 8, `${backend}-${key}`))).sha256);
    }
    for (const id of ['p1', 'p2', 'p3']) await upsertPlayer(db, { id, displayName: id });
  });

  const source = (windowMs: number) =>
    new VoteFeedbackSource({ db: database.db, imageShaForKey: (key) => shas.get(key), windowMs, pollMs: 40, enoughVotes: 3 });
  const vote = (key: string, playerId: string, score: number) => castVote(database.db, { playerId, imageSha: shas.get(key) as string, score });

  it('answers with the mean as soon as enough people voted', async () => {
    const started = Date.now();
    const answer = source(10_000).scoreFor(request('k-enough'), new AbortController().signal);
    setTimeout(() => void Promise.all([vote('k-enough', 'p1', 1), vote('k-enough', 'p2', 1), vote('k-enough', 'p3', 0)]), 60);
    expect(await answer).toBeCloseTo(2 / 3, 9);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers with the votes it has before the window closes', async () => {
    const started = Date.now();
    const answer = source(500).scoreFor(request('k-window'), new AbortController().signal);
    setTimeout(() => void vote('k-window', 'p1', 1), 50);
    expect(await answer).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('gives null when nobody voted, and ignores votes cast before the image was shown', async () => {
    await vote('k-old', 'p1', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const signal = new AbortController().signal;
    const [none, old, unknown] = await Promise.all([
      source(300).scoreFor(request('k-none'), signal),
      source(300).scoreFor(request('k-old'), signal),
      source(300).scoreFor(request('not-an-image-yet'), signal),
    ]);
    expect([none, old, unknown]).toEqual([null, null, null]);
  });

  it('feeds the votes of players following the run into its rewards', async () => {
    const { db } = database;
    const target = await storeTarget(db, blobs);
    const run = await newTinyRun(db, target, {
      hyperparameters: tinyHyperparameters({ iterations: 1, humanFeedbackWeight: 0.5, humanFeedbackWindowMs: 5_000 }),
    });
    // A stand-in for the bot: it follows the run's events and three players vote 1 on every image.
    let following = true;
    const voted = new Set<string>();
    const bot = (async () => {
      let seq = 0;
      while (following) {
        for (const event of await listRunEventsSince(db, run.id, seq)) {
          seq = event.seq;
          const sha = (event.payload as { imageSha?: string }).imageSha;
          if (event.type !== 'image-generated' || sha === undefined || voted.has(sha)) continue;
          voted.add(sha);
          for (const playerId of ['p1', 'p2', 'p3']) await castVote(db, { playerId, imageSha: sha, score: 1, runId: run.id });
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const report = await executeRun(run.id, { db, blobs, workerId: 'feedback' }, { feedbackPollMs: 30, flushIntervalMs: 30 });
    following = false;
    await bot;
    expect(report.outcome).toBe('completed');
    const steps = await listSteps(db, run.id);
    expect(steps).toHaveLength(8);
    for (const step of steps) {
      expect(step.humanScore).toBe(1);
      expect(step.reward).toBeCloseTo(0.5 * (step.similarity ?? Number.NaN) + 0.5, 9);
    }
    // Answered as the votes came in, not at the end of each 5 s window.
    expect(report.wallMs).toBeLessThan(15_000);
  });

  it('gives up at once when the run stops', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const answer = source(60_000).scoreFor(request('k-abort'), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await answer).toBeNull();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
