/**
 * Jobs benchmark (issue 3): 20 short runs queued at once on PostgreSQL, two
 * `imageprompt worker` processes consuming them through pg-boss. Reports
 * throughput (runs per minute), queue latency (enqueue → claim) and the
 * database's share of a run's wall time, measured inside the workers by
 * timing every database call a run makes (target: under 5 %).
 *
 * PostgreSQL: BENCH_DATABASE_URL, else DATABASE_URL, else the local test
 * database. Everything lives in fresh schemas that are dropped afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import { formatTable } from '../../src/cli/optimize/table.js';
import { LocalDirectoryBlobStore } from '../../src/db/blobStore.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { storeImage } from '../../src/db/repositories/images.js';
import { createRun } from '../../src/db/repositories/runs.js';
import { runs } from '../../src/db/schema.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import { resolveHyperparameters } from '../../src/engine/training/hyperparameters.js';
import { PgBossJobQueue } from '../../src/jobs/pgBossQueue.js';
import { withRunSettings } from '../../src/jobs/runSettings.js';

const RUNS = 20;
const WORKERS = 2;
/** Short runs on the paper's schedule and image size: P=4, T=2, 3 iterations × 20 episodes, 256 px, K=4. */
const HYPERPARAMETERS = resolveHyperparameters('paper', { iterations: 3, episodesPerIteration: 20, imageSize: 256, evaluationImages: 4 });
const TARGETS = ['red sphere', 'blue cube', 'green pyramid', 'yellow star', 'purple torus'];

interface RunFinishedLine {
  msg: string;
  runId: number;
  outcome: string;
  wallMs: number;
  dbMs: number;
  dbBackgroundMs: number;
  dbCalls: number;
  dbByKind: Record<string, number>;
  queueLatencyMs: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function runJobsBench(log: (line: string) => void): Promise<string> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_jobs_${randomBytes(4).toString('hex')}`;
  const queueSchema = `${schema}_q`;
  const dataDir = await mkdtemp(join(tmpdir(), 'imageprompt-jobs-bench-'));
  const blobs = new LocalDirectoryBlobStore(join(dataDir, 'images'));
  let handle: DatabaseHandle | undefined;
  const workers: ChildProcess[] = [];
  const queue = new PgBossJobQueue({ connectionString: url, schema: queueSchema, maxConnections: 2 });
  try {
    handle = await openDatabase({ url, schema, maxConnections: 4 });
    await migrate(handle);
    const { db } = handle;
    await queue.start();
    const stack = createShapesStack();
    const targetShas: string[] = [];
    for (const prompt of TARGETS) {
      const image = await stack.generator.generate({ prompt, seed: 1, width: 256, height: 256 });
      targetShas.push((await storeImage(db, blobs, image.bytes)).sha256);
    }

    log(`jobs bench: starting ${WORKERS} worker processes (PostgreSQL schema ${schema})`);
    const finished: RunFinishedLine[] = [];
    const started: Array<Promise<void>> = [];
    for (let w = 0; w < WORKERS; w++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/worker/bin.ts', '--schema', schema, '--queue-schema', queueSchema, '--concurrency', '1'],
        { env: { ...process.env, DATABASE_URL: url, IMAGEPROMPT_DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      workers.push(child);
      let buffered = '';
      started.push(
        new Promise((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`worker ${w} exited early (status ${code})`)));
          child.stdout?.on('data', (chunk: Buffer) => {
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) {
              const entry = JSON.parse(line) as { msg?: string };
              if (entry.msg?.startsWith('worker started')) resolve();
              if (entry.msg === 'run finished') finished.push(entry as RunFinishedLine);
            }
          });
        }),
      );
    }
    await Promise.all(started);

    log(`jobs bench: queueing ${RUNS} runs at once`);
    const loadBefore = loadavg()[0] ?? 0;
    const enqueuedAt = performance.now();
    const runIds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await createRun(db, {
        targetImageSha: targetShas[i % targetShas.length] as string,
        preset: 'paper',
        hyperparameters: withRunSettings(HYPERPARAMETERS, { seed: 1000 + i }),
      });
      await queue.enqueue(run.id);
      runIds.push(run.id);
    }
    while (finished.length < RUNS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (workers.some((child) => child.exitCode !== null)) throw new Error('a worker exited during the benchmark');
    }
    const elapsedMs = performance.now() - enqueuedAt;
    const loadAfter = loadavg()[0] ?? 0;

    // Queue latency from the database's own clock: enqueue (run created, job sent) → claim (run started).
    const timings = await db
      .select({
        id: runs.id,
        workerId: runs.workerId,
        latencyMs: sql<number>`extract(epoch from (${runs.startedAt} - ${runs.createdAt})) * 1000`.mapWith(Number),
        startedAt: sql<number>`extract(epoch from ${runs.startedAt}) * 1000`.mapWith(Number),
        finishedAt: sql<number>`extract(epoch from ${runs.finishedAt}) * 1000`.mapWith(Number),
        status: runs.status,
      })
      .from(runs)
      .where(inArray(runs.id, runIds));
    // Pickup delay: a worker finishing one run → the same worker claiming its next one (the queue's own overhead).
    const pickups: number[] = [];
    const byWorker = new Map<string, typeof timings>();
    for (const row of timings) byWorker.set(row.workerId ?? '', [...(byWorker.get(row.workerId ?? '') ?? []), row]);
    for (const rows of byWorker.values()) {
      rows.sort((a, b) => a.startedAt - b.startedAt);
      for (let i = 1; i < rows.length; i++) pickups.push((rows[i]?.startedAt as number) - (rows[i - 1]?.finishedAt as number));
    }
    const completed = timings.filter((row) => row.status === 'completed').length;
    const wall = finished.reduce((s, r) => s + r.wallMs, 0);
    const waited = finished.reduce((s, r) => s + r.dbMs, 0);
    const background = finished.reduce((s, r) => s + r.dbBackgroundMs, 0);
    const shares = finished.map((r) => r.dbMs / r.wallMs);
    const byKind = new Map<string, number>();
    for (const r of finished) for (const [kind, ms] of Object.entries(r.dbByKind)) byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
    const breakdown = [...byKind]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => `${kind} ${((ms / wall) * 100).toFixed(1)}`)
      .join(', ');
    const latencies = timings.map((row) => row.latencyMs);
    const rows: string[][] = [
      ['runs completed', `${completed} / ${RUNS}`, ''],
      ['runs per minute', ((RUNS / elapsedMs) * 60_000).toFixed(1), `${WORKERS} worker processes, ${seconds(elapsedMs)} for all ${RUNS}`],
      ['run wall time p50', seconds(percentile(finished.map((r) => r.wallMs), 50)), 'claim → final status, inside the worker'],
      ['queue latency p50', seconds(percentile(latencies, 50)), 'enqueue → claim (runs wait their turn behind the others)'],
      ['queue latency p99', seconds(percentile(latencies, 99)), ''],
      ['pickup delay p50', seconds(percentile(pickups, 50)), 'worker free → next run claimed (polling interval 1 s)'],
      ['pickup delay p99', seconds(percentile(pickups, 99)), ''],
      ['database share', `${((waited / wall) * 100).toFixed(2)} %`, 'Σ time runs waited for DB calls / Σ run wall time (target < 5 %)'],
      ['database share p50 / max', `${(percentile(shares, 50) * 100).toFixed(2)} % / ${(Math.max(...shares) * 100).toFixed(2)} %`, 'per run'],
      ['background writes', `${((background / wall) * 100).toFixed(2)} %`, 'batched rows, image files and checkpoint saves, overlapping the runs’ work'],
      ['DB time by kind, % of wall', '', `${breakdown} (${finished.reduce((s, r) => s + r.dbCalls, 0)} calls)`],
    ];
    const setup = `P=${HYPERPARAMETERS.words} T=${HYPERPARAMETERS.promptLength}, ${HYPERPARAMETERS.iterations}×${HYPERPARAMETERS.episodesPerIteration}, ${HYPERPARAMETERS.imageSize} px, K=${HYPERPARAMETERS.evaluationImages}, shapes world`;
    // Everything here shares the machine's cores (workers, PostgreSQL, anything else running): say how busy it was.
    const machine = `${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`;
    return `Jobs: ${RUNS} runs queued at once on PostgreSQL, ${WORKERS} workers (${setup}; ${machine})\n${formatTable(['measure', 'value', 'note'], rows, new Set([1]))}`;
  } finally {
    for (const child of workers) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
    await queue.stop({ graceful: false }).catch(() => {});
    if (handle !== undefined) {
      await handle.db.execute(sql.raw(`drop schema if exists "${queueSchema}" cascade; drop schema if exists "${schema}" cascade`));
      await handle.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
