import { Image } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { dot } from '../../../src/engine/math/vectors.js';
import { ProviderError } from '../../../src/engine/providers/errors.js';
import { parsePrompt, ShapesEmbedder, ShapesGenerator, tokenizePrompt } from '../../../src/engine/providers/shapes/index.js';

const generator = new ShapesGenerator();
const embedder = new ShapesEmbedder();

async function draw(prompt: string, seed: number, size = 128): Promise<Uint8Array> {
  return (await generator.generate({ prompt, seed, width: size, height: size })).bytes;
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const image = new Image();
  image.src = Buffer.from(bytes);
  return { width: image.width, height: image.height };
}

describe('ShapesGenerator', () => {
  it('declares itself as a free, seeded, local model', () => {
    expect(generator.id).toBe('shapes');
    expect(generator.modelId).toBe('shapes-world@1');
    expect(generator.takesSeed).toBe(true);
    expect(generator.pricePerImage(1024, 1024)).toBe(0);
  });

  it('draws PNG bytes at the requested size, at no cost', async () => {
    const result = await generator.generate({ prompt: 'red sphere', seed: 1, width: 200, height: 120 });
    expect([...result.bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(pngSize(result.bytes)).toEqual({ width: 200, height: 120 });
    expect(result.modelId).toBe('shapes-world@1');
    expect(result.costUsd).toBe(0);
  });

  it('is deterministic in (prompt, seed) and varies with the seed', async () => {
    const a = await draw('blue cube on a yellow background', 42);
    const b = await draw('blue cube on a yellow background', 42);
    const c = await draw('blue cube on a yellow background', 43);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    // A different seed is the same picture, moved and lit a little differently.
    const [ea, ec] = await embedder.embedImages([a, c]);
    expect(dot(ea!, ec!)).toBeGreaterThan(0.85);
  });

  it('never fails on garbage prompts', async () => {
    const prompts = [
      '',
      '   ',
      '!!!???...,,,',
      '😀🎨🔴',
      '日本語の赤い球',
      'x'.repeat(10_000),
      'red '.repeat(3000),
      'constructor __proto__ toString hasOwnProperty',
      '\u0000\u0001\u200b',
      'sphere'.repeat(2000),
      '99 999999 -1 0.5 NaN',
    ];
    for (const prompt of prompts) {
      const bytes = await draw(prompt, 7, 64);
      expect(pngSize(bytes)).toEqual({ width: 64, height: 64 });
    }
  });

  it('accepts odd seeds (negative, huge, fractional) deterministically', async () => {
    for (const seed of [-5, 2 ** 40, 3.7, Number.NaN]) {
      const a = await draw('green star', seed, 64);
      const b = await draw('green star', seed, 64);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });

  it('lets unknown words change the image a little, deterministically', async () => {
    const plain = await draw('red sphere', 11, 256);
    const withWord = await draw('red sphere xylophone', 11, 256);
    const again = await draw('red sphere xylophone', 11, 256);
    const otherWord = await draw('red sphere banana', 11, 256);
    expect(Buffer.from(plain).equals(Buffer.from(withWord))).toBe(false);
    expect(Buffer.from(withWord).equals(Buffer.from(again))).toBe(true);
    expect(Buffer.from(withWord).equals(Buffer.from(otherWord))).toBe(false);
    const [p, w, o] = await embedder.embedImages([plain, withWord, otherWord]);
    for (const changed of [w!, o!]) {
      const similarity = dot(p!, changed);
      expect(similarity).toBeGreaterThan(0.9);
      expect(similarity).toBeLessThan(0.9999);
    }
  });

  it('rejects impossible sizes with a ProviderError', async () => {
    for (const [width, height] of [
      [0, 64],
      [64, 5000],
      [12.5, 64],
      [Number.NaN, 64],
    ] as const) {
      await expect(generator.generate({ prompt: 'red sphere', seed: 1, width, height })).rejects.toBeInstanceOf(ProviderError);
    }
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      generator.generate({ prompt: 'red sphere', seed: 1, width: 64, height: 64, signal: controller.signal }),
    ).rejects.toThrow();
  });
});

describe('prompt parsing', () => {
  it('binds adjectives to the next shape and reads background phrases', () => {
    const spec = parsePrompt('a small red sphere and a shiny blue cube on a yellow background');
    expect(spec.objects.map((o) => [o.shape, o.colour?.family, o.size, o.material])).toEqual([
      ['sphere', 'red', 0.65, null],
      ['cube', 'blue', null, 'shiny'],
    ]);
    expect(spec.background?.family).toBe('yellow');
    expect(parsePrompt('green background with a star').background?.family).toBe('green');
  });

  it('maps synonyms and plurals to shape classes, and counts', () => {
    expect(parsePrompt('ball').objects[0]).toMatchObject({ shape: 'sphere', variant: 'ball' });
    expect(parsePrompt('orb').objects[0]).toMatchObject({ shape: 'sphere', variant: 'orb' });
    expect(parsePrompt('boxes').objects[0]).toMatchObject({ shape: 'cube', count: { min: 2, max: 3 } });
    expect(parsePrompt('three donuts').objects[0]).toMatchObject({ shape: 'torus', count: { min: 3, max: 3 } });
    expect(parsePrompt('crimson egg').objects[0]?.colour?.family).toBe('red');
  });

  it('leaves the shape or the colour open when the prompt does', () => {
    expect(parsePrompt('red').objects).toEqual([expect.objectContaining({ shape: null, colour: expect.anything() })]);
    expect(parsePrompt('cube').objects).toEqual([expect.objectContaining({ shape: 'cube', colour: null })]);
    expect(parsePrompt('sphere red').objects[0]?.colour?.family).toBe('red');
  });

  it('keeps unknown words (for their small effect) and truncates like CLIP at 77 tokens', () => {
    expect(parsePrompt('red sphere banana 🙂').unknownWords).toEqual(['banana', '🙂']);
    expect(tokenizePrompt('word '.repeat(500))).toHaveLength(77);
  });
});
