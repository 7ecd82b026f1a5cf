/**
 * The PostgreSQL queue (pg-boss in a schema of its own per suite): jobs are
 * delivered once across several consumers, in order, retried when a handler
 * throws, deduplicated on request, and a graceful stop waits for handlers.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import type { JobContext } from '../../src/jobs/jobQueue.js';
import { PgBossJobQueue, type PgBossJobQueueOptions } from '../../src/jobs/pgBossQueue.js';
import { postgresTestUrl, uniqueSchemaName } from '../support/db.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('PgBossJobQueue on PostgreSQL', () => {
  const schema = uniqueSchemaName('q');
  let url: string;
  const queues: PgBossJobQueue[] = [];
  const newQueue = (options: Partial<PgBossJobQueueOptions> = {}) => {
    const queue = new PgBossJobQueue({ connectionString: url, schema, pollingIntervalSeconds: 0.5, retryDelaySeconds: 0, maxConnections: 2, ...options });
    queues.push(queue);
    return queue;
  };

  beforeAll(async () => {
    url = await postgresTestUrl();
  });
  afterAll(async () => {
    for (const queue of queues) await queue.stop({ graceful: false }).catch(() => {});
    const handle = await openDatabase({ url, maxConnections: 1 });
    await handle.db.execute(sql.raw(`drop schema if exists "${schema}" cascade`));
    await handle.close();
  });

  it('delivers every job exactly once across two consumers', async () => {
    const producer = newQueue();
    await producer.start();
    for (let runId = 1; runId <= 8; runId++) await producer.enqueue(runId);
    expect(await producer.depth()).toBe(8);
    const handled: Array<{ runId: number; by: string }> = [];
    const consumers: PgBossJobQueue[] = [];
    for (const name of ['a', 'b']) {
      const consumer = newQueue();
      consumers.push(consumer);
      await consumer.start();
      await consumer.work(async ({ runId }) => {
        handled.push({ runId, by: name });
        await sleep(30);
      }, { concurrency: 1 });
    }
    await until(() => handled.length === 8);
    await sleep(600); // one more polling round: nothing is delivered twice
    expect(handled.map((h) => h.runId).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(handled.map((h) => h.by)).size).toBe(2);
    expect(await producer.depth()).toBe(0);
    for (const consumer of consumers) await consumer.stop();
  });

  it('skips a job for a run already enqueued within the dedupe window', async () => {
    const queue = newQueue();
    await queue.start();
    expect(await queue.enqueue(100, { dedupeWindowSeconds: 60 })).not.toBeNull();
    expect(await queue.enqueue(100, { dedupeWindowSeconds: 60 })).toBeNull();
    expect(await queue.enqueue(101, { dedupeWindowSeconds: 60 })).not.toBeNull();
  });

  it('retries a job whose handler threw, and stops gracefully after signalling a running handler', async () => {
    const queue = newQueue({ retryLimit: 2 });
    await queue.start();
    const attempts: number[] = [];
    const errors: unknown[] = [];
    let running: JobContext | undefined;
    let finishedAfterStop = false;
    await queue.work(
      async ({ runId }, context) => {
        if (runId === 200) {
          attempts.push(context.retryCount);
          if (context.retryCount === 0) throw new Error('first attempt fails');
          return;
        }
        // Jobs left by the dedupe test (runs 100, 101) are simply done.
        if (runId !== 300) return;
        running = context;
        await new Promise((resolve) => context.stopSignal.addEventListener('abort', resolve, { once: true }));
        await sleep(50);
        finishedAfterStop = true;
      },
      { concurrency: 2, onHandlerError: (error) => errors.push(error) },
    );
    await queue.enqueue(200);
    await until(() => attempts.length === 2);
    expect(attempts).toEqual([0, 1]);
    expect(errors).toHaveLength(1);
    await queue.enqueue(300);
    await until(() => running !== undefined);
    await queue.stop({ timeoutMs: 5000 });
    expect(finishedAfterStop).toBe(true);
  });
});
