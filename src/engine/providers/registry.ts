import { MissingKeyError } from './errors.js';
import { CAPTION_PRICES_USD, openAIImagePriceUsd, REPLICATE_IMAGE_PRICES_USD } from './http/prices.js';
import { guardedGenerator, type SpendingGuard } from './http/spendingGuard.js';
import { OPENAI_KEY_ENV, OPENAI_PROVIDER } from './openai/client.js';
import { OPENAI_DEFAULT_IMAGE_MODEL, OpenAIGenerator, type OpenAIGeneratorOptions } from './openai/generator.js';
import { OPENAI_DEFAULT_CAPTION_MODEL, OpenAIVisionCaptioner, type OpenAIVisionCaptionerOptions } from './openai/visionCaptioner.js';
import { ReplicateBlipCaptioner, type ReplicateBlipCaptionerOptions } from './replicate/blipCaptioner.js';
import { REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV } from './replicate/client.js';
import { REPLICATE_DEFAULT_IMAGE_MODEL, ReplicateGenerator, type ReplicateGeneratorOptions } from './replicate/generator.js';
import type { Captioner, ImageGenerator } from './types.js';

/**
 * Which providers exist, whether each has what it needs, and what it costs.
 * This module creates only the remote providers; the offline shapes stack and
 * the local CLIP embedder are listed by name and built elsewhere.
 */
export type RemoteGeneratorName = 'replicate' | 'openai';
export type RemoteCaptionerName = 'replicate-blip' | 'openai-vision';
export type ProviderName = 'shapes' | 'transformers-clip' | RemoteGeneratorName | RemoteCaptionerName;

export type ProviderRole = 'offline-stack' | 'generator' | 'embedder' | 'captioner';

/** `process.env` or any plain map of variables. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

export interface ProviderInfo {
  name: ProviderName;
  role: ProviderRole;
  description: string;
  /** The environment variable holding its key, or null if it needs none. */
  envVar: string | null;
  /** True when every variable it needs is set (a local provider needs none). */
  configured: boolean;
  defaultModel: string | null;
  /** Price of one image (generators) or one call (captioners) with the default model; 0 if local. */
  priceUsd: number;
  pricedPer: 'image' | 'call' | 'free';
  priceNote: string;
}

function hasValue(env: ProviderEnv, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

export function listProviders(env: ProviderEnv): ProviderInfo[] {
  const replicateReady = hasValue(env, REPLICATE_TOKEN_ENV);
  const openAIReady = hasValue(env, OPENAI_KEY_ENV);
  return [
    {
      name: 'shapes',
      role: 'offline-stack',
      description: 'Offline shapes world: generator, embedder and captioner in one, no real image model.',
      envVar: null,
      configured: true,
      defaultModel: null,
      priceUsd: 0,
      pricedPer: 'free',
      priceNote: 'runs locally',
    },
    {
      name: 'transformers-clip',
      role: 'embedder',
      description: 'CLIP ViT-B/32 through transformers.js, on this machine.',
      envVar: null,
      configured: true,
      defaultModel: null,
      priceUsd: 0,
      pricedPer: 'free',
      priceNote: 'runs locally; needs the CLIP model files on disk',
    },
    {
      name: 'replicate',
      role: 'generator',
      description: 'Text-to-image on Replicate (FLUX.1 schnell by default; honours the seed).',
      envVar: REPLICATE_TOKEN_ENV,
      configured: replicateReady,
      defaultModel: REPLICATE_DEFAULT_IMAGE_MODEL,
      priceUsd: REPLICATE_IMAGE_PRICES_USD[REPLICATE_DEFAULT_IMAGE_MODEL] ?? 0,
      pricedPer: 'image',
      priceNote: 'per output image, any size',
    },
    {
      name: 'openai',
      role: 'generator',
      description: 'OpenAI Images API (gpt-image-1 by default; dall-e-2/3 selectable). No seed: each image is one sample.',
      envVar: OPENAI_KEY_ENV,
      configured: openAIReady,
      defaultModel: OPENAI_DEFAULT_IMAGE_MODEL,
      priceUsd: openAIImagePriceUsd(OPENAI_DEFAULT_IMAGE_MODEL, 'low', '1024x1024'),
      pricedPer: 'image',
      priceNote: 'gpt-image-1 low quality 1024x1024; depends on model, quality and size',
    },
    {
      name: 'replicate-blip',
      role: 'captioner',
      description: "The paper's BLIP captioner on Replicate (deterministic: one caption per image; BLIP-2 samples).",
      envVar: REPLICATE_TOKEN_ENV,
      configured: replicateReady,
      defaultModel: 'salesforce/blip',
      priceUsd: CAPTION_PRICES_USD['replicate:salesforce/blip'] ?? 0,
      pricedPer: 'call',
      priceNote: 'estimate: billed by GPU time',
    },
    {
      name: 'openai-vision',
      role: 'captioner',
      description: 'Captions from a vision chat model (n sampled captions per call).',
      envVar: OPENAI_KEY_ENV,
      configured: openAIReady,
      defaultModel: OPENAI_DEFAULT_CAPTION_MODEL,
      priceUsd: CAPTION_PRICES_USD[`openai:${OPENAI_DEFAULT_CAPTION_MODEL}`] ?? 0,
      pricedPer: 'call',
      priceNote: 'estimate: billed by tokens',
    },
  ];
}

function requireKey(env: ProviderEnv, provider: string, envVar: string): string {
  const value = env[envVar]?.trim();
  if (!value) throw new MissingKeyError(provider, envVar);
  return value;
}

/** The OpenAI SDK's own optional variables, read from the env we were given (explicit options win). */
function openAIEnv(env: ProviderEnv): { baseURL?: string; organization?: string; project?: string } {
  const pick = (name: string) => env[name]?.trim() || undefined;
  return { baseURL: pick('OPENAI_BASE_URL'), organization: pick('OPENAI_ORG_ID'), project: pick('OPENAI_PROJECT_ID') };
}

export type ReplicateGeneratorConfig = Omit<ReplicateGeneratorOptions, 'apiToken'>;
export type OpenAIGeneratorConfig = Omit<OpenAIGeneratorOptions, 'apiKey'>;
/** When given, the generator refuses any call the guard does not allow. */
export interface GuardOption {
  guard?: SpendingGuard;
}

/**
 * Builds a remote generator from the environment. Throws `MissingKeyError`
 * naming the variable when the key is absent. `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` are honoured as the OpenAI SDK
 * itself would.
 */
export function createGenerator(name: 'replicate', env: ProviderEnv, options?: ReplicateGeneratorConfig & GuardOption): ImageGenerator;
export function createGenerator(name: 'openai', env: ProviderEnv, options?: OpenAIGeneratorConfig & GuardOption): ImageGenerator;
export function createGenerator(name: RemoteGeneratorName, env: ProviderEnv, options?: (ReplicateGeneratorConfig | OpenAIGeneratorConfig) & GuardOption): ImageGenerator;
export function createGenerator(
  name: RemoteGeneratorName,
  env: ProviderEnv,
  options: (ReplicateGeneratorConfig | OpenAIGeneratorConfig) & GuardOption = {},
): ImageGenerator {
  const { guard, ...config } = options;
  let generator: ImageGenerator;
  if (name === 'replicate') {
    const apiToken = requireKey(env, REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV);
    // The overloads tie each name to its own options type.
    generator = new ReplicateGenerator({ ...(config as ReplicateGeneratorConfig), apiToken });
  } else {
    const apiKey = requireKey(env, OPENAI_PROVIDER, OPENAI_KEY_ENV);
    const openAIConfig = config as OpenAIGeneratorConfig;
    generator = new OpenAIGenerator({ ...openAIEnv(env), ...openAIConfig, apiKey });
  }
  return guard ? guardedGenerator(generator, guard) : generator;
}

export type ReplicateBlipConfig = Omit<ReplicateBlipCaptionerOptions, 'apiToken'>;
export type OpenAIVisionConfig = Omit<OpenAIVisionCaptionerOptions, 'apiKey'>;

export function createCaptioner(name: 'replicate-blip', env: ProviderEnv, options?: ReplicateBlipConfig): Captioner;
export function createCaptioner(name: 'openai-vision', env: ProviderEnv, options?: OpenAIVisionConfig): Captioner;
export function createCaptioner(name: RemoteCaptionerName, env: ProviderEnv, options?: ReplicateBlipConfig | OpenAIVisionConfig): Captioner;
export function createCaptioner(name: RemoteCaptionerName, env: ProviderEnv, options: ReplicateBlipConfig | OpenAIVisionConfig = {}): Captioner {
  if (name === 'replicate-blip') {
    const apiToken = requireKey(env, REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV);
    return new ReplicateBlipCaptioner({ ...(options as ReplicateBlipConfig), apiToken });
  }
  const apiKey = requireKey(env, OPENAI_PROVIDER, OPENAI_KEY_ENV);
  const visionConfig = options as OpenAIVisionConfig;
  return new OpenAIVisionCaptioner({ ...openAIEnv(env), ...visionConfig, apiKey });
}
