import type Replicate from 'replicate';
import type { Prediction } from 'replicate';
import { ProviderError } from '../errors.js';
import { CallPolicy, type CallPolicyOptions } from '../http/callPolicy.js';
import { REPLICATE_IMAGE_PRICES_USD } from '../http/prices.js';
import type { GeneratedImage, GenerationRequest, ImageGenerator } from '../types.js';
import { createReplicateClient, REPLICATE_PROVIDER, type ReplicateConnection } from './client.js';
import { downloadOutput, firstOutputUrl } from './download.js';
import { fluxSchnellInput } from './fluxInput.js';
import { type ReplicateModelRef, runPrediction } from './predictions.js';

export const REPLICATE_DEFAULT_IMAGE_MODEL = 'black-forest-labs/flux-schnell';

export interface ReplicateGeneratorOptions extends ReplicateConnection, CallPolicyOptions {
  /** Default black-forest-labs/flux-schnell (fast, takes a seed, $0.003 per image). */
  model?: ReplicateModelRef;
  /** Required for a model missing from the price table. */
  pricePerImageUsd?: number;
  /** flux-schnell's fp8 mode: faster, but not deterministic for a seed (then `takesSeed` is false). */
  goFast?: boolean;
  /**
   * Inputs for a model other than flux-schnell (its own names for prompt,
   * seed, size). `takesSeed` then says whether it honours the seed.
   */
  custom?: { input: (request: GenerationRequest) => Record<string, unknown>; takesSeed: boolean };
  /** Status poll interval when sync mode returns early (default 500 ms). */
  pollIntervalMs?: number;
}

const VERSION_ID = /^[0-9a-f]{64}$/;

/** Sync mode may answer with the files before the status turns "succeeded". */
function hasOutputFile(prediction: Prediction): boolean {
  return firstOutputUrl(prediction.output) !== undefined;
}

/**
 * Text-to-image on Replicate through the official SDK. One call = one
 * prediction (sync mode, polled if it outlives the wait) + one download.
 */
export class ReplicateGenerator implements ImageGenerator {
  readonly id = REPLICATE_PROVIDER;
  readonly modelId: string;
  readonly takesSeed: boolean;
  private readonly model: ReplicateModelRef;
  private readonly client: Replicate;
  private readonly policy: CallPolicy;
  private readonly priceUsd: number;
  private readonly input: (request: GenerationRequest) => Record<string, unknown>;
  private readonly pollIntervalMs: number;

  constructor(options: ReplicateGeneratorOptions) {
    this.client = createReplicateClient(options);
    this.policy = new CallPolicy(REPLICATE_PROVIDER, options);
    this.model = options.model ?? REPLICATE_DEFAULT_IMAGE_MODEL;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    const price = options.pricePerImageUsd ?? REPLICATE_IMAGE_PRICES_USD[this.model];
    if (price === undefined) {
      throw new ProviderError(`No known price for Replicate model ${this.model}; pass pricePerImageUsd so the spending guard can work.`, REPLICATE_PROVIDER);
    }
    this.priceUsd = price;
    if (options.custom) {
      this.input = options.custom.input;
      this.takesSeed = options.custom.takesSeed;
      this.modelId = this.model;
    } else if (this.model === REPLICATE_DEFAULT_IMAGE_MODEL) {
      const goFast = options.goFast ?? false;
      this.input = (request) => fluxSchnellInput(request, goFast);
      this.takesSeed = !goFast;
      // Different weights (fp8 vs bf16) draw different images: keep them apart in the cache.
      this.modelId = goFast ? `${this.model}+go_fast` : this.model;
    } else {
      throw new ProviderError(`Replicate model ${this.model} needs a custom input mapping (option "custom").`, REPLICATE_PROVIDER);
    }
  }

  pricePerImage(_width: number, _height: number): number {
    return this.priceUsd;
  }

  generate(request: GenerationRequest): Promise<GeneratedImage> {
    const { signal } = request;
    return this.policy.exclusive(async () => {
      const prediction = await runPrediction(this.client, this.policy, this.model, this.input(request), {
        signal,
        pollIntervalMs: this.pollIntervalMs,
        outputReady: hasOutputFile,
      });
      const url = firstOutputUrl(prediction.output);
      if (!url) throw new ProviderError(`Replicate prediction ${prediction.id} finished without an output image.`, REPLICATE_PROVIDER);
      const bytes = await downloadOutput(url, this.policy, signal);
      const version = typeof prediction.version === 'string' && VERSION_ID.test(prediction.version) ? `@${prediction.version}` : '';
      return { bytes, modelId: `${this.modelId}${version}`, costUsd: this.priceUsd };
    }, signal);
  }
}
