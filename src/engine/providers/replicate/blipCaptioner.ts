import type Replicate from 'replicate';
import { ProviderError } from '../errors.js';
import { CallPolicy, type CallPolicyOptions } from '../http/callPolicy.js';
import { toDataUri } from '../http/imageData.js';
import { CAPTION_PRICES_USD } from '../http/prices.js';
import type { CaptionOptions, Captioner } from '../types.js';
import { createReplicateClient, REPLICATE_PROVIDER, type ReplicateConnection } from './client.js';
import { type ReplicateModelRef, runPrediction } from './predictions.js';

interface BlipModel {
  /** Community models are run by pinned version. */
  ref: ReplicateModelRef;
  /** Whether repeated calls on one image can give different captions. */
  samples: boolean;
  input(imageDataUri: string, temperature: number): Record<string, unknown>;
}

/**
 * Both take no seed. salesforce/blip is the paper's BLIP (base captioner): its
 * predictor decodes with beam search (`sample=False, num_beams=3`), so it is
 * deterministic and one call gives the only caption it will ever give for an
 * image. andreasjansson/blip-2 can sample (`use_nucleus_sampling`), so n calls
 * give up to n different captions — not reproducibly, as there is no seed.
 */
export const REPLICATE_BLIP_MODELS = {
  'salesforce/blip': {
    ref: 'salesforce/blip:2e1dddc8621f72155f24cf2e0adbde548458d3cab9f00c0139eea840d0ac4746',
    samples: false,
    input: (image) => ({ image, task: 'image_captioning' }),
  },
  'andreasjansson/blip-2': {
    ref: 'andreasjansson/blip-2:f677695e5e89f8b236e52ecd1d3f01beb44c34606419bcc19345e046d8f786f9',
    samples: true,
    input: (image, temperature) => ({ image, caption: true, use_nucleus_sampling: true, temperature }),
  },
} as const satisfies Record<string, BlipModel>;

export type ReplicateBlipModel = keyof typeof REPLICATE_BLIP_MODELS;

export interface ReplicateBlipCaptionerOptions extends ReplicateConnection, CallPolicyOptions {
  /** Default salesforce/blip (the paper's BLIP, deterministic). */
  model?: ReplicateBlipModel;
  /** Nucleus-sampling temperature for BLIP-2, 0.5–1 (default 1). */
  temperature?: number;
  pollIntervalMs?: number;
}

/** "Caption: a red ball" → "a red ball". */
function cleanCaption(output: unknown): string {
  const text = Array.isArray(output) ? output.join('') : String(output ?? '');
  return text.replace(/^\s*(caption|answer)\s*:\s*/i, '').trim();
}

export class ReplicateBlipCaptioner implements Captioner {
  readonly id: string;
  /** Estimated price of one prediction (billed by GPU time). */
  readonly pricePerCallUsd: number;
  private readonly blip: BlipModel;
  private readonly client: Replicate;
  private readonly policy: CallPolicy;
  private readonly temperature: number;
  private readonly pollIntervalMs: number;

  constructor(options: ReplicateBlipCaptionerOptions) {
    const model = options.model ?? 'salesforce/blip';
    this.blip = REPLICATE_BLIP_MODELS[model];
    this.id = `replicate-blip:${model}`;
    this.pricePerCallUsd = CAPTION_PRICES_USD[`replicate:${model}`] ?? 0;
    this.client = createReplicateClient(options);
    this.policy = new CallPolicy(REPLICATE_PROVIDER, options);
    this.temperature = options.temperature ?? 1;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** How many predictions `caption(image, n)` makes: 1 for deterministic BLIP, n for a sampling one. */
  callsFor(n: number): number {
    return n === 0 ? 0 : this.blip.samples ? n : 1;
  }

  async caption(image: Uint8Array, n: number, options: CaptionOptions = {}): Promise<string[]> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    options.signal?.throwIfAborted();
    const imageUri = toDataUri(image);
    // One failed caption call stops (and cancels) its siblings instead of letting them run up a bill.
    const siblings = new AbortController();
    const onCallerAbort = () => siblings.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const calls = Array.from({ length: this.callsFor(n) }, () =>
        this.captionOnce(imageUri, siblings.signal).catch((error: unknown) => {
          siblings.abort(error);
          throw error;
        }),
      );
      const captions = await Promise.all(calls);
      // A deterministic model repeats its one caption: that is all the variety it has.
      return Array.from({ length: n }, (_, i) => captions[i % captions.length] ?? '');
    } finally {
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private captionOnce(imageUri: string, signal?: AbortSignal): Promise<string> {
    return this.policy.exclusive(async () => {
      const prediction = await runPrediction(this.client, this.policy, this.blip.ref, this.blip.input(imageUri, this.temperature), {
        signal,
        pollIntervalMs: this.pollIntervalMs,
      });
      const caption = cleanCaption(prediction.output);
      if (!caption) throw new ProviderError(`Replicate prediction ${prediction.id} returned an empty caption.`, REPLICATE_PROVIDER);
      return caption;
    }, signal);
  }
}
