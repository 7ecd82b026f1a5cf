/**
 * executeRun on the offline shapes world, on PGlite and on PostgreSQL: a tiny
 * run (P=4, T=2, 3 iterations × 4 episodes, 64 px) completes with every step
 * once, its events in order without image bytes, and its evaluations; a
 * cancel stops it within one episode; a budget stops it with status `budget`;
 * and a run interrupted after iteration 1 — by a stalled worker that another
 * takes over, or by a shutdown — ends with the same steps and the same final
 * policy as the uninterrupted run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import { getImage } from '../../src/db/repositories/images.js';
import { listRunEvaluations } from '../../src/db/repositories/runEvaluations.js';
import { getRun, requestRunCancel } from '../../src/db/repositories/runs.js';
import { countSteps, listEpisodes } from '../../src/db/repositories/steps.js';
import { executeRun, type RunExecutionReport } from '../../src/worker/executeRun.js';
import { TEST_BACKENDS, useTestDatabase } from '../support/db.js';
import {
  deferred,
  duplicatedSteps,
  eventsOf,
  finalPolicy,
  newTinyRun,
  shapesWithHook,
  sleep,
  stepValues,
  storeTarget,
  tinyHyperparameters,
} from './fixtures.js';

let blobDir: string;
let blobs: LocalDirectoryBlobStore;
beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'imageprompt-execute-'));
  blobs = new LocalDirectoryBlobStore(blobDir);
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

/** 3 iterations × 4 episodes × 2 steps. */
const STEPS = 24;
const IMAGES_PER_ITERATION = 8;

describe.each(TEST_BACKENDS)('executeRun on %s', (backend) => {
  const database = useTestDatabase(backend);
  let targetSha: string;
  let referenceRunId: number;
  let reference: RunExecutionReport;

  beforeAll(async () => {
    targetSha = await storeTarget(database.db, blobs);
    const run = await newTinyRun(database.db, targetSha, { settings: { baselines: ['greedy', 'caption'] } });
    referenceRunId = run.id;
    reference = await executeRun(run.id, { db: database.db, blobs, workerId: 'reference' }, { flushIntervalMs: 50 });
  });

  it('completes a run: every step once, events in order without image bytes, evaluations recorded', async () => {
    const { db } = database;
    expect(reference.outcome).toBe('completed');
    const run = await getRun(db, referenceRunId);
    expect(run?.status).toBe('completed');
    expect(run?.learnedPrompt).toBe(reference.learnedPrompt);
    expect(run?.learnedPrompt?.split(' ')).toHaveLength(2);
    expect(run?.checkpoint?.iteration).toBe(3);
    expect(run?.workerId).toBe('reference');

    expect(await countSteps(db, referenceRunId)).toBe(STEPS);
    expect(await duplicatedSteps(db, referenceRunId)).toBe(0);
    expect((await stepValues(db, referenceRunId)).size).toBe(STEPS);
    expect(await listEpisodes(db, referenceRunId)).toHaveLength(12);

    const events = await eventsOf(db, referenceRunId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'status', payload: { status: 'running', workerId: 'reference', resumedFromIteration: 0 } });
    expect(events.at(-1)).toMatchObject({ type: 'status', payload: { status: 'completed', learnedPrompt: run?.learnedPrompt } });
    const types = events.map((e) => e.type);
    for (const type of ['run-started', 'iteration-started', 'image-generated', 'step-rewarded', 'episode-finished', 'iteration-finished', 'finished', 'baseline-finished']) {
      expect(types).toContain(type);
    }
    // Iterations are logged in order, each after the one before.
    const iterationsFinished = events.filter((e) => e.type === 'iteration-finished').map((e) => (e.payload as { iteration: number }).iteration);
    expect(iterationsFinished).toEqual([0, 1, 2]);
    const images = events.filter((e) => e.type === 'image-generated');
    expect(images).toHaveLength(STEPS);
    for (const event of images) {
      const payload = event.payload as Record<string, unknown>;
      expect(payload).not.toHaveProperty('image');
      expect(JSON.stringify(payload).length).toBeLessThan(600);
      expect(await getImage(db, payload.imageSha as string)).toBeDefined();
      expect(await blobs.has(payload.imageSha as string)).toBe(true);
    }

    const evaluations = await listRunEvaluations(db, referenceRunId);
    expect(evaluations.map((e) => e.method).sort()).toEqual(['caption', 'greedy', 'learned']);
    const learned = evaluations.find((e) => e.method === 'learned');
    expect(learned?.prompt).toBe(run?.learnedPrompt);
    expect(learned?.imageShas).toHaveLength(2);
    expect(run?.learnedReward).toBeCloseTo(learned?.meanSimilarity ?? Number.NaN, 9);
    expect(reference.dbMs).toBeGreaterThan(0);
    expect(reference.dbMs).toBeLessThan(reference.wallMs);
  });

  it('stops at the next image after a cancel request (well within one episode), with status cancelled', async () => {
    const { db } = database;
    const run = await newTinyRun(db, targetSha);
    // The request arrives while the 11th image (iteration 1, first step of episode 2) is being drawn.
    const requestAt = IMAGES_PER_ITERATION + 3;
    let drawn = 0;
    const report = await executeRun(
      run.id,
      {
        db,
        blobs,
        workerId: 'cancel-test',
        createStack: shapesWithHook(async (call) => {
          drawn = call;
          if (call === requestAt) await requestRunCancel(db, run.id);
        }),
      },
      // Look at the flag before every image: the run must stop at the next one.
      { cancelCheckMs: 0 },
    );
    expect(report.outcome).toBe('cancelled');
    // The image in progress was the last one.
    expect(drawn).toBe(requestAt);
    const after = await getRun(db, run.id);
    expect(after?.status).toBe('cancelled');
    expect(after?.finishedAt).not.toBeNull();
    // Iteration 1 was neither completed nor checkpointed.
    expect(after?.checkpoint?.iteration).toBe(1);
    const events = await eventsOf(db, run.id);
    const requestSeq = events.filter((e) => e.type === 'image-generated').at(requestAt - 1)?.seq ?? Number.POSITIVE_INFINITY;
    expect(events.filter((e) => e.type === 'episode-finished' && e.seq > requestSeq).length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.type === 'iteration-finished')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'status', payload: { status: 'cancelled' } });
  });

  it('stops at its image budget with status budget and a clear error', async () => {
    const { db } = database;
    const run = await newTinyRun(db, targetSha, { hyperparameters: tinyHyperparameters({ maxImages: 11 }) });
    const report = await executeRun(run.id, { db, blobs, workerId: 'budget-test' });
    expect(report.outcome).toBe('budget');
    const after = await getRun(db, run.id);
    expect(after?.status).toBe('budget');
    expect(after?.error).toMatch(/budget \(11 of 11 images generated\) after 1 iteration/);
    expect(after?.finishedAt).not.toBeNull();
    const events = await eventsOf(db, run.id);
    expect(events.filter((e) => e.type === 'image-generated')).toHaveLength(11);
    expect(events.find((e) => e.type === 'finished')?.payload).toMatchObject({ reason: 'budget' });
    expect(events.at(-1)).toMatchObject({ type: 'status', payload: { status: 'budget', error: after?.error } });
    expect(await duplicatedSteps(db, run.id)).toBe(0);
  });

  it('resumes from the checkpoint when a stalled worker is taken over: same steps, same final policy', async () => {
    const { db } = database;
    const run = await newTinyRun(db, targetSha, { settings: { baselines: ['greedy', 'caption'] } });
    const gate = deferred();
    const stalled = deferred();
    // Worker A stalls on the 4th image of iteration 1 (after the checkpoint of iteration 0).
    const first = executeRun(
      run.id,
      {
        db,
        blobs,
        workerId: 'worker-a',
        createStack: shapesWithHook(async (call) => {
          if (call === IMAGES_PER_ITERATION + 4) {
            stalled.resolve();
            await gate.promise;
          }
        }),
      },
      { heartbeatMs: 600_000, flushIntervalMs: 20 },
    );
    await stalled.promise;
    // A's checkpoint of iteration 0 and its first steps of iteration 1 are written behind its work; let them land.
    const landed = async () => (await getRun(db, run.id))?.iteration === 1 && (await countSteps(db, run.id)) > IMAGES_PER_ITERATION;
    for (let i = 0; i < 250 && !(await landed()); i++) await sleep(20);
    expect(await landed()).toBe(true);

    // Worker B sees A's heartbeat as stale and takes the run over.
    const second = await executeRun(run.id, { db, blobs, workerId: 'worker-b' }, { staleAfterMs: 0 });
    expect(second.outcome).toBe('completed');
    expect(second.resumedFromIteration).toBe(1);

    // A wakes up, finds the run is no longer its own, and leaves it alone.
    gate.resolve();
    expect((await first).outcome).toBe('lost-claim');

    const resumed = await getRun(db, run.id);
    const uninterrupted = await getRun(db, referenceRunId);
    expect(resumed?.status).toBe('completed');
    expect(resumed?.workerId).toBe('worker-b');
    expect(finalPolicy(resumed)).toEqual(finalPolicy(uninterrupted));
    expect(resumed?.learnedPrompt).toBe(uninterrupted?.learnedPrompt);
    expect(await countSteps(db, run.id)).toBe(STEPS);
    expect(await duplicatedSteps(db, run.id)).toBe(0);
    expect(await stepValues(db, run.id)).toEqual(await stepValues(db, referenceRunId));
    const events = await eventsOf(db, run.id);
    expect(events.at(-1)).toMatchObject({ type: 'status', payload: { status: 'completed' } });
    expect(events.filter((e) => e.type === 'status' && (e.payload as { status: string }).status === 'running')).toHaveLength(2);
  });

  it('on shutdown checkpoints, goes back to the queue, and resumes to the same final policy', async () => {
    const { db } = database;
    const run = await newTinyRun(db, targetSha, { settings: { baselines: ['greedy', 'caption'] } });
    const shutdown = new AbortController();
    const first = await executeRun(
      run.id,
      {
        db,
        blobs,
        workerId: 'worker-stopping',
        // SIGTERM arrives in the middle of iteration 1: the iteration finishes, then the run is released.
        createStack: shapesWithHook((call) => {
          if (call === IMAGES_PER_ITERATION + 2) shutdown.abort();
        }),
      },
      { stopSignal: shutdown.signal, shutdownGraceMs: 30_000 },
    );
    expect(first.outcome).toBe('released');
    const released = await getRun(db, run.id);
    expect(released?.status).toBe('queued');
    expect(released?.workerId).toBeNull();
    expect(released?.checkpoint?.iteration).toBe(2);

    let drawn = 0;
    const second = await executeRun(run.id, { db, blobs, workerId: 'worker-next', createStack: shapesWithHook(() => void drawn++) });
    expect(second).toMatchObject({ outcome: 'completed', resumedFromIteration: 2 });
    // One iteration of training images, plus the greedy decoding's prefix image (T−1 = 1; training
    // does not cache in the paper preset). The evaluation and baseline images (2 + 2×2) come
    // from the database's generation cache, filled by the uninterrupted run.
    expect(drawn).toBe(IMAGES_PER_ITERATION + 1);
    expect(finalPolicy(await getRun(db, run.id))).toEqual(finalPolicy(await getRun(db, referenceRunId)));
    expect(await stepValues(db, run.id)).toEqual(await stepValues(db, referenceRunId));
    expect(await duplicatedSteps(db, run.id)).toBe(0);
  });

  it('does nothing for a finished run or one a live worker holds', async () => {
    const { db } = database;
    expect((await executeRun(referenceRunId, { db, blobs, workerId: 'late' })).outcome).toBe('not-claimed');
  });
});
