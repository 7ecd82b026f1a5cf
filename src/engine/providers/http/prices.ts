/**
 * What one image (or one caption call) costs, in US dollars, so the spending
 * guard can refuse a call before it is made.
 *
 * OpenAI: list prices per image from the OpenAI pricing page. For gpt-image-1
 * these are the image-output charge only; the prompt's text-input tokens add
 * about $0.0002 for a short prompt. Replicate: flux-schnell is billed per
 * output image. Caption prices are estimates (BLIP on Replicate is billed by
 * GPU time; gpt-4o-mini by tokens, with a low-detail image counted as ~2.8k
 * input tokens). Re-check the pages before trusting a budget to the cent.
 */
export const PRICES_CHECKED = '2026-11';

export type DallE2Size = '256x256' | '512x512' | '1024x1024';
export type DallE3Size = '1024x1024' | '1792x1024' | '1024x1792';
export type GptImageSize = '1024x1024' | '1536x1024' | '1024x1536';

export const OPENAI_IMAGE_PRICES_USD = {
  'dall-e-2': {
    standard: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 },
  },
  'dall-e-3': {
    standard: { '1024x1024': 0.04, '1792x1024': 0.08, '1024x1792': 0.08 },
    hd: { '1024x1024': 0.08, '1792x1024': 0.12, '1024x1792': 0.12 },
  },
  'gpt-image-1': {
    low: { '1024x1024': 0.011, '1536x1024': 0.016, '1024x1536': 0.016 },
    medium: { '1024x1024': 0.042, '1536x1024': 0.063, '1024x1536': 0.063 },
    high: { '1024x1024': 0.167, '1536x1024': 0.25, '1024x1536': 0.25 },
  },
} as const satisfies Record<string, Record<string, Record<string, number>>>;

export type OpenAIImageModel = keyof typeof OPENAI_IMAGE_PRICES_USD;
export type OpenAIImageQuality<M extends OpenAIImageModel> = keyof (typeof OPENAI_IMAGE_PRICES_USD)[M];

/** Replicate image models we know the price of: per output image, whatever the size. */
export const REPLICATE_IMAGE_PRICES_USD: Readonly<Record<string, number>> = {
  'black-forest-labs/flux-schnell': 0.003,
};

/** Per caption call (one prediction / one chat completion), estimates as explained above. */
export const CAPTION_PRICES_USD: Readonly<Record<string, number>> = {
  'replicate:salesforce/blip': 0.0005,
  'replicate:andreasjansson/blip-2': 0.0046,
  'openai:gpt-4o-mini': 0.0005,
};

export function openAIImagePriceUsd(model: OpenAIImageModel, quality: string, size: string): number {
  const byQuality: Readonly<Record<string, Readonly<Record<string, number>>>> = OPENAI_IMAGE_PRICES_USD[model];
  const price = byQuality[quality]?.[size];
  if (price === undefined) throw new RangeError(`No price for ${model} at quality ${quality}, size ${size}.`);
  return price;
}
