/**
 * A tiny, fully transparent provider stack for trainer tests: an "image" is
 * the prompt's text, and its embedding is the normalised sum of fixed random
 * word vectors plus a little seed noise. It stands in for the providers, never
 * for the trainer, policy or cache under test.
 */
import { Rng, hashString } from '../../src/engine/math/random.js';
import { l2Normalize } from '../../src/engine/math/vectors.js';
import type { Embedder, GeneratedImage, GenerationRequest, ImageGenerator } from '../../src/engine/providers/types.js';

export const TOY_DIMENSIONS = 32;

function wordVector(word: string): Float32Array {
  const rng = new Rng(hashString(word));
  return Float32Array.from({ length: TOY_DIMENSIONS }, () => rng.normal());
}

export function toyEmbedding(text: string, seed?: number): Float32Array {
  const sum = new Float32Array(TOY_DIMENSIONS);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const v = wordVector(word);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (v[i] as number);
  }
  if (seed !== undefined) {
    const noise = new Rng(seed);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + 0.05 * noise.normal();
  }
  return l2Normalize(sum);
}

export class ToyGenerator implements ImageGenerator {
  readonly id = 'toy';
  readonly modelId = 'toy@1';
  readonly takesSeed = true;
  calls: GenerationRequest[] = [];
  constructor(private readonly delayMs = 0, private readonly price = 0) {}
  pricePerImage(): number {
    return this.price;
  }
  async generate(request: GenerationRequest): Promise<GeneratedImage> {
    this.calls.push(request);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    request.signal?.throwIfAborted();
    return { bytes: new TextEncoder().encode(JSON.stringify([request.prompt, request.seed])), modelId: this.modelId, costUsd: this.price };
  }
}

export class ToyEmbedder implements Embedder {
  readonly id = 'toy';
  readonly dimensions = TOY_DIMENSIONS;
  async embedImages(images: readonly Uint8Array[]): Promise<Float32Array[]> {
    return images.map((bytes) => {
      const [prompt, seed] = JSON.parse(new TextDecoder().decode(bytes)) as [string, number];
      return toyEmbedding(prompt, seed);
    });
  }
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => toyEmbedding(t));
  }
}
