import { describe, expect, it } from 'vitest';
import {
  type BaselineContext,
  exhaustiveBaseline,
  greedyBaseline,
  orderedPromptCount,
  orderedPrompts,
  randomSearchBaseline,
} from '../../../src/engine/baselines/baselines.js';
import { evaluatePrompt, evaluationSeeds } from '../../../src/engine/baselines/evaluate.js';
import { MemoryGenerationCache } from '../../../src/engine/training/generationCache.js';
import { ImageScorer } from '../../../src/engine/training/imageScorer.js';
import { TRAINING_SEED_LIMIT } from '../../../src/engine/training/reinforceTrainer.js';
import { ToyEmbedder, ToyGenerator, toyEmbedding } from '../../support/toyWorld.js';

const words = ['ball', 'red', 'blue', 'sphere', 'cube'];
const target = toyEmbedding('red sphere', 5);

function context(generator = new ToyGenerator()): BaselineContext {
  const cache = new MemoryGenerationCache();
  return {
    promptSpace: { captions: ['a red ball', 'a blue cube'], candidates: [], words, probabilities: [0.3, 0.25, 0.2, 0.15, 0.1] },
    promptLength: 2,
    embedder: new ToyEmbedder(),
    targetEmbedding: target,
    evaluationSeeds: evaluationSeeds(4),
    newScorer: () => new ImageScorer({ generator, embedder: new ToyEmbedder(), targetEmbedding: target, size: 64, cache, concurrency: 2 }),
  };
}

describe('baselines', () => {
  it('counts and enumerates ordered prompts of distinct words', () => {
    expect(orderedPromptCount(8, 3)).toBe(336);
    expect(orderedPromptCount(4, 2)).toBe(12);
    const all = [...orderedPrompts(words, 2)].map((w) => w.join(' '));
    expect(all).toHaveLength(20);
    expect(new Set(all).size).toBe(20);
    expect(all.every((p) => p.split(' ')[0] !== p.split(' ')[1])).toBe(true);
  });

  it('uses evaluation seeds that training never draws', () => {
    expect(evaluationSeeds(4).every((s) => s >= TRAINING_SEED_LIMIT)).toBe(true);
  });

  it('evaluates with mean ± sd over K images', async () => {
    const ctx = context();
    const e = await evaluatePrompt(ctx.newScorer(), 'red sphere', ctx.evaluationSeeds);
    expect(e.similarities).toHaveLength(4);
    expect(e.mean).toBeGreaterThan(0.9);
    expect(e.sd).toBeGreaterThan(0);
  });

  it('greedy takes the T most probable words in order (the paper, experiment 2)', async () => {
    expect((await greedyBaseline(context())).prompt).toBe('ball red');
  });

  it('exhaustive search finds the best ordered prompt and costs P!/(P−T)! × K images', async () => {
    const result = await exhaustiveBaseline(context(), { maxPrompts: 100 });
    expect(new Set(result?.prompt.split(' '))).toEqual(new Set(['red', 'sphere']));
    expect(result?.generationsUsed).toBe(20 * 4);
    expect(await exhaustiveBaseline(context(), { maxPrompts: 19 })).toBeUndefined();
  });

  it('random search stays within its image budget', async () => {
    const generator = new ToyGenerator();
    const result = await randomSearchBaseline(context(generator), { budget: 6, seedsPerPrompt: 2, seed: 1 });
    expect(result.generationsUsed).toBe(6);
    expect(result.note).toBe('3 prompts');
  });
});
