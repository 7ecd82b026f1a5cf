/**
 * TransformersCaptioner through the library's real `image-to-text` pipeline,
 * on a tiny vision-encoder-decoder model (a colour-aware bigram grammar, see
 * buildTinyCaptioner), offline throughout. The default ViT-GPT2 model cannot
 * be downloaded here; only its file list and missing-file error are tested.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captionGenerationOptions,
  captionModelFiles,
  ModelNotAvailableError,
  TransformersCaptioner,
} from '../../../src/engine/providers/transformers/index.js';
import { buildTinyCaptioner, TINY_CAPTIONER_MODEL } from '../../support/tinyClip/buildTinyCaptioner.js';
import { guardNetwork, type NetworkGuard } from './networkGuard.js';

const RED_CAPTION = /^a (small |big )?red (square|circle|shape)$/;

let workDir: string;
let cacheDir: string;
let network: NetworkGuard;
let captioner: TransformersCaptioner;
let red: Buffer;
let blue: Buffer;

beforeAll(async () => {
  network = guardNetwork();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'imageprompt-caption-'));
  cacheDir = path.join(workDir, 'models');
  await buildTinyCaptioner(cacheDir);
  red = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .png()
    .toBuffer();
  blue = await sharp({ create: { width: 30, height: 40, channels: 3, background: { r: 0, g: 0, b: 255 } } })
    .jpeg()
    .toBuffer();
  captioner = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir, offline: true });
});

afterAll(async () => {
  network.restore();
  await rm(workDir, { recursive: true, force: true });
});

describe('TransformersCaptioner on a tiny vision-encoder-decoder model (offline)', () => {
  it('returns n distinct captions of the image: the greedy one first, then seeded samples', async () => {
    const captions = await captioner.caption(red, 5, { seed: 1 });
    expect(captions).toHaveLength(5);
    expect(new Set(captions).size).toBe(5);
    expect(captions[0]).toBe('a red square');
    for (const caption of captions) expect(caption).toMatch(RED_CAPTION);
    const blueCaptions = await captioner.caption(blue, 3, { seed: 1 });
    for (const caption of blueCaptions) expect(caption).toMatch(/^a (small |big )?blue (square|circle|shape)$/);
  });

  it('gives the same captions for the same seed and different ones for another seed', async () => {
    const first = await captioner.caption(red, 5, { seed: 7 });
    expect(await captioner.caption(red, 5, { seed: 7 })).toEqual(first);
    const others = await Promise.all([1, 2, 3].map((seed) => captioner.caption(red, 5, { seed })));
    expect(others.some((captions) => captions.join('|') !== first.join('|'))).toBe(true);
  });

  it('keeps seeded results intact when callers overlap', async () => {
    const alone = [await captioner.caption(red, 4, { seed: 11 }), await captioner.caption(blue, 4, { seed: 12 })];
    const together = await Promise.all([captioner.caption(red, 4, { seed: 11 }), captioner.caption(blue, 4, { seed: 12 })]);
    expect(together).toEqual(alone);
  });

  it('repeats distinct captions in order when the model cannot give n different ones', async () => {
    // The grammar allows 9 red captions; asking for 12 with one draw each must pad.
    const few = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir, offline: true, drawsPerCaption: 1 });
    const captions = await few.caption(red, 12, { seed: 3 });
    expect(captions).toHaveLength(12);
    const distinct = [...new Set(captions)];
    expect(distinct.length).toBeLessThan(12);
    for (const [i, caption] of captions.entries()) expect(caption).toBe(distinct[i % distinct.length]);
  });

  it('passes top_k and max_new_tokens to generation (top_k 1 samples the greedy caption every time)', async () => {
    const greedyOnly = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir, offline: true, topK: 1 });
    expect(await greedyOnly.caption(red, 3, { seed: 5 })).toEqual(['a red square', 'a red square', 'a red square']);
    const short = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir, offline: true, maxNewTokens: 2 });
    const [caption] = await short.caption(red, 1);
    expect(caption).toBe('a red');
  });

  it('returns [] for n = 0 without loading, and rejects a bad n, bad options and undecodable bytes', async () => {
    const absent = new TransformersCaptioner({ cacheDir: path.join(workDir, 'nowhere'), offline: true });
    expect(await absent.caption(red, 0)).toEqual([]);
    await expect(captioner.caption(red, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(captioner.caption(red, 1.5)).rejects.toBeInstanceOf(RangeError);
    expect(() => new TransformersCaptioner({ topK: 0 })).toThrow(RangeError);
    expect(() => new TransformersCaptioner({ temperature: 0 })).toThrow(RangeError);
    await expect(captioner.caption(new TextEncoder().encode('no image'), 2)).rejects.toThrow(/could not be decoded/);
  });
});

describe('caption generation options', () => {
  it('are greedy for the first caption and top-k sampling at the temperature after', () => {
    const { sampling } = new TransformersCaptioner({ maxNewTokens: 30, topK: 20, temperature: 0.7 });
    expect(captionGenerationOptions(sampling, false)).toEqual({ max_new_tokens: 30, do_sample: false });
    expect(captionGenerationOptions(sampling, true)).toEqual({ max_new_tokens: 30, do_sample: true, top_k: 20, temperature: 0.7 });
  });

  it('default to ViT-GPT2 in fp32 with moderate sampling', () => {
    const defaults = new TransformersCaptioner();
    expect(defaults.id).toBe('caption:Xenova/vit-gpt2-image-captioning');
    expect(defaults.sampling).toEqual({ maxNewTokens: 24, topK: 40, temperature: 1, drawsPerCaption: 3 });
    expect(captionModelFiles('fp32')).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'preprocessor_config.json',
      'onnx/encoder_model.onnx',
      'onnx/decoder_model_merged.onnx',
    ]);
    expect(captionModelFiles('q8')).toContain('onnx/decoder_model_merged_quantized.onnx');
  });
});

describe('offline with model files missing', () => {
  it('names every file of the default model missing from an empty cache folder, on one line', async () => {
    const emptyCache = await mkdtemp(path.join(workDir, 'empty-'));
    const error: unknown = await new TransformersCaptioner({ cacheDir: emptyCache, offline: true }).caption(red, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableError);
    const missing = error as ModelNotAvailableError;
    expect(missing.missingFiles).toEqual(captionModelFiles('fp32'));
    expect(missing.missingFile).toBe('config.json');
    expect(missing.message).not.toMatch(/\n/);
    expect(missing.message).toContain('imageprompt models pull Xenova/vit-gpt2-image-captioning');
    expect(missing.message).toContain(path.join(emptyCache, 'Xenova', 'vit-gpt2-image-captioning'));
  });

  it('names the one missing decoder file, then recovers once it is copied in', async () => {
    const partialCache = path.join(workDir, 'partial');
    const source = path.join(cacheDir, ...TINY_CAPTIONER_MODEL.split('/'));
    const target = path.join(partialCache, ...TINY_CAPTIONER_MODEL.split('/'));
    await cp(source, target, { recursive: true });
    await rm(path.join(target, 'onnx', 'decoder_model_merged.onnx'));
    const partial = new TransformersCaptioner({ model: TINY_CAPTIONER_MODEL, cacheDir: partialCache, offline: true });
    const error: unknown = await partial.caption(red, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableError);
    expect((error as ModelNotAvailableError).missingFiles).toEqual(['onnx/decoder_model_merged.onnx']);
    await cp(path.join(source, 'onnx', 'decoder_model_merged.onnx'), path.join(target, 'onnx', 'decoder_model_merged.onnx'));
    expect(await partial.caption(red, 1)).toEqual(['a red square']);
  });

  it('never touched the network', () => {
    expect(network.attempts).toEqual([]);
  });
});
