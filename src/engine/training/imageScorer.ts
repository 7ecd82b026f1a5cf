/**
 * Turns (prompt, seed) into a scored image: generate (through the cache, under
 * the concurrency limit and the spending guard), embed, and compare with the
 * target. Every method — training, baselines, evaluation — scores through
 * this one class, so they are measured and charged alike.
 */
import { dot } from '../math/vectors.js';
import type { Embedder, GeneratedImage, ImageGenerator } from '../providers/types.js';
import { Semaphore } from '../providers/http/semaphore.js';
import { SpendingGuard, guardedGenerator } from '../providers/http/spendingGuard.js';
import { type GenerationCache, generationKey } from './generationCache.js';

export interface ScoredImage {
  prompt: string;
  seed: number;
  /** Generation-cache key (sha256 hex). */
  key: string;
  image: GeneratedImage;
  embedding: Float32Array;
  /** Cosine similarity of the image's embedding with the target's. */
  similarity: number;
  /** True when no generator call was made for it in this scorer. */
  cached: boolean;
}

export interface ImageScorerOptions {
  generator: ImageGenerator;
  embedder: Embedder;
  targetEmbedding: Float32Array;
  /** Square image size asked of the generator. */
  size: number;
  /** `undefined`: no cache, every request calls the generator (the paper). */
  cache?: GenerationCache;
  concurrency: number;
  maxImages?: number | null;
  maxCostUsd?: number | null;
}

export interface ScorerUsage {
  /** Distinct images this scorer needed (cache hits from earlier runs included). */
  uniqueImages: number;
  /** Calls actually made to the generator. */
  generatorCalls: number;
  costUsd: number;
}

export class ImageScorer {
  private readonly semaphore: Semaphore;
  private readonly embeddings = new Map<string, Float32Array>();
  private readonly inFlight = new Map<string, Promise<ScoredImage>>();
  private readonly seen = new Set<string>();
  private guard: SpendingGuard;
  private generator: ImageGenerator;

  constructor(private readonly options: ImageScorerOptions) {
    this.semaphore = new Semaphore(options.concurrency);
    this.guard = new SpendingGuard(this.limits());
    this.generator = guardedGenerator(options.generator, this.guard);
  }

  private limits() {
    return { maxImages: this.options.maxImages ?? undefined, maxCostUsd: this.options.maxCostUsd ?? undefined };
  }

  /** Restores counters from a checkpoint so budgets and counts hold across a resume. */
  restoreUsage(usage: { generatorCalls: number; costUsd: number; seenKeys: readonly string[] }): void {
    this.guard = new SpendingGuard(this.limits(), { images: usage.generatorCalls, costUsd: usage.costUsd });
    this.generator = guardedGenerator(this.options.generator, this.guard);
    for (const key of usage.seenKeys) this.seen.add(key);
  }

  /** Keys of every image needed so far (checkpointed with the run). */
  get seenKeys(): string[] {
    return [...this.seen];
  }

  get usage(): ScorerUsage {
    const spent = this.guard.snapshot();
    return { uniqueImages: this.seen.size, generatorCalls: spent.images, costUsd: spent.costUsd };
  }

  key(prompt: string, seed: number): string {
    const { generator, size } = this.options;
    return generationKey({ generator: generator.id, model: generator.modelId, prompt, seed, width: size, height: size });
  }

  async score(prompt: string, seed: number, signal?: AbortSignal): Promise<ScoredImage> {
    signal?.throwIfAborted();
    const key = this.key(prompt, seed);
    if (!this.options.cache) return this.generateAndScore(prompt, seed, key, signal);
    // Concurrent episodes asking for the same image share one generation.
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.cachedScore(prompt, seed, key, signal).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async cachedScore(prompt: string, seed: number, key: string, signal?: AbortSignal): Promise<ScoredImage> {
    const hit = await this.options.cache?.get(key);
    if (!hit) return this.generateAndScore(prompt, seed, key, signal);
    this.seen.add(key);
    return { prompt, seed, key, image: hit, cached: true, ...(await this.embed(key, hit)) };
  }

  private async generateAndScore(prompt: string, seed: number, key: string, signal?: AbortSignal): Promise<ScoredImage> {
    // The spending guard inside `this.generator` refuses a call before it is made once the budget is spent.
    const image = await this.semaphore.run(
      () => this.generator.generate({ prompt, seed, width: this.options.size, height: this.options.size, signal }),
      signal,
    );
    this.seen.add(key);
    await this.options.cache?.set(key, image);
    return { prompt, seed, key, image, cached: false, ...(await this.embed(key, image)) };
  }

  private async embed(key: string, image: GeneratedImage): Promise<{ embedding: Float32Array; similarity: number }> {
    let embedding = this.options.cache ? this.embeddings.get(key) : undefined;
    if (!embedding) {
      [embedding] = (await this.options.embedder.embedImages([image.bytes])) as [Float32Array];
      if (this.options.cache) this.embeddings.set(key, embedding);
    }
    return { embedding, similarity: dot(embedding, this.options.targetEmbedding) };
  }
}
