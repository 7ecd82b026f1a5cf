import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorflow } from '../../../src/engine/policy/backend.js';
import type { TrainerCheckpoint } from '../../../src/engine/training/checkpoint.js';
import type { TrainerEvent } from '../../../src/engine/training/events.js';
import { MemoryGenerationCache } from '../../../src/engine/training/generationCache.js';
import type { HumanFeedbackSource } from '../../../src/engine/training/humanFeedback.js';
import { type Hyperparameters, resolveHyperparameters } from '../../../src/engine/training/hyperparameters.js';
import { ImageScorer } from '../../../src/engine/training/imageScorer.js';
import { ReinforceTrainer, type ReinforceTrainerOptions } from '../../../src/engine/training/reinforceTrainer.js';
import { ToyEmbedder, ToyGenerator, toyEmbedding } from '../../support/toyWorld.js';

const words = ['ball', 'red', 'blue', 'sphere', 'cube', 'white'];
const probabilities = words.map(() => 1 / words.length);
const target = toyEmbedding('red sphere', 12345);

beforeAll(async () => {
  await initTensorflow();
});

function setup(overrides: Partial<Hyperparameters>, extra: Partial<ReinforceTrainerOptions> = {}) {
  const h = resolveHyperparameters('efficient', { words: words.length, promptLength: 2, concurrency: 2, ...overrides });
  const generator = new ToyGenerator();
  const embedder = new ToyEmbedder();
  const cache = h.useCache ? new MemoryGenerationCache() : undefined;
  const scorer = new ImageScorer({ generator, embedder, targetEmbedding: target, size: 64, cache, concurrency: h.concurrency, maxImages: h.maxImages });
  const events: TrainerEvent[] = [];
  const trainer = new ReinforceTrainer({
    promptSpace: { words, probabilities },
    targetEmbedding: target,
    scorer,
    embedder,
    hyperparameters: h,
    preset: 'efficient',
    seed: 7,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { trainer, generator, events, scorer };
}

describe('ReinforceTrainer', () => {
  it('learns "red sphere" (either order) on the toy world with the efficient preset', async () => {
    const { trainer, events } = setup({ iterations: 30, earlyStopPatience: null });
    const result = await trainer.run();
    expect(new Set(result.words)).toEqual(new Set(['red', 'sphere']));
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)?.type).toBe('finished');
    const iterations = events.filter((e) => e.type === 'iteration-finished');
    expect(iterations).toHaveLength(30);
    // The policy concentrates: later iterations earn more than the first.
    const first = iterations[0];
    const last = iterations.at(-1);
    if (first?.type !== 'iteration-finished' || last?.type !== 'iteration-finished') throw new Error('unreachable');
    expect(last.meanFinalReward).toBeGreaterThan(first.meanFinalReward);
  });

  it('serves repeated prompts from the cache: far fewer generator calls than images scored', async () => {
    const { trainer, generator, events } = setup({ iterations: 5, earlyStopPatience: null });
    await trainer.run();
    const scored = events.filter((e) => e.type === 'image-generated');
    const cachedHits = scored.filter((e) => e.type === 'image-generated' && e.cached);
    expect(generator.calls.length).toBeLessThan(scored.length);
    expect(cachedHits.length).toBeGreaterThan(0);
    // Never two calls for the same (prompt, seed).
    const keys = generator.calls.map((c) => `${c.prompt}|${c.seed}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('generates an image per picked word without a cache in the paper preset', async () => {
    const h = resolveHyperparameters('paper', { words: words.length, iterations: 2, episodesPerIteration: 5 });
    const generator = new ToyGenerator();
    const embedder = new ToyEmbedder();
    const scorer = new ImageScorer({ generator, embedder, targetEmbedding: target, size: 64, concurrency: 1 });
    const result = await new ReinforceTrainer({
      promptSpace: { words, probabilities },
      targetEmbedding: target,
      scorer,
      embedder,
      hyperparameters: h,
      preset: 'paper',
      seed: 1,
    }).run();
    // 2 iterations × 5 episodes × 2 steps, plus one prefix image for the final greedy decoding.
    expect(generator.calls).toHaveLength(2 * 5 * 2 + 1);
    expect(result.words).toHaveLength(2);
  });

  it('resumes from a checkpoint to exactly the same policy and result as an uninterrupted run', async () => {
    const overrides = { iterations: 6, earlyStopPatience: null };
    const uninterrupted = await setup(overrides).trainer.run();

    const checkpoints: TrainerCheckpoint[] = [];
    const controller = new AbortController();
    const first = setup(overrides, {
      signal: controller.signal,
      onCheckpoint: async (c) => {
        checkpoints.push(structuredClone(c));
        if (c.completedIterations === 2) controller.abort();
      },
    });
    const partial = await first.trainer.run();
    expect(partial.reason).toBe('cancelled');
    const saved = JSON.parse(JSON.stringify(checkpoints.at(-1))) as TrainerCheckpoint;
    expect(saved.completedIterations).toBe(2);

    const resumed = await setup(overrides, { resumeFrom: saved }).trainer.run();
    expect(resumed.prompt).toBe(uninterrupted.prompt);
    expect(resumed.history.map((s) => s.meanFinalReward)).toEqual(uninterrupted.history.map((s) => s.meanFinalReward));
    expect(resumed.checkpoint.policy.weights).toEqual(uninterrupted.checkpoint.policy.weights);
    expect(resumed.generationsUsed).toBe(uninterrupted.generationsUsed);
  });

  it('stops early once the greedy prompt stops improving', async () => {
    const { trainer } = setup({ iterations: 50, earlyStopPatience: 2 });
    const result = await trainer.run();
    expect(result.reason).toBe('early-stop');
    expect(result.iterations).toBeLessThan(50);
  });

  it('stops with status "budget" when the image cap is reached, without exceeding it', async () => {
    const { trainer, generator } = setup({ iterations: 20, maxImages: 7, earlyStopPatience: null });
    const result = await trainer.run();
    expect(result.reason).toBe('budget');
    expect(generator.calls.length).toBe(7);
  });

  it('mixes human scores into the reward and never waits past the window', async () => {
    const votes: HumanFeedbackSource = {
      // People love blue; they answer at once for prompts with "blue" and never otherwise.
      scoreFor: (request, signal) =>
        request.prompt.includes('blue')
          ? Promise.resolve(1)
          : new Promise((resolve) => signal.addEventListener('abort', () => resolve(null))),
    };
    const started = Date.now();
    const { trainer, events } = setup(
      { iterations: 2, episodesPerIteration: 4, humanFeedbackWeight: 0.5, humanFeedbackWindowMs: 30, earlyStopPatience: null },
      { humanFeedback: votes },
    );
    await trainer.run();
    expect(Date.now() - started).toBeLessThan(10_000);
    const steps = events.filter((e): e is Extract<TrainerEvent, { type: 'step-rewarded' }> => e.type === 'step-rewarded');
    const withBlue = steps.filter((e) => e.prompt.includes('blue'));
    const without = steps.filter((e) => !e.prompt.includes('blue'));
    expect(withBlue.length + without.length).toBeGreaterThan(0);
    for (const e of withBlue) expect(e.reward).toBeCloseTo(0.5 * e.similarity + 0.5, 6);
    for (const e of without) {
      expect(e.humanScore).toBeNull();
      expect(e.reward).toBe(e.similarity);
    }
  });

  it('cancels within one episode when the signal aborts', async () => {
    const controller = new AbortController();
    const events: TrainerEvent[] = [];
    const { trainer } = setup(
      { iterations: 50, earlyStopPatience: null },
      {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'image-generated') controller.abort();
        },
      },
    );
    const result = await trainer.run();
    expect(result.reason).toBe('cancelled');
    expect(result.iterations, JSON.stringify(events.map((e) => e.type))).toBe(0);
    expect(events.filter((e) => e.type === 'iteration-finished')).toHaveLength(0);
  });
});
