import type { TextChannel } from 'discord.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveStatus } from '../../src/bot/status/liveStatus.js';
import { progressBar, progressLine } from '../../src/bot/status/progressBar.js';
import { type BotHarness, startBotHarness } from './harness.js';

describe('createLiveStatus (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recorder(writeMs = 0) {
    const written: Array<{ payload: string; at: number }> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const write = async (payload: string): Promise<void> => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (writeMs > 0) await new Promise((resolve) => setTimeout(resolve, writeMs));
      written.push({ payload, at: Date.now() });
      inFlight -= 1;
    };
    return { written, write, maxInFlight: () => maxInFlight };
  }

  it('writes the first update at once, then at most one per interval, always ending on the newest', async () => {
    const { written, write } = recorder();
    const start = Date.now();
    const status = createLiveStatus({ write, minIntervalMs: 1000, now: () => Date.now() });
    for (let step = 1; step <= 50; step += 1) {
      status.update(`step ${step}`);
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await status.flush();
    expect(written.map((entry) => entry.payload)).toEqual(['step 1', 'step 20', 'step 40', 'step 50']);
    const gaps = written.slice(1).map((entry, index) => entry.at - written[index]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(written[0]!.at - start).toBe(0);
    expect(status.writes).toBe(4);
  });

  it('never overlaps writes: a slow write delays the next, which carries the newest state', async () => {
    const { written, write, maxInFlight } = recorder(2500);
    const status = createLiveStatus({ write, minIntervalMs: 1000, now: () => Date.now() });
    status.update('a');
    await vi.advanceTimersByTimeAsync(100);
    status.update('b');
    status.update('c');
    await vi.advanceTimersByTimeAsync(10_000);
    await status.flush();
    expect(written.map((entry) => entry.payload)).toEqual(['a', 'c']);
    expect(maxInFlight()).toBe(1);
  });

  it('flush waits for the pending state; close then refuses updates', async () => {
    const { written, write } = recorder();
    const status = createLiveStatus({ write, minIntervalMs: 1000, now: () => Date.now() });
    status.update('first');
    status.update('last');
    let flushed = false;
    const flushing = status.flush().then(() => {
      flushed = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(flushed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await flushing;
    expect(written.map((entry) => entry.payload)).toEqual(['first', 'last']);
    await status.close();
    expect(() => status.update('late')).toThrow('live status is closed');
  });

  it('reports a failed write and writes the next update; skips a state identical to the last written', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    let fail = true;
    const status = createLiveStatus<string>({
      write: async (payload) => {
        if (fail) {
          fail = false;
          throw new Error('503');
        }
        written.push(payload);
      },
      minIntervalMs: 100,
      now: () => Date.now(),
      onError: (error) => errors.push(error),
    });
    status.update('x');
    await vi.advanceTimersByTimeAsync(200);
    status.update('x');
    await vi.advanceTimersByTimeAsync(200);
    status.update('x');
    await vi.advanceTimersByTimeAsync(200);
    await status.flush();
    expect(errors).toHaveLength(1);
    expect(written).toEqual(['x']);
  });
});

describe('progress bars', () => {
  it('fill and read 100% only when complete; clamp and handle NaN', () => {
    expect(progressBar(0, 10)).toBe('░░░░░░░░░░ 0%');
    expect(progressBar(0.5, 10)).toBe('█████░░░░░ 50%');
    expect(progressBar(0.999, 10)).toBe('█████████░ 99%');
    expect(progressBar(1, 10)).toBe('██████████ 100%');
    expect(progressBar(7, 4)).toBe('████ 100%');
    expect(progressBar(-1, 4)).toBe('░░░░ 0%');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░ 0%');
    expect(progressLine(3, 12, 4)).toBe('█░░░ 25% · 3/12');
    expect(progressLine(0, 0, 4)).toBe('░░░░ 0% · 0/0');
    expect(() => progressBar(0.5, 0)).toThrow(RangeError);
  });
});

describe('a live status message on the fake Discord', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await startBotHarness({ commands: [], services: {} });
  });
  afterAll(async () => bot?.close());

  it('turns 40 rapid progress updates into a few edits of one message, ending on the last', async () => {
    const channel = (await bot.client.channels.fetch(bot.fake.guild.channelId)) as TextChannel;
    const message = await channel.send('Training: starting…');
    const since = performance.now();
    const status = createLiveStatus<string>({ write: (content) => message.edit(content), minIntervalMs: 100 });
    for (let iteration = 1; iteration <= 40; iteration += 1) {
      status.update(`Training ${progressLine(iteration, 40)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await status.close();
    const edits = bot.fake.requests.filter((request) => request.at >= since && request.method === 'PATCH');
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(5);
    expect(bot.fake.message(message.id)?.content).toBe(`Training ${progressLine(40, 40)}`);
    expect(bot.fake.message(message.id)?.allowedMentions?.parse).toEqual([]);
  });
});
