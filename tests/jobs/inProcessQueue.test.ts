/** The embedded-mode queue: FIFO, bounded concurrency, deduplication, graceful stop. */
import { describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '../../src/jobs/inProcessQueue.js';
import type { JobContext } from '../../src/jobs/jobQueue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await sleep(2);
  }
}

describe('InProcessJobQueue', () => {
  it('runs jobs first in, first out, one at a time with concurrency 1', async () => {
    const queue = new InProcessJobQueue();
    for (const runId of [3, 1, 2]) await queue.enqueue(runId);
    expect(await queue.depth()).toBe(3);
    const seen: number[] = [];
    await queue.work(async ({ runId }) => {
      seen.push(runId);
      await sleep(5);
    }, { concurrency: 1 });
    await until(() => seen.length === 3);
    expect(seen).toEqual([3, 1, 2]);
    expect(await queue.depth()).toBe(0);
    await queue.enqueue(4);
    await until(() => seen.length === 4);
    await queue.stop();
  });

  it('never runs more than `concurrency` jobs at once', async () => {
    const queue = new InProcessJobQueue();
    let running = 0;
    let peak = 0;
    let done = 0;
    await queue.work(async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(10);
      running--;
      done++;
    }, { concurrency: 2 });
    for (let runId = 1; runId <= 6; runId++) await queue.enqueue(runId);
    await until(() => done === 6);
    expect(peak).toBe(2);
    await queue.stop();
  });

  it('keeps one pending job per run, and honours a dedupe window', async () => {
    const queue = new InProcessJobQueue();
    expect(await queue.enqueue(7)).not.toBeNull();
    expect(await queue.enqueue(7)).toBeNull();
    expect(await queue.depth()).toBe(1);
    let handled = 0;
    await queue.work(async () => void handled++, { concurrency: 1 });
    await until(() => handled === 1);
    expect(await queue.enqueue(7, { dedupeWindowSeconds: 60 })).toBeNull();
    expect(await queue.enqueue(7)).not.toBeNull();
    await until(() => handled === 2);
    await queue.stop();
  });

  it('reports a failing handler and carries on', async () => {
    const queue = new InProcessJobQueue();
    const errors: number[] = [];
    const handled: number[] = [];
    await queue.work(
      async ({ runId }) => {
        if (runId === 1) throw new Error('boom');
        handled.push(runId);
      },
      { concurrency: 1, onHandlerError: (_error, job) => errors.push(job.runId) },
    );
    await queue.enqueue(1);
    await queue.enqueue(2);
    await until(() => handled.length === 1);
    expect(errors).toEqual([1]);
    await queue.stop();
  });

  it('stops gracefully: signals the running handler, waits for it, and starts nothing new', async () => {
    const queue = new InProcessJobQueue();
    let context: JobContext | undefined;
    let finished = false;
    const started: number[] = [];
    await queue.work(async ({ runId }, ctx) => {
      started.push(runId);
      context = ctx;
      await new Promise((resolve) => ctx.stopSignal.addEventListener('abort', resolve, { once: true }));
      await sleep(20);
      finished = true;
    }, { concurrency: 1 });
    await queue.enqueue(1);
    await queue.enqueue(2);
    await until(() => context !== undefined);
    expect(context?.stopSignal.aborted).toBe(false);
    expect(context?.enqueuedAt).toBeInstanceOf(Date);
    await queue.stop({ timeoutMs: 2000 });
    expect(finished).toBe(true);
    await queue.enqueue(3);
    await sleep(20);
    expect(started).toEqual([1]);
  });
});
