import type OpenAI from 'openai';
import type { ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import { ProviderError } from '../errors.js';
import { CallPolicy, type CallPolicyOptions } from '../http/callPolicy.js';
import { fromBase64, sniffImageMime } from '../http/imageData.js';
import { OPENAI_IMAGE_PRICES_USD, type OpenAIImageModel, openAIImagePriceUsd } from '../http/prices.js';
import type { GeneratedImage, GenerationRequest, ImageGenerator } from '../types.js';
import { callOpenAI, createOpenAIClient, OPENAI_PROVIDER, type OpenAIConnection } from './client.js';
import { nearestOpenAISize, OPENAI_PROMPT_LIMITS } from './sizes.js';

/**
 * gpt-image-1 is the default: OpenAI retired dall-e-2 and dall-e-3 from the API
 * on 2026-05-12 (calls now fail with `model_not_found`); they stay selectable
 * for accounts or compatible servers that still serve them.
 */
export const OPENAI_DEFAULT_IMAGE_MODEL: OpenAIImageModel = 'gpt-image-1';

/** The cheapest quality of each model: an RL run draws many images. */
const DEFAULT_QUALITY: Record<OpenAIImageModel, string> = {
  'dall-e-2': 'standard',
  'dall-e-3': 'standard',
  'gpt-image-1': 'low',
};

export interface OpenAIGeneratorOptions extends OpenAIConnection, CallPolicyOptions {
  model?: OpenAIImageModel;
  /** dall-e-2: standard; dall-e-3: standard | hd; gpt-image-1: low | medium | high. */
  quality?: string;
  /** dall-e-3 only. */
  style?: 'vivid' | 'natural';
}

/**
 * Text-to-image through the OpenAI Images API (`images.generate`), one image
 * per call, bytes returned inline as base64 (never a URL to fetch later).
 *
 * None of these models takes a seed, so `takesSeed` is false. The generation
 * cache still keys on the seed: a cached image is one sample of its prompt,
 * and another seed asks OpenAI for another, independent sample. Nothing makes
 * a lost cache entry reproducible.
 */
export class OpenAIGenerator implements ImageGenerator {
  readonly id = OPENAI_PROVIDER;
  readonly modelId: string;
  readonly takesSeed = false;
  readonly model: OpenAIImageModel;
  readonly quality: string;
  private readonly style: 'vivid' | 'natural' | undefined;
  private readonly client: OpenAI;
  private readonly policy: CallPolicy;

  constructor(options: OpenAIGeneratorOptions) {
    this.policy = new CallPolicy(OPENAI_PROVIDER, options);
    this.client = createOpenAIClient(options, this.policy.timeoutMs);
    this.model = options.model ?? OPENAI_DEFAULT_IMAGE_MODEL;
    if (!(this.model in OPENAI_IMAGE_PRICES_USD)) throw new ProviderError(`Unknown OpenAI image model ${this.model}.`, OPENAI_PROVIDER);
    this.quality = options.quality ?? DEFAULT_QUALITY[this.model];
    if (!(this.quality in OPENAI_IMAGE_PRICES_USD[this.model])) {
      throw new ProviderError(`${this.model} has no quality "${this.quality}".`, OPENAI_PROVIDER);
    }
    if (options.style && this.model !== 'dall-e-3') throw new ProviderError('Only dall-e-3 takes a style.', OPENAI_PROVIDER);
    this.style = options.style;
    const qualityChoice = Object.keys(OPENAI_IMAGE_PRICES_USD[this.model]).length > 1;
    // Quality and style change the picture, so they are part of the cache key.
    this.modelId = [this.model, qualityChoice ? this.quality : undefined, this.style].filter(Boolean).join(':');
  }

  pricePerImage(width: number, height: number): number {
    return openAIImagePriceUsd(this.model, this.quality, nearestOpenAISize(this.model, width, height));
  }

  /** The request body as the Images API documents it for each model. */
  requestBody(request: GenerationRequest): ImageGenerateParamsNonStreaming {
    const size = nearestOpenAISize(this.model, request.width, request.height);
    const base = { model: this.model, prompt: request.prompt, n: 1, size };
    switch (this.model) {
      case 'dall-e-2':
        return { ...base, response_format: 'b64_json' };
      case 'dall-e-3':
        return { ...base, quality: this.quality as 'standard' | 'hd', response_format: 'b64_json', ...(this.style ? { style: this.style } : {}) };
      case 'gpt-image-1':
        // GPT image models always answer in base64 and reject `response_format`.
        return { ...base, quality: this.quality as 'low' | 'medium' | 'high', output_format: 'png' };
    }
  }

  generate(request: GenerationRequest): Promise<GeneratedImage> {
    const limit = OPENAI_PROMPT_LIMITS[this.model];
    if (request.prompt.length > limit) {
      return Promise.reject(new ProviderError(`${this.model} accepts prompts up to ${limit} characters (got ${request.prompt.length}).`, OPENAI_PROVIDER));
    }
    const body = this.requestBody(request);
    const { signal } = request;
    return this.policy.exclusive(async () => {
      const response = await this.policy.request(
        (attemptSignal) => callOpenAI(() => this.client.images.generate(body, { signal: attemptSignal }), this.policy.timeoutMs),
        signal,
        'image request',
      );
      const b64 = response.data?.[0]?.b64_json;
      if (!b64) throw new ProviderError('OpenAI answered without image data.', OPENAI_PROVIDER);
      const bytes = fromBase64(b64);
      if (!sniffImageMime(bytes)) throw new ProviderError('OpenAI returned data that is not an image.', OPENAI_PROVIDER);
      return { bytes, modelId: this.modelId, costUsd: this.pricePerImage(request.width, request.height) };
    }, signal);
  }
}
