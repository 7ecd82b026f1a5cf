/** The run's database clock: blocking calls made together count once; background calls apart. */
import { describe, expect, it } from 'vitest';
import { DbTimer } from '../../src/worker/dbTimer.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DbTimer', () => {
  it('counts the time at least one blocking call was in flight, and background calls separately', async () => {
    const timer = new DbTimer();
    await Promise.all([timer.time('cache', () => wait(60)), timer.time('cache', () => wait(60)), timer.time('write', () => wait(120))]);
    await timer.time('run', () => wait(30));
    expect(timer.blockingMs).toBeGreaterThanOrEqual(85);
    expect(timer.blockingMs).toBeLessThan(140);
    expect(timer.backgroundMs).toBeGreaterThanOrEqual(115);
    expect(timer.calls).toBe(4);
    expect(Object.keys(timer.byKind()).sort()).toEqual(['cache', 'run', 'write']);
  });

  it('counts a call that throws', async () => {
    const timer = new DbTimer();
    await expect(timer.time('run', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(timer.calls).toBe(1);
  });
});
