/**
 * The training side: runs (claim, heartbeat, checkpoint, cost, status,
 * cancel), idempotent steps and episodes, numbered run events, evaluations
 * and the generation cache — on PGlite and on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import type { Database } from '../../src/db/client.js';
import { createChallenge } from '../../src/db/repositories/challenges.js';
import { createGenerationCache, getCachedGeneration } from '../../src/db/repositories/generationCache.js';
import { upsertGuild } from '../../src/db/repositories/guilds.js';
import { storeImage } from '../../src/db/repositories/images.js';
import { upsertPlayer } from '../../src/db/repositories/players.js';
import { listRunEvaluations, recordRunEvaluation } from '../../src/db/repositories/runEvaluations.js';
import { appendRunEvent, lastRunEventSeq, listRunEventsSince } from '../../src/db/repositories/runEvents.js';
import {
  addRunCost,
  claimNextRun,
  claimRun,
  countActiveRuns,
  countRunsSince,
  createRun,
  getRun,
  heartbeatRun,
  isRunCancelRequested,
  listRuns,
  queuePosition,
  releaseRun,
  requestRunCancel,
  saveCheckpoint,
  updateRunStatus,
} from '../../src/db/repositories/runs.js';
import { countSteps, listEpisodes, listSteps, recordEpisode, recordStep, recordSteps, type StepRecord } from '../../src/db/repositories/steps.js';
import type { RunCheckpoint } from '../../src/db/schema.js';
import { PRESETS } from '../../src/engine/training/hyperparameters.js';
import { pngLikeBytes, TEST_BACKENDS, useTestDatabase } from '../support/db.js';

let blobDir: string;
let blobs: LocalDirectoryBlobStore;
beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'imageprompt-run-blobs-'));
  blobs = new LocalDirectoryBlobStore(blobDir);
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function newRun(db: Database, label: string, extra: { challengeId?: number; requestedBy?: string } = {}) {
  const target = await storeImage(db, blobs, pngLikeBytes(128, 128, `run-target-${label}`));
  return createRun(db, { targetImageSha: target.sha256, preset: 'efficient', hyperparameters: PRESETS.efficient, ...extra });
}

function step(runId: number, iteration: number, episode: number, index: number, reward: number): StepRecord {
  const words = ['red', 'circle', 'big'].slice(0, index + 1);
  return { runId, iteration, episode, step: index, words, prompt: words.join(' '), seed: 7, similarity: reward, reward };
}

describe.each(TEST_BACKENDS)('run repositories on %s', (backend) => {
  const database = useTestDatabase(backend);

  describe('runs', () => {
    it('starts queued with the preset’s hyperparameters stored as given', async () => {
      const run = await newRun(database.db, 'created');
      expect(run).toMatchObject({ status: 'queued', iteration: 0, generationsUsed: 0, costUsd: 0, checkpoint: null, workerId: null });
      expect(run.hyperparameters).toEqual(PRESETS.efficient);
    });

    it('one worker claims a run; another cannot, until the holder stops heartbeating', async () => {
      const { db } = database;
      const run = await newRun(db, 'claimed');
      const claimed = await claimRun(db, run.id, 'worker-a');
      expect(claimed).toMatchObject({ status: 'running', workerId: 'worker-a' });
      expect(claimed?.startedAt).toBeInstanceOf(Date);
      expect(await claimRun(db, run.id, 'worker-b')).toBeUndefined();
      expect(await claimRun(db, run.id, 'worker-a')).toMatchObject({ workerId: 'worker-a' }); // a restarted holder gets it back
      expect(await heartbeatRun(db, run.id, 'worker-a')).toBe(true);
      expect(await heartbeatRun(db, run.id, 'worker-b')).toBe(false);

      await sleep(60);
      const takenOver = await claimRun(db, run.id, 'worker-b', { staleAfterMs: 20 });
      expect(takenOver).toMatchObject({ status: 'running', workerId: 'worker-b' });
      expect(takenOver?.startedAt?.getTime()).toBe(claimed?.startedAt?.getTime());
      expect(await heartbeatRun(db, run.id, 'worker-a')).toBe(false);
    });

    it('claims the oldest queued run next, and two workers never get the same one', async () => {
      const { db } = database;
      // Finish whatever earlier tests left queued, so only this test's runs compete.
      for (const queued of await listRuns(db, { statuses: ['queued'], limit: 1000 })) await requestRunCancel(db, queued.id);
      const first = await newRun(db, 'next-1');
      const second = await newRun(db, 'next-2');
      const third = await newRun(db, 'next-3');
      expect(await queuePosition(db, first.id)).toBe(1);
      expect(await queuePosition(db, third.id)).toBe(3);

      const [a, b] = await Promise.all([claimNextRun(db, 'worker-a'), claimNextRun(db, 'worker-b')]);
      expect(new Set([a?.id, b?.id])).toEqual(new Set([first.id, second.id]));
      expect(await queuePosition(db, third.id)).toBe(1);
      expect(await queuePosition(db, first.id)).toBeUndefined();
      expect((await claimNextRun(db, 'worker-c'))?.id).toBe(third.id);
      expect(await claimNextRun(db, 'worker-c')).toBeUndefined();
    });

    it('a released run goes back to the queue and resumes from its checkpoint', async () => {
      const { db } = database;
      const run = await newRun(db, 'released');
      await claimRun(db, run.id, 'worker-a');
      await saveCheckpoint(db, run.id, { iteration: 3, policyWeights: 'AAAA', optimizerState: null, rngState: [1, 2] });
      expect(await releaseRun(db, run.id, 'worker-b')).toBe(false);
      expect(await releaseRun(db, run.id, 'worker-a')).toBe(true);
      const reclaimed = await claimRun(db, run.id, 'worker-b');
      expect(reclaimed).toMatchObject({ status: 'running', workerId: 'worker-b', iteration: 3 });
      expect(reclaimed?.checkpoint?.rngState).toEqual([1, 2]);
    });

    it('keeps the checkpoint exactly, and a superseded worker cannot overwrite it', async () => {
      const { db } = database;
      const run = await newRun(db, 'checkpoint');
      await claimRun(db, run.id, 'worker-a');
      const checkpoint: RunCheckpoint = {
        iteration: 4,
        policyWeights: { layers: [{ shape: [512, 128], data: 'AAECAwQ=' }, { shape: [128, 4], data: 'BQYH' }] },
        optimizerState: { step: 4, beta1Power: 0.6561, moments: [[0.1, -0.2], [1e-8, 3.5e10]] },
        rngState: { seed: 42, counter: [123456789, 987654321] },
        trainerState: { bestPrompt: 'red circle', bestReward: 0.31, patience: null, flags: [true, false] },
      };
      expect(await saveCheckpoint(db, run.id, checkpoint, { workerId: 'worker-a', generationsUsed: 48, costUsd: 0 })).toBe(true);
      const saved = await getRun(db, run.id);
      expect(saved?.checkpoint).toEqual(checkpoint);
      expect(saved).toMatchObject({ iteration: 4, generationsUsed: 48 });

      await sleep(60);
      await claimRun(db, run.id, 'worker-b', { staleAfterMs: 20 });
      expect(await saveCheckpoint(db, run.id, { ...checkpoint, iteration: 5 }, { workerId: 'worker-a' })).toBe(false);
      expect((await getRun(db, run.id))?.iteration).toBe(4);
    });

    it('adds cost atomically, even from many writers at once', async () => {
      const { db } = database;
      const run = await newRun(db, 'cost');
      await Promise.all(Array.from({ length: 20 }, () => addRunCost(db, run.id, { generations: 2, costUsd: 0.04 })));
      const totals = await addRunCost(db, run.id, { generations: 0, costUsd: 0 });
      expect(totals?.generationsUsed).toBe(40);
      expect(totals?.costUsd).toBeCloseTo(0.8, 10);
    });

    it('a finished run never changes status again', async () => {
      const { db } = database;
      const run = await newRun(db, 'finished');
      await claimRun(db, run.id, 'worker-a');
      const done = await updateRunStatus(db, run.id, 'budget', { error: 'maxImages reached (40)', learnedPrompt: 'red circle', learnedReward: 0.3 });
      expect(done).toMatchObject({ status: 'budget', learnedPrompt: 'red circle', learnedReward: 0.3, error: 'maxImages reached (40)' });
      expect(done?.finishedAt).toBeInstanceOf(Date);
      expect(await updateRunStatus(db, run.id, 'completed')).toBeUndefined();
      expect(await updateRunStatus(db, run.id, 'running')).toBeUndefined();
      expect(await claimRun(db, run.id, 'worker-b', { staleAfterMs: 0 })).toBeUndefined();
      expect((await getRun(db, run.id))?.status).toBe('budget');
    });

    it('cancelling cancels a queued run at once and flags a running one for its worker', async () => {
      const { db } = database;
      const queued = await newRun(db, 'cancel-queued');
      expect(await requestRunCancel(db, queued.id)).toMatchObject({ status: 'cancelled' });
      expect(await isRunCancelRequested(db, queued.id)).toBe(true);

      const running = await newRun(db, 'cancel-running');
      await claimRun(db, running.id, 'worker-a');
      expect(await isRunCancelRequested(db, running.id)).toBe(false);
      expect(await requestRunCancel(db, running.id)).toMatchObject({ status: 'running' });
      expect(await isRunCancelRequested(db, running.id)).toBe(true);
      expect(await updateRunStatus(db, running.id, 'cancelled')).toMatchObject({ status: 'cancelled' });
      expect(await requestRunCancel(db, running.id)).toBeUndefined();
    });

    it('counts active runs per user and per guild, and runs started since a date', async () => {
      const { db } = database;
      await upsertGuild(db, { id: 'g-quota', name: 'Quota' });
      const player = await upsertPlayer(db, { id: 'p-quota', displayName: 'Quota' });
      const target = await storeImage(db, blobs, pngLikeBytes(32, 32, 'quota-target'));
      const challenge = await createChallenge(db, {
        ownerId: player.id,
        guildId: 'g-quota',
        title: 'Quota',
        configuration: { preset: 'efficient', promptLength: 2, words: 4, voteWeight: 0, evaluationImages: 4 },
        targetImageSha: target.sha256,
      });
      const before = new Date(Date.now() - 60_000);
      const a = await newRun(db, 'quota-a', { challengeId: challenge.id, requestedBy: player.id });
      const b = await newRun(db, 'quota-b', { challengeId: challenge.id, requestedBy: player.id });
      await newRun(db, 'quota-c', { requestedBy: player.id }); // outside any guild
      await claimRun(db, a.id, 'worker-a');
      await updateRunStatus(db, b.id, 'failed', { error: 'boom' });
      expect(await countActiveRuns(db, { requestedBy: player.id })).toBe(2);
      expect(await countActiveRuns(db, { guildId: 'g-quota' })).toBe(1);
      expect(await countActiveRuns(db, { requestedBy: player.id, guildId: 'g-quota' })).toBe(1);
      expect(await countRunsSince(db, player.id, before)).toBe(3);
      expect(await countRunsSince(db, player.id, new Date(Date.now() + 60_000))).toBe(0);
      expect((await listRuns(db, { challengeId: challenge.id })).map((run) => run.id)).toEqual([b.id, a.id]);
    });
  });

  describe('steps and episodes', () => {
    it('recordStep is idempotent: the same (run, iteration, episode, step) is stored once, first write wins', async () => {
      const { db } = database;
      const run = await newRun(db, 'step-once');
      expect(await recordStep(db, step(run.id, 0, 0, 0, 0.2))).toBe(true);
      expect(await recordStep(db, step(run.id, 0, 0, 0, 0.9))).toBe(false);
      const stored = await listSteps(db, run.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ reward: 0.2, words: ['red'], prompt: 'red', seed: 7, cached: false, humanScore: null });
    });

    it('a run resumed mid-iteration replays it without losing or doubling a step', async () => {
      const { db } = database;
      const run = await newRun(db, 'resume');
      const iteration = (i: number) =>
        Array.from({ length: 3 }, (_, episode) => Array.from({ length: 2 }, (_, s) => step(run.id, i, episode, s, i + episode / 10 + s / 100))).flat();
      // First worker: iteration 0 in full, iteration 1 cut off after four steps.
      expect(await recordSteps(db, iteration(0))).toBe(6);
      expect(await recordSteps(db, iteration(1).slice(0, 4))).toBe(4);
      // Second worker resumes from the iteration-0 checkpoint and replays iteration 1 in full.
      expect(await recordSteps(db, iteration(1))).toBe(2);
      expect(await recordSteps(db, [])).toBe(0);

      expect(await countSteps(db, run.id)).toBe(12);
      const keys = (await listSteps(db, run.id)).map((s) => `${s.iteration}.${s.episode}.${s.step}`);
      expect(keys).toEqual(['0.0.0', '0.0.1', '0.1.0', '0.1.1', '0.2.0', '0.2.1', '1.0.0', '1.0.1', '1.1.0', '1.1.1', '1.2.0', '1.2.1']);
      expect((await listSteps(db, run.id, { iteration: 1 })).length).toBe(6);
    });

    it('links a step to its stored image, and episodes are idempotent too', async () => {
      const { db } = database;
      const run = await newRun(db, 'episode');
      const image = await storeImage(db, blobs, pngLikeBytes(64, 64, 'step-image'));
      await recordStep(db, { ...step(run.id, 0, 0, 1, 0.3), imageSha: image.sha256, humanScore: 0.5, cached: true });
      expect((await listSteps(db, run.id))[0]).toMatchObject({ imageSha: image.sha256, humanScore: 0.5, cached: true });
      await expect(recordStep(db, { ...step(run.id, 0, 0, 2, 0.3), imageSha: 'b'.repeat(64) })).rejects.toThrow();

      const episode = { runId: run.id, iteration: 0, episode: 0, words: ['red', 'circle'], prompt: 'red circle', rewards: [0.1, 0.3], episodeReturn: 0.4 };
      expect(await recordEpisode(db, episode)).toBe(true);
      expect(await recordEpisode(db, { ...episode, episodeReturn: 9 })).toBe(false);
      expect(await listEpisodes(db, run.id)).toMatchObject([{ episodeReturn: 0.4, rewards: [0.1, 0.3] }]);
    });
  });

  describe('run events', () => {
    it('numbers each run’s events 1, 2, 3… without gaps, even when appended concurrently', async () => {
      const { db } = database;
      const run = await newRun(db, 'events');
      const other = await newRun(db, 'events-other');
      expect(await lastRunEventSeq(db, run.id)).toBe(0);
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => appendRunEvent(db, { runId: run.id, type: 'iteration-started', payload: { iteration: i } })),
      );
      await appendRunEvent(db, { runId: other.id, type: 'run-started', payload: { preset: 'paper' } });

      const all = await listRunEventsSince(db, run.id);
      expect(all.map((event) => event.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const iterations = all.map((event) => (event.payload as { iteration: number }).iteration).sort((x, y) => x - y);
      expect(iterations).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(await lastRunEventSeq(db, run.id)).toBe(12);
      expect((await listRunEventsSince(db, other.id)).map((event) => event.seq)).toEqual([1]);
    });

    it('a follower reads only what came after the last number it saw', async () => {
      const { db } = database;
      const run = await newRun(db, 'follow');
      for (const type of ['run-started', 'iteration-started', 'image-generated', 'iteration-finished', 'finished']) {
        await appendRunEvent(db, { runId: run.id, type, payload: { type, nested: { list: [1, 'two', null] } } });
      }
      const afterTwo = await listRunEventsSince(db, run.id, 2);
      expect(afterTwo.map((event) => event.type)).toEqual(['image-generated', 'iteration-finished', 'finished']);
      expect(afterTwo[0]?.payload).toEqual({ type: 'image-generated', nested: { list: [1, 'two', null] } });
      expect((await listRunEventsSince(db, run.id, 2, 1)).map((event) => event.seq)).toEqual([3]);
      expect(await listRunEventsSince(db, run.id, 5)).toEqual([]);
    });
  });

  describe('evaluations and the generation cache', () => {
    it('re-evaluating the same (run, method, prompt) replaces its scores; the list is best first', async () => {
      const { db } = database;
      const run = await newRun(db, 'evaluations');
      const base = { runId: run.id, sdSimilarity: 0.01, imageShas: [] };
      await recordRunEvaluation(db, { ...base, method: 'learned', prompt: 'red circle', meanSimilarity: 0.2 });
      await recordRunEvaluation(db, { ...base, method: 'caption', prompt: 'a red circle', meanSimilarity: 0.25 });
      await recordRunEvaluation(db, { ...base, method: 'learned', prompt: 'red circle', meanSimilarity: 0.3 });
      expect((await listRunEvaluations(db, run.id)).map((e) => [e.method, e.meanSimilarity])).toEqual([
        ['learned', 0.3],
        ['caption', 0.25],
      ]);
    });

    it('the cache misses, then returns the stored image (at no cost), keeping the first image per key', async () => {
      const { db } = database;
      const cache = createGenerationCache(db, blobs);
      const key = `key-${backend}-1`;
      expect(await cache.get(key)).toBeUndefined();

      const bytes = pngLikeBytes(256, 256, `generated-${backend}`);
      await cache.set(key, { bytes, modelId: 'dall-e-3', costUsd: 0.04 }, { generatorId: 'openai', prompt: 'red circle', seed: 3, width: 256, height: 256 });
      const hit = await cache.get(key);
      expect(Buffer.from(hit!.bytes)).toEqual(Buffer.from(bytes));
      expect(hit).toMatchObject({ modelId: 'dall-e-3', costUsd: 0 });
      expect(await getCachedGeneration(db, key)).toMatchObject({ generator: 'openai', prompt: 'red circle', seed: 3, costUsd: 0.04 });

      await cache.set(key, { bytes: pngLikeBytes(256, 256, 'another'), modelId: 'dall-e-3', costUsd: 0.04 });
      expect(Buffer.from((await cache.get(key))!.bytes)).toEqual(Buffer.from(bytes));

      // Minimal interface: no request description.
      await cache.set(`key-${backend}-2`, { bytes: pngLikeBytes(8, 8, `bare-${backend}`), modelId: 'shapes-world@1', costUsd: 0 });
      expect(await getCachedGeneration(db, `key-${backend}-2`)).toMatchObject({ generator: null, prompt: null, model: 'shapes-world@1' });
    });

    it('a cache row whose bytes left the blob store is a miss', async () => {
      const { db } = database;
      const elsewhere = await mkdtemp(join(tmpdir(), 'imageprompt-other-blobs-'));
      try {
        const cache = createGenerationCache(db, new LocalDirectoryBlobStore(elsewhere));
        await cache.set(`key-${backend}-gone`, { bytes: pngLikeBytes(8, 8, `gone-${backend}`), modelId: 'm', costUsd: 0 });
        await rm(elsewhere, { recursive: true, force: true });
        expect(await cache.get(`key-${backend}-gone`)).toBeUndefined();
      } finally {
        await rm(elsewhere, { recursive: true, force: true });
      }
    });
  });
});
