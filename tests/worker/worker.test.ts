/**
 * The worker loop in embedded mode (PGlite and the in-process queue): runs
 * submitted while it works are executed in order; runs a previous process
 * left unfinished are queued again at start-up and completed; a run of a
 * dead worker on a shared database is noticed by its stale heartbeat.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import { claimRun, getRun } from '../../src/db/repositories/runs.js';
import { InProcessJobQueue } from '../../src/jobs/inProcessQueue.js';
import { submitRun } from '../../src/jobs/submitRun.js';
import { createLogger } from '../../src/observability/logger.js';
import type { RunExecutionReport } from '../../src/worker/executeRun.js';
import { requeueStaleRuns, startWorker } from '../../src/worker/worker.js';
import { useTestDatabase } from '../support/db.js';
import { newTinyRun, sleep, storeTarget, tinyHyperparameters } from './fixtures.js';

let blobDir: string;
let blobs: LocalDirectoryBlobStore;
beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'imageprompt-worker-'));
  blobs = new LocalDirectoryBlobStore(blobDir);
});
afterAll(() => rm(blobDir, { recursive: true, force: true }));

const logger = createLogger({ level: 'silent' });

describe('startWorker in embedded mode', () => {
  const database = useTestDatabase('pglite');

  it('requeues a run left running by a previous process, then executes submitted runs in order', async () => {
    const { db } = database;
    const target = await storeTarget(db, blobs);
    const hyperparameters = tinyHyperparameters({ iterations: 1 });
    // A previous process claimed this run and died.
    const leftOver = await newTinyRun(db, target, { hyperparameters });
    await claimRun(db, leftOver.id, 'previous-process');

    const queue = new InProcessJobQueue();
    const finished: RunExecutionReport[] = [];
    const worker = await startWorker({ db, blobs, queue, logger, concurrency: 1, ownsDatabase: true, onRunFinished: (report) => finished.push(report) });
    const submitted = [];
    for (let i = 0; i < 2; i++) submitted.push((await submitRun(db, queue, { targetImageSha: target, preset: 'paper', hyperparameters, settings: { seed: i } })).run);
    while (finished.length < 3) await sleep(20);
    await worker.stop();

    expect(finished.map((r) => r.runId)).toEqual([leftOver.id, ...submitted.map((r) => r.id)]);
    expect(finished.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
    for (const run of [leftOver, ...submitted]) expect((await getRun(db, run.id))?.status).toBe('completed');
    expect((await getRun(db, leftOver.id))?.workerId).toBe(worker.workerId);
  });

  it('enqueues a running run whose heartbeat went stale, once per stale period', async () => {
    const { db } = database;
    const target = await storeTarget(db, blobs, 'blue cube');
    const run = await newTinyRun(db, target);
    await claimRun(db, run.id, 'dead-worker');
    const queue = new InProcessJobQueue();
    expect(await requeueStaleRuns(db, queue, 60_000)).toEqual([]);
    await sleep(30);
    expect(await requeueStaleRuns(db, queue, 10)).toEqual([run.id]);
    expect(await requeueStaleRuns(db, queue, 10)).toEqual([]);
    expect(await queue.depth()).toBe(1);
  });
});
