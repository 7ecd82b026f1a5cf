export {
  type CaptionGenerationOptions,
  type CaptionSampling,
  captionGenerationOptions,
  captionModelFiles,
  DEFAULT_CAPTION_MODEL,
  TransformersCaptioner,
  type TransformersCaptionerOptions,
} from './captioner.js';
export { clipModelFiles, DEFAULT_CLIP_MODEL, TransformersClipEmbedder, type TransformersClipOptions } from './clipEmbedder.js';
export { collectCaptions } from './collectCaptions.js';
export { ModelNotAvailableError, modelDirectory } from './modelNotAvailable.js';
export {
  DEFAULT_MODEL_CACHE_DIR,
  type ModelDtype,
  type ModelStore,
  type ModelStoreOptions,
  missingModelFiles,
  resolveModelStore,
} from './modelStore.js';
export { type LocalModelKind, type PulledModel, type PullModelOptions, pullModel } from './pullModel.js';
