/**
 * The three provider interfaces the engine is written against. The offline
 * "shapes world" implements them (providers/shapes), and so do the real
 * models (CLIP and captioners through transformers.js, Replicate, OpenAI).
 * Images travel as PNG (or JPEG/WebP for real providers) bytes: the engine
 * never assumes a pixel format.
 */

/** What to draw. `seed` is honoured by generators that take one (see `ImageGenerator.takesSeed`). */
export interface GenerationRequest {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  signal?: AbortSignal;
}

export interface GeneratedImage {
  /** Encoded image bytes (PNG for the shapes world). */
  bytes: Uint8Array;
  /** The exact model (and version) that drew it, e.g. `shapes-world@1`, `dall-e-3`. */
  modelId: string;
  /** What this one image cost, in US dollars (0 for local generators). */
  costUsd: number;
}

export interface ImageGenerator {
  /** Provider id, e.g. `shapes`, `replicate`, `openai`. Part of the generation-cache key. */
  readonly id: string;
  /** Model id as used in the cache key. */
  readonly modelId: string;
  /**
   * Whether `seed` determines the image. When false the cache still keys on the
   * seed, so a cached image stands for "one sample of this prompt".
   */
  readonly takesSeed: boolean;
  /** Price of one image at the given size, in US dollars, known before calling. */
  pricePerImage(width: number, height: number): number;
  generate(request: GenerationRequest): Promise<GeneratedImage>;
}

/** A CLIP-like model: images and texts map into one joint, L2-normalised space. */
export interface Embedder {
  readonly id: string;
  /** Size of the joint space: 512 for CLIP ViT-B/32 and for the shapes world. */
  readonly dimensions: number;
  embedImages(images: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]>;
  embedTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface CaptionOptions {
  /** Varies the captions the way sampling varies a real captioner's output. */
  seed?: number;
  signal?: AbortSignal;
}

export interface Captioner {
  readonly id: string;
  /** Returns exactly `n` captions of `image`, as varied as the model allows. */
  caption(image: Uint8Array, n: number, options?: CaptionOptions): Promise<string[]>;
}

/** The three providers a run uses, plus a human-readable note for CLI/README honesty. */
export interface ProviderStack {
  generator: ImageGenerator;
  embedder: Embedder;
  captioner: Captioner;
  /** e.g. "offline shapes world (no real image model)". */
  description: string;
  /** True for the embedded offline stack, so user interfaces can say so plainly. */
  offline: boolean;
}
