import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskGenerationCache, LayeredGenerationCache, generationKey } from '../../../src/engine/training/generationCache.js';
import { ImageScorer } from '../../../src/engine/training/imageScorer.js';
import { ToyEmbedder, ToyGenerator, toyEmbedding } from '../../support/toyWorld.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const parts = { generator: 'toy', model: 'toy@1', prompt: 'red sphere', seed: 1, width: 64, height: 64 };

describe('generation cache', () => {
  it('keys on every part of (generator, model, prompt, seed, size)', () => {
    const base = generationKey(parts);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [{ generator: 'x' }, { model: 'toy@2' }, { prompt: 'red ball' }, { seed: 2 }, { width: 65 }, { height: 65 }]) {
      expect(generationKey({ ...parts, ...change })).not.toBe(base);
    }
  });

  it('keeps images on disk across runs: a second scorer makes no generator call', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-cache-'));
    dirs.push(dir);
    const target = toyEmbedding('red sphere');
    const first = new ToyGenerator();
    const scorerA = new ImageScorer({ generator: first, embedder: new ToyEmbedder(), targetEmbedding: target, size: 64, cache: new LayeredGenerationCache(new DiskGenerationCache(dir)), concurrency: 2 });
    const a = await scorerA.score('red sphere', 7);
    await scorerA.score('red sphere', 7);
    expect(first.calls).toHaveLength(1);

    const second = new ToyGenerator();
    const scorerB = new ImageScorer({ generator: second, embedder: new ToyEmbedder(), targetEmbedding: target, size: 64, cache: new DiskGenerationCache(dir), concurrency: 2 });
    const b = await scorerB.score('red sphere', 7);
    expect(second.calls).toHaveLength(0);
    expect(b.cached).toBe(true);
    expect(Buffer.from(b.image.bytes).equals(Buffer.from(a.image.bytes))).toBe(true);
    expect(b.similarity).toBeCloseTo(a.similarity, 10);
    expect(scorerB.usage).toEqual({ uniqueImages: 1, generatorCalls: 0, costUsd: 0 });
    // No temporary files are left behind.
    const shard = (await readdir(dir))[0] as string;
    expect((await readdir(path.join(dir, shard))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('shares one generation between concurrent requests for the same image', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-cache-'));
    dirs.push(dir);
    const generator = new ToyGenerator(20);
    const scorer = new ImageScorer({ generator, embedder: new ToyEmbedder(), targetEmbedding: toyEmbedding('x'), size: 64, cache: new LayeredGenerationCache(new DiskGenerationCache(dir)), concurrency: 4 });
    await Promise.all([scorer.score('a', 1), scorer.score('a', 1), scorer.score('a', 1)]);
    expect(generator.calls).toHaveLength(1);
  });

  it('stops a run at its cost cap before the call that would exceed it', async () => {
    const generator = new ToyGenerator(0, 0.04);
    const scorer = new ImageScorer({ generator, embedder: new ToyEmbedder(), targetEmbedding: toyEmbedding('x'), size: 64, concurrency: 1, maxCostUsd: 0.1 });
    await scorer.score('a', 1);
    await scorer.score('b', 1);
    await expect(scorer.score('c', 1)).rejects.toThrow(/Budget reached/);
    expect(generator.calls).toHaveLength(2);
    expect(scorer.usage.costUsd).toBeCloseTo(0.08);
  });
});
