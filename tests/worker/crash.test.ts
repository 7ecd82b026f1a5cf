/**
 * THE crash test, on PostgreSQL with real processes and the pg-boss queue:
 *   1. worker A takes the run and gets SIGTERM after a checkpoint: it finishes
 *      its iteration, releases the run to the queue and exits 0;
 *   2. worker B takes the queued run, resumes it, and is killed with SIGKILL
 *      after saving another checkpoint;
 *   3. worker C notices B's stale heartbeat, takes the run over from its last
 *      checkpoint and completes it.
 * Every step is then present exactly once, and the final policy (checkpoint
 * weights and Adam state), the steps and the learned prompt equal those of an
 * uninterrupted run with the same seed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { listRunEvaluations } from '../../src/db/repositories/runEvaluations.js';
import { getRun } from '../../src/db/repositories/runs.js';
import { countSteps } from '../../src/db/repositories/steps.js';
import { PgBossJobQueue } from '../../src/jobs/pgBossQueue.js';
import { executeRun } from '../../src/worker/executeRun.js';
import { dropTestSchema, openTestDatabase, postgresTestUrl, uniqueSchemaName } from '../support/db.js';
import { duplicatedSteps, eventsOf, finalPolicy, newTinyRun, sleep, stepValues, storeTarget, tinyHyperparameters } from './fixtures.js';

const ITERATIONS = 12;
const EPISODES = 8;
const STEPS = ITERATIONS * EPISODES * 2;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('a worker killed mid-run (PostgreSQL, real processes)', () => {
  const schema = uniqueSchemaName('crash');
  const queueSchema = `${schema}_q`;
  let url: string;
  let dataDir: string;
  let handle: DatabaseHandle;
  let blobs: LocalDirectoryBlobStore;
  const children: ChildProcess[] = [];

  function startWorkerProcess(): WorkerProcess {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/worker/bin.ts',
        '--schema',
        schema,
        '--queue-schema',
        queueSchema,
        '--heartbeat-seconds',
        '0.5',
        '--stale-after-seconds',
        '3',
        '--poll-seconds',
        '0.5',
      ],
      {
        cwd: process.cwd(),
        env: { ...process.env, DATABASE_URL: url, IMAGEPROMPT_DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, logs: () => string): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; worker output:\n${logs()}`);
      await sleep(20);
    }
  }

  beforeAll(async () => {
    url = await postgresTestUrl();
    dataDir = await mkdtemp(join(tmpdir(), 'imageprompt-crash-'));
    handle = await openTestDatabase('postgres', schema);
    await migrate(handle);
    blobs = new LocalDirectoryBlobStore(join(dataDir, 'images'));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await handle.db.execute(sql.raw(`drop schema if exists "${queueSchema}" cascade`));
    await dropTestSchema(handle);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes on another worker with every step once and the same final policy', async () => {
    const { db } = handle;
    const target = await storeTarget(db, blobs);
    const hyperparameters = tinyHyperparameters({ iterations: ITERATIONS, episodesPerIteration: EPISODES, imageSize: 96 });
    const settings = { seed: 4242, baselines: ['greedy' as const] };

    // The uninterrupted run, in this process.
    const reference = await newTinyRun(db, target, { hyperparameters, settings });
    expect((await executeRun(reference.id, { db, blobs, workerId: 'uninterrupted' })).outcome).toBe('completed');

    const queue = new PgBossJobQueue({ connectionString: url, schema: queueSchema, maxConnections: 1 });
    await queue.start();
    const run = await newTinyRun(db, target, { hyperparameters, settings });
    await queue.enqueue(run.id);

    // Worker A takes the run and is asked to stop once it has saved a checkpoint.
    const stopped = startWorkerProcess();
    await until('a first checkpoint', async () => ((await getRun(db, run.id))?.iteration ?? 0) >= 1 || undefined, 30_000, stopped.output);
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited).toBe(0);
    const released = await getRun(db, run.id);
    expect(released?.status).toBe('queued');
    expect(released?.workerId).toBeNull();
    const releasedAt = released?.iteration ?? 0;
    expect(releasedAt).toBeGreaterThanOrEqual(1);
    expect(releasedAt).toBeLessThan(ITERATIONS);
    // The released run has a job waiting (a loaded machine may have added a duplicate; it is harmless).
    expect(await queue.depth()).toBeGreaterThanOrEqual(1);

    // Worker B takes the queued run and is killed once it has saved a checkpoint of its own,
    // preferably while some steps of the next iteration are written too (they must not be doubled).
    const first = startWorkerProcess();
    await until(
      'a checkpoint after the release',
      async () => {
        const row = await getRun(db, run.id);
        if (row === undefined || row.iteration <= releasedAt) return undefined;
        const aheadOfCheckpoint = (await countSteps(db, run.id)) > row.iteration * EPISODES * 2;
        return aheadOfCheckpoint || row.iteration >= releasedAt + 3 ? row : undefined;
      },
      30_000,
      first.output,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const afterKill = await getRun(db, run.id);
    expect(afterKill?.status).toBe('running');
    expect(afterKill?.iteration).toBeLessThan(ITERATIONS);
    const killedAt = afterKill?.iteration ?? 0;
    const stepsBeforeKill = await countSteps(db, run.id);

    // Worker C finds the stale run, takes it over and finishes it.
    const second = startWorkerProcess();
    const finished = await until(
      'the run to finish',
      async () => {
        const row = await getRun(db, run.id);
        return row?.status === 'completed' || row?.status === 'failed' ? row : undefined;
      },
      40_000,
      second.output,
    );
    expect(finished.status).toBe('completed');
    expect(finished.workerId).not.toBe(afterKill?.workerId);

    const uninterrupted = await getRun(db, reference.id);
    expect(await countSteps(db, run.id)).toBe(STEPS);
    expect(await duplicatedSteps(db, run.id)).toBe(0);
    expect(await stepValues(db, run.id)).toEqual(await stepValues(db, reference.id));
    expect(finalPolicy(finished)).toEqual(finalPolicy(uninterrupted));
    expect(finished.learnedPrompt).toBe(uninterrupted?.learnedPrompt);
    const evaluations = (runId: number) =>
      listRunEvaluations(db, runId).then((rows) => rows.map(({ method, prompt, meanSimilarity, imageShas }) => ({ method, prompt, meanSimilarity, imageShas })));
    expect(await evaluations(run.id)).toEqual(await evaluations(reference.id));

    // The log shows the three workers, the release, and where each one resumed.
    const statuses = (await eventsOf(db, run.id)).filter((e) => e.type === 'status').map((e) => e.payload as { status: string; resumedFromIteration?: number });
    const sequence = statuses.map((s) => s.status);
    expect(sequence.slice(0, 3)).toEqual(['running', 'queued', 'running']);
    expect(sequence.at(-1)).toBe('completed');
    expect(sequence.length).toBeGreaterThanOrEqual(5);
    expect(sequence.slice(3, -1).every((status) => status === 'running')).toBe(true);
    expect(statuses[2]?.resumedFromIteration).toBe(releasedAt);
    const resumedFrom = statuses.at(-2)?.resumedFromIteration ?? -1;
    expect(resumedFrom).toBeGreaterThanOrEqual(killedAt);
    expect(second.output()).toContain('"outcome":"completed"');

    // SIGTERM stops the idle worker cleanly.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await queue.stop({ graceful: false });
    console.info(
      `crash test: released at iteration ${releasedAt}, killed after iteration ${killedAt} (${stepsBeforeKill} steps written), resumed from iteration ${resumedFrom}`,
    );
  });
});
