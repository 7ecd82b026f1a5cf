import type OpenAI from 'openai';
import { ProviderError, SafetyRefusalError } from '../errors.js';
import { CallPolicy, type CallPolicyOptions } from '../http/callPolicy.js';
import { toDataUri } from '../http/imageData.js';
import { CAPTION_PRICES_USD } from '../http/prices.js';
import type { CaptionOptions, Captioner } from '../types.js';
import { callOpenAI, createOpenAIClient, OPENAI_PROVIDER, type OpenAIConnection } from './client.js';

export const OPENAI_DEFAULT_CAPTION_MODEL = 'gpt-4o-mini';

/** Asks for what BLIP produces: one short, literal caption. */
export const CAPTION_INSTRUCTION =
  'Write one short caption (at most 20 words) that literally describes this image: objects, colours, shapes, setting. Reply with the caption only.';

export interface OpenAIVisionCaptionerOptions extends OpenAIConnection, CallPolicyOptions {
  model?: string;
  /** Sampling temperature; 1 gives varied captions (default). */
  temperature?: number;
}

/**
 * Captions through a chat completion with the image attached (low detail).
 * One request returns all n captions as n sampled choices; `seed` is passed
 * on, which OpenAI honours on a best-effort basis only.
 */
export class OpenAIVisionCaptioner implements Captioner {
  readonly id: string;
  /** Estimated price of one call (tokens; a low-detail image is ~2.8k input tokens on gpt-4o-mini). */
  readonly pricePerCallUsd: number;
  private readonly model: string;
  private readonly temperature: number;
  private readonly client: OpenAI;
  private readonly policy: CallPolicy;

  constructor(options: OpenAIVisionCaptionerOptions) {
    this.policy = new CallPolicy(OPENAI_PROVIDER, options);
    this.client = createOpenAIClient(options, this.policy.timeoutMs);
    this.model = options.model ?? OPENAI_DEFAULT_CAPTION_MODEL;
    this.temperature = options.temperature ?? 1;
    this.id = `openai-vision:${this.model}`;
    this.pricePerCallUsd = CAPTION_PRICES_USD[`openai:${this.model}`] ?? 0;
  }

  async caption(image: Uint8Array, n: number, options: CaptionOptions = {}): Promise<string[]> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    if (n === 0) return [];
    const { signal } = options;
    const imageUrl = toDataUri(image);
    const completion = await this.policy.exclusive(
      () =>
        this.policy.request(
          (attemptSignal) =>
            callOpenAI(() =>
              this.client.chat.completions.create(
                {
                  model: this.model,
                  n,
                  temperature: this.temperature,
                  max_completion_tokens: 60,
                  ...(options.seed === undefined ? {} : { seed: options.seed }),
                  messages: [
                    {
                      role: 'user',
                      content: [
                        { type: 'text', text: CAPTION_INSTRUCTION },
                        { type: 'image_url', image_url: { url: imageUrl, detail: 'low' } },
                      ],
                    },
                  ],
                },
                { signal: attemptSignal },
              ),
              this.policy.timeoutMs,
            ),
          signal,
          'caption request',
        ),
      signal,
    );
    const choices = [...completion.choices].sort((a, b) => a.index - b.index);
    const captions = choices.map((choice) => choice.message.content?.trim() ?? '').filter((text) => text.length > 0);
    if (captions.length === 0) {
      if (choices.some((choice) => choice.message.refusal)) throw new SafetyRefusalError(OPENAI_PROVIDER, 'The captioning model refused to describe this image.');
      throw new ProviderError('OpenAI returned no caption.', OPENAI_PROVIDER);
    }
    return Array.from({ length: n }, (_, i) => captions[i % captions.length] ?? '');
  }
}
