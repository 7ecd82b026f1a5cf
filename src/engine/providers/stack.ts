/**
 * Chooses a run's providers: the offline shapes world, or a real image model
 * (Replicate, OpenAI) with local CLIP for similarity and a real captioner.
 * The engine itself never knows which; it sees the three interfaces.
 */
import { ProviderError } from './errors.js';
import type { OpenAIImageModel } from './http/prices.js';
import { OPENAI_IMAGE_SIZES } from './openai/sizes.js';
import { type ProviderEnv, createCaptioner, createGenerator } from './registry.js';
import type { ReplicateModelRef } from './replicate/predictions.js';
import { createShapesStack } from './shapes/index.js';
import { DEFAULT_CLIP_MODEL, TransformersCaptioner, TransformersClipEmbedder } from './transformers/index.js';
import type { Captioner, ProviderStack } from './types.js';

export const GENERATOR_CHOICES = ['shapes', 'replicate', 'openai'] as const;
export type GeneratorChoice = (typeof GENERATOR_CHOICES)[number];

/** `auto`: the generator's natural partner (BLIP on Replicate, a vision model on OpenAI). */
export const CAPTIONER_CHOICES = ['auto', 'local', 'replicate-blip', 'openai-vision'] as const;
export type CaptionerChoice = (typeof CAPTIONER_CHOICES)[number];

export interface StackConfig {
  generator: GeneratorChoice;
  /** Generator model; the provider's default when absent. */
  model?: string;
  captioner?: CaptionerChoice;
  /** Local CLIP model for similarity and word scores. */
  clipModel?: string;
  /** Where local models live (IMAGEPROMPT_MODELS_DIR). */
  modelsDir: string;
  /** Never download models (IMAGEPROMPT_OFFLINE=1). */
  offline: boolean;
  env: ProviderEnv;
}

export function createProviderStack(config: StackConfig): ProviderStack {
  if (config.generator === 'shapes') return createShapesStack();
  const generator =
    config.generator === 'replicate'
      ? createGenerator('replicate', config.env, config.model ? { model: replicateModel(config.model) } : {})
      : createGenerator('openai', config.env, config.model ? { model: openAIModel(config.model) } : {});
  const clipModel = config.clipModel ?? DEFAULT_CLIP_MODEL;
  const embedder = new TransformersClipEmbedder({ model: clipModel, cacheDir: config.modelsDir, offline: config.offline });
  const captionerChoice = config.captioner === undefined || config.captioner === 'auto' ? (config.generator === 'replicate' ? 'replicate-blip' : 'openai-vision') : config.captioner;
  const captioner: Captioner =
    captionerChoice === 'local'
      ? new TransformersCaptioner({ cacheDir: config.modelsDir, offline: config.offline })
      : createCaptioner(captionerChoice, config.env);
  return {
    generator,
    embedder,
    captioner,
    description: `${config.generator} ${generator.modelId} images · local CLIP ${clipModel} · ${captionerChoice} captions`,
    offline: false,
  };
}

function replicateModel(model: string): ReplicateModelRef {
  if (!/^[\w.-]+\/[\w.-]+(:[0-9a-f]{64})?$/.test(model)) {
    throw new ProviderError(`"${model}" is not a Replicate model; use owner/name or owner/name:<version>, e.g. black-forest-labs/flux-schnell.`, 'replicate');
  }
  return model as ReplicateModelRef;
}

function openAIModel(model: string): OpenAIImageModel {
  const models = Object.keys(OPENAI_IMAGE_SIZES);
  if (!models.includes(model)) throw new ProviderError(`"${model}" is not an OpenAI image model; choose ${models.join(', ')}.`, 'openai');
  return model as OpenAIImageModel;
}
