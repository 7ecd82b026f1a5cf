/**
 * TransformersClipEmbedder against a real (tiny) CLIP-format model, loaded
 * and run by the library's own classes and onnxruntime, offline throughout.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AutoConfig, CLIPTextModelWithProjection, ModelFileNotFoundError } from '@huggingface/transformers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dot } from '../../../src/engine/math/vectors.js';
import { ProviderError } from '../../../src/engine/providers/errors.js';
import { clipModelFiles, ModelNotAvailableError, TransformersClipEmbedder } from '../../../src/engine/providers/transformers/index.js';
import { loadFromModelStore, resolveModelStore } from '../../../src/engine/providers/transformers/modelStore.js';
import {
  buildTinyClip,
  TINY_CLIP_DIMENSIONS,
  TINY_CLIP_MAX_TOKENS,
  TINY_CLIP_MODEL,
  TINY_CLIP_VOCABULARY,
  tinyClipTokenRows,
} from '../../support/tinyClip/buildTinyClip.js';
import { guardNetwork, type NetworkGuard } from './networkGuard.js';

type Rgb = { r: number; g: number; b: number };
const COLOURS: Record<string, Rgb> = {
  red: { r: 255, g: 0, b: 0 },
  green: { r: 0, g: 255, b: 0 },
  blue: { r: 0, g: 0, b: 255 },
  white: { r: 255, g: 255, b: 255 },
  black: { r: 0, g: 0, b: 0 },
};

function solidPng(colour: Rgb, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

function normalised(values: ArrayLike<number>): number[] {
  const squares = Array.from(values).reduce((sum, x) => sum + x * x, 0);
  return Array.from(values, (x) => x / Math.sqrt(squares));
}

/** What the tiny model should output for a text, computed here from the weight table, not through the library. */
function expectedTextEmbedding(words: readonly string[]): number[] {
  const rows = tinyClipTokenRows();
  const ids = ['<|startoftext|>', ...words.map((w) => (TINY_CLIP_VOCABULARY.includes(w) ? w : '<|unk|>')), '<|endoftext|>']
    .slice(0, TINY_CLIP_MAX_TOKENS)
    .map((token) => TINY_CLIP_VOCABULARY.indexOf(token));
  const sum = new Array<number>(TINY_CLIP_DIMENSIONS).fill(0);
  for (const id of ids) {
    for (const [d, x] of (rows[id] ?? []).entries()) sum[d] = (sum[d] as number) + x;
  }
  return normalised(sum);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs((actual[i] as number) - (expected[i] as number))).toBeLessThan(tolerance);
}

let workDir: string;
let cacheDir: string;
let network: NetworkGuard;
let embedder: TransformersClipEmbedder;
const pngs: Record<string, Buffer> = {};

beforeAll(async () => {
  network = guardNetwork();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-clip-'));
  cacheDir = path.join(workDir, 'models');
  await buildTinyClip(cacheDir);
  for (const [name, colour] of Object.entries(COLOURS)) pngs[name] = await solidPng(colour);
  embedder = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true });
});

afterAll(async () => {
  network.restore();
  await rm(workDir, { recursive: true, force: true });
});

describe('TransformersClipEmbedder on a tiny CLIP-format model (offline)', () => {
  it('takes its id from the model and its size from config.json projection_dim', () => {
    expect(embedder.id).toBe(`clip:${TINY_CLIP_MODEL}`);
    expect(embedder.dimensions).toBe(TINY_CLIP_DIMENSIONS);
  });

  it('embeds texts in one padded batch: shape, unit norm, and exactly the masked sum of token rows', async () => {
    const texts = ['red', 'A photo of a BLUE circle', 'green square on white, zebra', ''];
    const vectors = await embedder.embedTexts(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(TINY_CLIP_DIMENSIONS);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // Lower-casing, whitespace/punctuation splitting and unknown words go through the real tokenizer.
    expectClose(vectors[0]!, expectedTextEmbedding(['red']));
    expectClose(vectors[1]!, expectedTextEmbedding(['a', 'photo', 'of', 'a', 'blue', 'circle']));
    expectClose(vectors[2]!, expectedTextEmbedding(['green', 'square', 'on', 'white', ',', 'zebra']));
    expectClose(vectors[3]!, expectedTextEmbedding([]));
  });

  it('truncates texts longer than model_max_length instead of failing', async () => {
    const words = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'red' : 'circle'));
    const [vector] = await embedder.embedTexts([words.join(' ')]);
    expectClose(vector!, expectedTextEmbedding(words));
  });

  it('is deterministic, and a batch equals one-by-one (texts of different lengths, chunked batches)', async () => {
    const texts = ['red', 'a large blue star on a black background', 'white', 'photo of a small green triangle', 'picture'];
    const first = await embedder.embedTexts(texts);
    const again = await embedder.embedTexts(texts);
    expect(again).toEqual(first);
    const oneByOne: Float32Array[] = [];
    for (const text of texts) oneByOne.push(...(await embedder.embedTexts([text])));
    const chunked = await new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true, textBatchSize: 2 }).embedTexts(texts);
    texts.forEach((_, i) => {
      expectClose(oneByOne[i]!, first[i]!, 1e-6);
      expectClose(chunked[i]!, first[i]!, 1e-6);
    });
  });

  it('embeds images through the CLIP processor: unit vectors of the normalised mean colour', async () => {
    const [red] = await embedder.embedImages([pngs.red!]);
    expect(red).toHaveLength(TINY_CLIP_DIMENSIONS);
    expect(norm(red!)).toBeCloseTo(1, 5);
    // CLIP normalisation of pure red: ((1 − mean) / std, (0 − mean) / std, (0 − mean) / std).
    const channels = [(1 - 0.48145466) / 0.26862954, (0 - 0.4578275) / 0.26130258, (0 - 0.40821073) / 0.27577711];
    expectClose(red!, normalised([...channels, ...new Array(TINY_CLIP_DIMENSIONS - 3).fill(0)]), 1e-4);
  });

  it('decodes JPEG and WebP too, and a batch of images equals one-by-one, deterministically', async () => {
    const jpeg = await sharp(pngs.green!).jpeg({ quality: 95 }).toBuffer();
    const webp = await sharp(pngs.blue!).webp({ lossless: true }).toBuffer();
    const images = [pngs.red!, jpeg, webp, pngs.white!, pngs.black!];
    const small = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true, imageBatchSize: 2 });
    const batched = await small.embedImages(images);
    const wholeBatch = await embedder.embedImages(images);
    const again = await embedder.embedImages(images);
    expect(again).toEqual(wholeBatch);
    for (const [i, image] of images.entries()) {
      const [alone] = await embedder.embedImages([image]);
      expectClose(alone!, wholeBatch[i]!, 1e-6);
      expectClose(batched[i]!, wholeBatch[i]!, 1e-6);
    }
  });

  it('puts each colour word closest to the image of that colour (the joint space means something)', async () => {
    const names = Object.keys(COLOURS);
    const words = await embedder.embedTexts(names);
    const images = await embedder.embedImages(names.map((name) => pngs[name]!));
    images.forEach((image, i) => {
      const similarities = words.map((word) => dot(word, image));
      expect(similarities.indexOf(Math.max(...similarities))).toBe(i);
    });
    const [red, blue] = await embedder.embedTexts(['a photo of a red square', 'a photo of a blue square']);
    expect(dot(red!, images[0]!)).toBeGreaterThan(dot(blue!, images[0]!) + 0.5);
  });

  it('returns [] for no inputs, and rejects undecodable bytes naming the image', async () => {
    expect(await embedder.embedTexts([])).toEqual([]);
    expect(await embedder.embedImages([])).toEqual([]);
    const garbage = new TextEncoder().encode('not an image at all');
    const failure = embedder.embedImages([pngs.red!, garbage]);
    await expect(failure).rejects.toBeInstanceOf(ProviderError);
    await expect(failure).rejects.toThrow(/image 1 could not be decoded/);
  });

  it('loads once for concurrent first callers, through the library classes', async () => {
    const spy = vi.spyOn(CLIPTextModelWithProjection, 'from_pretrained');
    try {
      const fresh = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true });
      const [texts, images, more] = await Promise.all([
        fresh.embedTexts(['red']),
        fresh.embedImages([pngs.red!]),
        fresh.embedTexts(['blue']),
      ]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(texts).toHaveLength(1);
      expect(images).toHaveLength(1);
      expect(more).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embedTexts(['red'], controller.signal)).rejects.toThrow(/abort/i);
  });

  it('refuses a model whose projection_dim differs from the configured dimensions', async () => {
    const wrong = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir, offline: true, dimensions: 512 });
    expect(wrong.dimensions).toBe(512);
    await expect(wrong.embedTexts(['red'])).rejects.toThrow(/projection_dim is 16.*512 dimensions/);
  });
});

describe('offline with model files missing', () => {
  it('names the missing vision model file and how to get it, then recovers once the file is there', async () => {
    const partialCache = path.join(workDir, 'partial');
    const source = path.join(cacheDir, ...TINY_CLIP_MODEL.split('/'));
    const target = path.join(partialCache, ...TINY_CLIP_MODEL.split('/'));
    await cp(source, target, { recursive: true });
    await rm(path.join(target, 'onnx', 'vision_model.onnx'));

    const partial = new TransformersClipEmbedder({ model: TINY_CLIP_MODEL, cacheDir: partialCache, offline: true });
    const error: unknown = await partial.embedTexts(['red']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableError);
    const missing = error as ModelNotAvailableError;
    expect(missing.missingFiles).toEqual(['onnx/vision_model.onnx']);
    expect(missing.message).not.toMatch(/\n/);
    expect(missing.message).toContain('onnx/vision_model.onnx');
    expect(missing.message).toContain(`imageprompt models pull ${TINY_CLIP_MODEL}`);
    expect(missing.message).toContain(target);
    expect(missing.provider).toBe(`clip:${TINY_CLIP_MODEL}`);

    await cp(path.join(source, 'onnx', 'vision_model.onnx'), path.join(target, 'onnx', 'vision_model.onnx'));
    const [vector] = await partial.embedImages([pngs.red!]);
    expect(vector).toHaveLength(TINY_CLIP_DIMENSIONS);
  });

  it('lists every file of an empty cache folder, and defaults to 512 dimensions without a config', async () => {
    const emptyCache = await mkdtemp(path.join(workDir, 'empty-'));
    const absent = new TransformersClipEmbedder({ cacheDir: emptyCache, offline: true });
    expect(absent.id).toBe('clip:Xenova/clip-vit-base-patch32');
    expect(absent.dimensions).toBe(512);
    const error: unknown = await absent.embedImages([pngs.red!]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableError);
    expect((error as ModelNotAvailableError).missingFiles).toEqual(clipModelFiles('fp32'));
    expect((error as ModelNotAvailableError).missingFile).toBe('config.json');
    expect((error as Error).message).toContain('imageprompt models pull Xenova/clip-vit-base-patch32');
    expect(clipModelFiles('q8')).toContain('onnx/vision_model_quantized.onnx');
  });

  it("translates the library's own missing-file error into ModelNotAvailableError", async () => {
    const store = resolveModelStore({ cacheDir: await mkdtemp(path.join(workDir, 'bare-')), offline: true });
    let libraryError: unknown;
    const error: unknown = await loadFromModelStore(store, 'test', 'someone/absent-model', [], async (options) => {
      try {
        return await AutoConfig.from_pretrained('someone/absent-model', options);
      } catch (e) {
        libraryError = e;
        throw e;
      }
    }).catch((e: unknown) => e);
    expect(libraryError).toBeInstanceOf(ModelFileNotFoundError);
    expect(error).toBeInstanceOf(ModelNotAvailableError);
    expect((error as ModelNotAvailableError).missingFiles).toEqual(['config.json']);
  });

  it('never touched the network', () => {
    expect(network.attempts).toEqual([]);
  });
});
