/**
 * The engine thread pool: tasks run in worker threads (never thread 0), a
 * guess is judged exactly as the machine's prompts are, bytes cross without
 * touching the caller's, errors arrive typed with player-safe messages, and a
 * task past its time limit costs its thread, not the pool.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineThreads, type EngineThreads } from '../../../src/bot/engine/engineThreads.js';
import { toWireError } from '../../../src/bot/engine/engineTasks.js';
import { EngineTaskError } from '../../../src/bot/engine/taskErrors.js';
import { evaluatePrompt, evaluationSeeds } from '../../../src/engine/baselines/evaluate.js';
import { loadTargetImage } from '../../../src/engine/images/index.js';
import { BudgetExceededError, RateLimitError, SafetyRefusalError } from '../../../src/engine/providers/errors.js';
import { createShapesStack } from '../../../src/engine/providers/shapes/index.js';
import { ImageScorer } from '../../../src/engine/training/imageScorer.js';
import { offlineEngineEnv, readSample } from './support.js';

let modelsDir: string;
let pool: EngineThreads;
let target: Uint8Array;

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'imageprompt-engine-threads-'));
  pool = createEngineThreads({ size: 2, env: offlineEngineEnv(modelsDir) });
  target = (await loadTargetImage(await readSample('red-sphere.png'))).bytes;
  await pool.ready();
});

afterAll(async () => {
  await pool?.close();
  await rm(modelsDir, { recursive: true, force: true });
});

const shapes = { generator: 'shapes' } as const;

describe('engine threads', () => {
  it('judges a guess in a worker thread exactly as evaluatePrompt judges the machine, on the fixed evaluation seeds', async () => {
    const before = pool.stats();
    const copy = target.slice();
    const guess = await pool.evaluateGuess({ targetPng: target, prompt: 'a red sphere', providerConfig: shapes, k: 4, imageSize: 64 });
    const stats = pool.stats();
    expect(stats.completed - before.completed).toBe(1);
    expect(stats.threadIds.length).toBeGreaterThan(0);
    expect(stats.threadIds).not.toContain(0);
    expect(stats.threadIds).not.toContain(threadId);

    // The same prompt scored here, in-process, the way the trainer and baselines score.
    const stack = createShapesStack();
    const [targetEmbedding] = (await stack.embedder.embedImages([target])) as [Float32Array];
    const scorer = new ImageScorer({ generator: stack.generator, embedder: stack.embedder, targetEmbedding, size: 64, concurrency: 4 });
    const machine = await evaluatePrompt(scorer, 'a red sphere', evaluationSeeds(4));
    expect(guess.similarities).toEqual(machine.similarities);
    expect(guess.mean).toBe(machine.mean);
    expect(guess.sd).toBe(machine.sd);
    expect(guess.mean).toBeGreaterThan(0.8);
    expect(guess.images.map((image) => Buffer.from(image))).toEqual(machine.images.map((scored) => Buffer.from(scored.image.bytes)));
    expect(guess).toMatchObject({ costUsd: 0, modelId: 'shapes-world@1' });

    // Each image owns an exact-size buffer (moved, not a view into a pool), and the caller's target is untouched.
    for (const image of guess.images) expect(image.buffer.byteLength).toBe(image.byteLength);
    expect(target.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(target).equals(Buffer.from(copy))).toBe(true);

    const worse = await pool.evaluateGuess({ targetPng: target, prompt: 'a blue cube', providerConfig: shapes, k: 4, imageSize: 64 });
    expect(worse.mean).toBeLessThan(guess.mean);
  });

  it('builds a challenge prompt space in a thread, the same for the same seed', async () => {
    const input = { targetPng: target, providerConfig: shapes, captions: 5, words: 4, promptLength: 2, seed: 7 };
    const [first, second] = await Promise.all([pool.buildChallengePromptSpace(input), pool.buildChallengePromptSpace(input)]);
    expect(first).toEqual(second);
    expect(first.words).toHaveLength(4);
    expect(first.words).toContain('red');
    expect(first.probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 10);
    expect(first.captions).toHaveLength(5);
    expect(first.captionerId).toMatch(/^shapes/);
  });

  it('spreads concurrent tasks over both threads', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => pool.evaluateGuess({ targetPng: target, prompt: `red sphere ${i}`, providerConfig: shapes, k: 2, imageSize: 64 })),
    );
    expect(pool.stats().threadIds.length).toBe(2);
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('sends errors back typed, with what a player may read', async () => {
    const missingKey = await pool.checkProvider({ generator: 'replicate' }).catch((error: unknown) => error);
    expect(missingKey).toBeInstanceOf(EngineTaskError);
    expect(missingKey).toMatchObject({ kind: 'missing-key', originalName: 'MissingKeyError' });
    expect((missingKey as EngineTaskError).userMessage).toContain('REPLICATE_API_TOKEN');

    await expect(pool.checkProvider({ generator: 'openai', model: 'no-such-model' })).rejects.toMatchObject({ kind: 'provider', userMessage: expect.stringContaining('dall-e-3') });
    await expect(pool.checkProvider({ generator: 'shapes', model: 'dall-e-3' })).rejects.toMatchObject({ kind: 'invalid-input', userMessage: expect.stringContaining('shapes-world@1') });
    await expect(pool.checkProvider({ generator: 'shapes' })).resolves.toMatchObject({ modelId: 'shapes-world@1' });

    // Too few words in the captions of a simple picture for 12-word prompts.
    const tooLong = await pool
      .buildChallengePromptSpace({ targetPng: target, providerConfig: shapes, captions: 2, words: 16, promptLength: 12, seed: 1 })
      .catch((error: unknown) => error);
    expect(tooLong).toMatchObject({ kind: 'prompt-space', originalName: 'PromptSpaceError', userMessage: undefined });
  });

  it('maps provider errors to kinds and player-safe messages', () => {
    expect(toWireError(new SafetyRefusalError('openai', 'Your request was rejected by the safety system.'))).toMatchObject({
      kind: 'safety-refusal',
      userMessage: 'Your request was rejected by the safety system.',
    });
    expect(toWireError(new RateLimitError('replicate', 12_000))).toMatchObject({ kind: 'rate-limited', retryAfterMs: 12_000 });
    expect(toWireError(new BudgetExceededError('cost', 1, 1))).toMatchObject({ kind: 'budget', userMessage: 'Budget reached: $1.0000 of $1.00 spent.' });
    const internal = toWireError(new TypeError('cannot read x of undefined'));
    expect(internal).toMatchObject({ kind: 'internal', name: 'TypeError' });
    expect(internal.userMessage).toBeUndefined();
  });

  it('cancels a queued task when its signal aborts', async () => {
    const busy = Array.from({ length: 2 }, () => pool.evaluateGuess({ targetPng: target, prompt: 'red ball', providerConfig: shapes, k: 8, imageSize: 256 }));
    const controller = new AbortController();
    const queued = pool.evaluateGuess({ targetPng: target, prompt: 'red ball', providerConfig: shapes, k: 1, imageSize: 64 }, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ kind: 'cancelled' });
    await Promise.all(busy);
  });

  it('abandons a task past its time limit, replaces the thread, and keeps serving', async () => {
    const problems: string[] = [];
    const strict = createEngineThreads({ size: 1, env: offlineEngineEnv(modelsDir), taskTimeoutMs: 2000, onThreadProblem: (problem) => problems.push(problem.reason) });
    try {
      await strict.ready();
      const slow = strict.evaluateGuess({ targetPng: target, prompt: 'a red sphere', providerConfig: shapes, k: 48, imageSize: 2048 });
      await expect(slow).rejects.toMatchObject({ kind: 'timeout', userMessage: expect.stringContaining('took longer than') });
      const quick = await strict.evaluateGuess({ targetPng: target, prompt: 'a red sphere', providerConfig: shapes, k: 1, imageSize: 64 });
      expect(quick.similarities).toHaveLength(1);
      expect(strict.stats()).toMatchObject({ restarts: 1, failed: 1, completed: 1 });
      expect(problems).toEqual(['timed-out']);
    } finally {
      await strict.close();
    }
    await expect(strict.evaluateGuess({ targetPng: target, prompt: 'x', providerConfig: shapes, k: 1, imageSize: 64 })).rejects.toMatchObject({ kind: 'pool-closed' });
  });
});
