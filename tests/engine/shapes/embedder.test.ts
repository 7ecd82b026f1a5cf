import { describe, expect, it } from 'vitest';
import { dot, mean } from '../../../src/engine/math/vectors.js';
import { ProviderError } from '../../../src/engine/providers/errors.js';
import { ShapesEmbedder, ShapesGenerator } from '../../../src/engine/providers/shapes/index.js';

const generator = new ShapesGenerator();
const embedder = new ShapesEmbedder();

/** Seeds no part of the shapes world uses internally: the targets are "unseen". */
const TARGET_SEEDS = [101, 202];
const OTHER_SEEDS = [303, 404];

async function imageEmbeddings(prompt: string, seeds: readonly number[], size = 256): Promise<Float32Array[]> {
  const images = await Promise.all(
    seeds.map(async (seed) => (await generator.generate({ prompt, seed, width: size, height: size })).bytes),
  );
  return embedder.embedImages(images);
}

function meanScore(targets: readonly Float32Array[], candidates: readonly Float32Array[]): number {
  return mean(targets.flatMap((t) => candidates.map((c) => dot(t, c))));
}

async function textScore(targets: readonly Float32Array[], text: string): Promise<number> {
  const [embedding] = await embedder.embedTexts([text]);
  return meanScore(targets, [embedding!]);
}

/** Hidden prompt, then prompts with one wrong colour or one wrong shape (near confusions included). */
const CASES: readonly { hidden: string; wrong: readonly string[] }[] = [
  { hidden: 'red sphere', wrong: ['orange sphere', 'pink sphere', 'blue sphere', 'red egg', 'red cube', 'red heart'] },
  { hidden: 'blue cube', wrong: ['cyan cube', 'purple cube', 'red cube', 'blue sphere', 'blue pyramid', 'blue cylinder'] },
  { hidden: 'green pyramid', wrong: ['yellow pyramid', 'cyan pyramid', 'green cone', 'green cube', 'green star'] },
  { hidden: 'yellow star', wrong: ['orange star', 'green star', 'yellow heart', 'yellow sphere'] },
  { hidden: 'purple cone', wrong: ['blue cone', 'pink cone', 'purple pyramid', 'purple cylinder'] },
  { hidden: 'orange cylinder', wrong: ['red cylinder', 'yellow cylinder', 'brown cylinder', 'orange cube', 'orange cone'] },
  { hidden: 'pink heart', wrong: ['red heart', 'purple heart', 'pink sphere', 'pink star'] },
  { hidden: 'cyan torus', wrong: ['blue torus', 'green torus', 'cyan sphere', 'cyan cube'] },
  { hidden: 'brown egg', wrong: ['orange egg', 'black egg', 'brown sphere', 'brown cylinder'] },
  { hidden: 'black cube', wrong: ['gray cube', 'blue cube', 'black sphere', 'black pyramid'] },
  {
    hidden: 'white sphere on a black background',
    wrong: ['gray sphere on a black background', 'white sphere on a blue background', 'white cube on a black background'],
  },
  { hidden: 'two red cubes', wrong: ['two blue cubes', 'two red spheres', 'two red cones'] },
];

describe('ShapesEmbedder', () => {
  it('returns unit-length 512-d vectors for images and texts', async () => {
    expect(embedder.dimensions).toBe(512);
    const [image] = await imageEmbeddings('red sphere', [1], 128);
    const texts = await embedder.embedTexts(['red sphere', '', '!!!', 'x'.repeat(10_000)]);
    for (const v of [image!, ...texts]) {
      expect(v).toHaveLength(512);
      expect(dot(v, v)).toBeCloseTo(1, 5);
    }
  });

  it('ranks the hidden prompt above every wrong colour and wrong shape, from text and from images', async () => {
    for (const { hidden, wrong } of CASES) {
      const targets = await imageEmbeddings(hidden, TARGET_SEEDS);
      const hiddenText = await textScore(targets, hidden);
      const hiddenImages = meanScore(targets, await imageEmbeddings(hidden, OTHER_SEEDS));
      for (const prompt of wrong) {
        const text = await textScore(targets, prompt);
        const images = meanScore(targets, await imageEmbeddings(prompt, OTHER_SEEDS));
        expect(hiddenText, `${hidden} vs ${prompt} (text)`).toBeGreaterThan(text + 0.03);
        expect(hiddenImages, `${hidden} vs ${prompt} (images)`).toBeGreaterThan(images + 0.02);
      }
    }
  });

  it('scores synonyms within 0.05 of each other, well above wrong prompts', async () => {
    const sphere = await imageEmbeddings('red sphere', TARGET_SEEDS);
    const sphereScores = await Promise.all(['red sphere', 'red ball', 'red orb'].map((p) => textScore(sphere, p)));
    expect(Math.max(...sphereScores) - Math.min(...sphereScores)).toBeLessThan(0.05);
    expect(Math.min(...sphereScores)).toBeGreaterThan((await textScore(sphere, 'red egg')) + 0.1);

    const cube = await imageEmbeddings('blue cube', TARGET_SEEDS);
    const cubeScores = await Promise.all(['blue cube', 'blue box', 'blue block'].map((p) => textScore(cube, p)));
    expect(Math.max(...cubeScores) - Math.min(...cubeScores)).toBeLessThan(0.05);
    expect(Math.min(...cubeScores)).toBeGreaterThan((await textScore(cube, 'blue sphere')) + 0.1);
  });

  it('puts images of "red sphere" slightly above images of "red ball", as in the paper', async () => {
    const targets = await imageEmbeddings('red sphere', TARGET_SEEDS);
    const seeds = Array.from({ length: 10 }, (_, i) => 500 + i);
    const sphere = meanScore(targets, await imageEmbeddings('red sphere', seeds));
    const ball = meanScore(targets, await imageEmbeddings('red ball', seeds));
    expect(sphere).toBeGreaterThan(ball + 0.01);
    expect(sphere - ball).toBeLessThan(0.12);
  });

  it('scores the right single words above the wrong ones for a red sphere', async () => {
    const targets = await imageEmbeddings('red sphere', TARGET_SEEDS);
    const right = await Promise.all(['red', 'sphere', 'ball'].map((w) => textScore(targets, w)));
    const wrong = await Promise.all(['blue', 'cube', 'background'].map((w) => textScore(targets, w)));
    expect(Math.min(...right)).toBeGreaterThan(Math.max(...wrong));
  });

  it('gives same-prompt images high similarity and grades partial matches between match and mismatch', async () => {
    const targets = await imageEmbeddings('red sphere', TARGET_SEEDS);
    const score = async (prompt: string) => meanScore(targets, await imageEmbeddings(prompt, OTHER_SEEDS));
    const same = await score('red sphere');
    const rightColour = await score('red cube');
    const rightShape = await score('blue sphere');
    const nearColour = await score('orange sphere');
    const neither = await score('blue cube');
    expect(same).toBeGreaterThan(0.85);
    expect(same).toBeLessThan(0.98);
    for (const partial of [rightColour, rightShape]) {
      expect(partial).toBeLessThan(same - 0.1);
      expect(partial).toBeGreaterThan(neither + 0.1);
    }
    expect(nearColour).toBeGreaterThan(rightShape);
  });

  it('caches text embeddings per token sequence', async () => {
    const [a] = await embedder.embedTexts(['Red Sphere!']);
    const [b] = await embedder.embedTexts(['red sphere']);
    expect(b).toBe(a);
  });

  it('rejects bytes that are not an image with a ProviderError', async () => {
    await expect(embedder.embedImages([new Uint8Array([1, 2, 3, 4])])).rejects.toBeInstanceOf(ProviderError);
  });

  it('embeds a batch of 256² images quickly', async () => {
    const images = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => (await generator.generate({ prompt: 'green pyramid', seed: i, width: 256, height: 256 })).bytes),
    );
    await embedder.embedImages(images.slice(0, 4));
    const started = performance.now();
    await embedder.embedImages(images);
    // Target ≤ 5 ms per image; the bound is loose because the test machine is shared.
    expect((performance.now() - started) / images.length).toBeLessThan(25);
  });
});
