/**
 * The shapes world's CLIP: images and texts in one 512-d space. An image's
 * embedding is its colour-and-shape descriptor; a text's embedding is the
 * normalised mean descriptor of the text as the shapes generator draws it with
 * a few fixed private seeds — "what this text looks like", which is what
 * CLIP's text tower learns to predict. Text embeddings are cached in memory.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { l2Normalize, meanVector } from '../../math/vectors.js';
import type { Embedder } from '../types.js';
import { SHAPES_EMBEDDING_DIMENSIONS } from './descriptor.js';
import { encodeImage } from './encoder.js';
import { decodeImage } from './pixels.js';
import { tokenizePrompt } from './prompt-parser.js';
import { renderPrompt } from './render.js';

export const SHAPES_EMBEDDER_ID = 'shapes-embedder@1';
/** Seeds the text tower renders with; images a user draws with them are not special anywhere else. */
const TEXT_SEEDS: readonly number[] = [0x51ed270b, 0x2545f491, 0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f];
const TEXT_RENDER_SIZE = 128;
const TEXT_CACHE_LIMIT = 4096;
const IMAGES_PER_SLICE = 16;

export class ShapesEmbedder implements Embedder {
  readonly id = SHAPES_EMBEDDER_ID;
  readonly dimensions = SHAPES_EMBEDDING_DIMENSIONS;
  private readonly textCache = new Map<string, Float32Array>();

  async embedImages(images: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < images.length; i++) {
      signal?.throwIfAborted();
      // Long batches give the event loop a turn now and then.
      if (i > 0 && i % IMAGES_PER_SLICE === 0) await yieldToEventLoop();
      out.push(encodeImage(decodeImage(images[i] as Uint8Array, SHAPES_EMBEDDER_ID)));
    }
    return out;
  }

  async embedTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      signal?.throwIfAborted();
      out.push(this.embedText(text));
    }
    return out;
  }

  /** Synchronous single-text embedding (cached); the captioner uses it for its candidate words. */
  embedText(text: string): Float32Array {
    // The text tower sees tokens, so "Red sphere!" and "red sphere" are one text.
    const key = tokenizePrompt(String(text ?? '')).join(' ');
    const cached = this.textCache.get(key);
    if (cached) return cached;
    const views = TEXT_SEEDS.map((seed) => encodeImage(renderPrompt(key, seed, TEXT_RENDER_SIZE, TEXT_RENDER_SIZE)));
    const embedding = l2Normalize(meanVector(views));
    if (this.textCache.size >= TEXT_CACHE_LIMIT) {
      const oldest = this.textCache.keys().next().value;
      if (oldest !== undefined) this.textCache.delete(oldest);
    }
    this.textCache.set(key, embedding);
    return embedding;
  }
}
