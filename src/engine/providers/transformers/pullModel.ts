/**
 * Downloads a model into the cache folder once, so later runs can be offline:
 * loads it online with the same classes the providers use (which is what
 * makes the library fetch and cache exactly the files they need), then checks
 * every required file landed in `<cacheDir>/<model>/`.
 */
import { AutoConfig } from '@huggingface/transformers';
import { ProviderError } from '../errors.js';
import { captionModelFiles, TransformersCaptioner } from './captioner.js';
import { clipModelFiles, TransformersClipEmbedder } from './clipEmbedder.js';
import { ModelNotAvailableError, modelDirectory } from './modelNotAvailable.js';
import { loadFromModelStore, type ModelDtype, type ModelStoreOptions, missingModelFiles, resolveModelStore } from './modelStore.js';

export type LocalModelKind = 'clip' | 'captioner';

export interface PullModelOptions {
  /** What the model is for; detected from its config.json `model_type` when omitted. */
  kind?: LocalModelKind;
  /** Weight precision to fetch. Default `fp32`. */
  dtype?: ModelDtype;
  onProgress?: ModelStoreOptions['onProgress'];
  /** A Hub mirror to download from instead of huggingface.co. */
  remoteHost?: string;
}

export interface PulledModel {
  model: string;
  kind: LocalModelKind;
  /** Folder now holding the model: `<cacheDir>/<model>/`. */
  modelDir: string;
  files: string[];
}

export async function pullModel(name: string, cacheDir: string, options: PullModelOptions = {}): Promise<PulledModel> {
  const dtype = options.dtype ?? 'fp32';
  const storeOptions: ModelStoreOptions = { cacheDir, offline: false };
  if (options.onProgress) storeOptions.onProgress = options.onProgress;
  if (options.remoteHost) storeOptions.remoteHost = options.remoteHost;
  const store = resolveModelStore(storeOptions);
  const provider = `pull:${name}`;
  const kind = options.kind ?? (await detectKind(name, provider, storeOptions));

  if (kind === 'clip') {
    await new TransformersClipEmbedder({ ...storeOptions, model: name, dtype, dimensions: await projectionDim(name, provider, storeOptions) }).load();
  } else {
    await new TransformersCaptioner({ ...storeOptions, model: name, dtype }).load();
  }

  const files = kind === 'clip' ? clipModelFiles(dtype) : captionModelFiles(dtype);
  const missing = await missingModelFiles(store, name, files);
  if (missing.length > 0) throw new ModelNotAvailableError(provider, name, store.cacheDir, missing);
  return { model: name, kind, modelDir: modelDirectory(store.cacheDir, name), files };
}

async function readConfig(name: string, provider: string, storeOptions: ModelStoreOptions): Promise<Record<string, unknown>> {
  const store = resolveModelStore(storeOptions);
  const config: unknown = await loadFromModelStore(store, provider, name, [], (options) => AutoConfig.from_pretrained(name, options));
  return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
}

async function detectKind(name: string, provider: string, storeOptions: ModelStoreOptions): Promise<LocalModelKind> {
  const modelType = (await readConfig(name, provider, storeOptions)).model_type;
  if (modelType === 'clip') return 'clip';
  if (modelType === 'vision-encoder-decoder') return 'captioner';
  throw new ProviderError(
    `${name} is a "${String(modelType)}" model; only CLIP ("clip") and captioning ("vision-encoder-decoder") models can be pulled.`,
    provider,
  );
}

async function projectionDim(name: string, provider: string, storeOptions: ModelStoreOptions): Promise<number | undefined> {
  const value = (await readConfig(name, provider, storeOptions)).projection_dim;
  return typeof value === 'number' ? value : undefined;
}
