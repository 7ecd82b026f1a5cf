/**
 * Where local models live and whether the network may be used, and the one
 * place that applies those settings to `@huggingface/transformers`.
 *
 * The library keeps its settings in a process-wide `env` object, and some of
 * its file look-ups (the tokenizer's "is there a tokenizer_config.json?"
 * probe, the pipeline's file list) read only that object, not the per-call
 * options. So every load runs inside `loadFromModelStore`, which sets `env`
 * for that load and runs loads one at a time: two providers configured with
 * different folders (or one offline, one online) cannot see each other's
 * settings. Inference does not read these settings, so it is not serialised.
 */
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env, ModelFileNotFoundError, type ProgressCallback } from '@huggingface/transformers';
import { oneLine } from '../../images/errors.js';
import { ProviderError } from '../errors.js';
import { ModelNotAvailableError, modelDirectory } from './modelNotAvailable.js';

export interface ModelStoreOptions {
  /**
   * Folder holding models as `<cacheDir>/<owner>/<name>/…` (the layout the
   * library writes downloads in). Default `~/.cache/imageprompt/models`.
   */
  cacheDir?: string;
  /** Never touch the network: use only files already in `cacheDir`. Default false. */
  offline?: boolean;
  /** Download progress, file by file (online loads only). */
  onProgress?: ProgressCallback;
  /** Where models are downloaded from: the Hugging Face Hub, or a mirror with the same layout. */
  remoteHost?: string;
}

export interface ModelStore {
  cacheDir: string;
  offline: boolean;
  remoteHost: string;
  onProgress?: ProgressCallback;
}

export const DEFAULT_MODEL_CACHE_DIR = path.join(os.homedir(), '.cache', 'imageprompt', 'models');
export const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';

export function resolveModelStore(options: ModelStoreOptions = {}): ModelStore {
  const store: ModelStore = {
    cacheDir: path.resolve(options.cacheDir ?? DEFAULT_MODEL_CACHE_DIR),
    offline: options.offline ?? false,
    remoteHost: options.remoteHost ?? DEFAULT_REMOTE_HOST,
  };
  if (options.onProgress) store.onProgress = options.onProgress;
  return store;
}

/** The options every `from_pretrained`/`pipeline` call gets. */
export interface PretrainedLoadOptions {
  cache_dir: string;
  local_files_only: boolean;
  progress_callback?: ProgressCallback;
}

/**
 * Weight precisions a model folder may hold, and the file-name suffix the
 * library looks for (`onnx/<name><suffix>.onnx`). `fp32` is its default on CPU.
 */
export const ONNX_FILE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type ModelDtype = keyof typeof ONNX_FILE_SUFFIX;

export function onnxFile(name: string, dtype: ModelDtype): string {
  return `onnx/${name}${ONNX_FILE_SUFFIX[dtype]}.onnx`;
}

let loadQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with the library configured for `store`, after earlier loads
 * finish. Offline, `requiredFiles` (relative to the model folder) are checked
 * first, so a missing file is reported by name rather than as whatever the
 * library trips over; a missing file the library finds itself is translated too.
 */
export function loadFromModelStore<T>(
  store: ModelStore,
  provider: string,
  model: string,
  requiredFiles: readonly string[],
  load: (options: PretrainedLoadOptions) => Promise<T>,
): Promise<T> {
  const run = async (): Promise<T> => {
    if (store.offline) {
      const missing = await missingModelFiles(store, model, requiredFiles);
      if (missing.length > 0) throw new ModelNotAvailableError(provider, model, store.cacheDir, missing);
    }
    applyToLibrary(store);
    const options: PretrainedLoadOptions = { cache_dir: store.cacheDir, local_files_only: store.offline };
    if (store.onProgress && !store.offline) options.progress_callback = store.onProgress;
    try {
      return await load(options);
    } catch (error) {
      throw translateLoadError(error, store, provider, model);
    }
  };
  const result = loadQueue.then(run, run);
  loadQueue = result.catch(() => undefined);
  return result;
}

function applyToLibrary(store: ModelStore): void {
  env.allowLocalModels = true;
  env.allowRemoteModels = !store.offline;
  env.remoteHost = store.remoteHost;
  env.remotePathTemplate = '{model}/resolve/{revision}/';
  // Downloads are cached as <cacheDir>/<model>/<file>; pointing the local
  // model path at the same folder makes "downloaded once" and "copied in by
  // hand" the same thing.
  env.cacheDir = store.cacheDir;
  env.localModelPath = store.cacheDir;
  env.useFSCache = true;
}

/** Which of `files` (relative to the model folder) are not on disk, in the order given. */
export async function missingModelFiles(store: ModelStore, model: string, files: readonly string[]): Promise<string[]> {
  const modelDir = modelDirectory(store.cacheDir, model);
  const present = await Promise.all(
    files.map((file) =>
      access(path.join(modelDir, file)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return files.filter((_, i) => !present[i]);
}

/** The library names the path it looked at: `... file was not found locally at "<path>".` */
const LOCAL_PATH_IN_MESSAGE = /not found locally at "([^"]+)"|Local file missing at "([^"]+)"/;

export function translateLoadError(error: unknown, store: ModelStore, provider: string, model: string): Error {
  if (error instanceof ProviderError) return error;
  if (error instanceof ModelFileNotFoundError) {
    const match = LOCAL_PATH_IN_MESSAGE.exec(error.message);
    const lookedAt = match?.[1] ?? match?.[2];
    if (lookedAt) {
      const relative = relativeToModel(lookedAt, modelDirectory(store.cacheDir, model));
      return new ModelNotAvailableError(provider, model, store.cacheDir, [relative], { cause: error });
    }
    return new ProviderError(`Model ${model} could not be loaded: ${oneLine(error.message)}`, provider, false, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError(`Model ${model} could not be loaded: ${oneLine(detail)}`, provider, false, { cause: error });
}

function relativeToModel(filePath: string, modelDir: string): string {
  const relative = path.relative(modelDir, filePath);
  return relative.startsWith('..') || path.isAbsolute(relative) ? filePath : relative.split(path.sep).join('/');
}

/**
 * Loads once and shares the load between concurrent callers; a failed load
 * (say, files missing offline) is forgotten, so the next call tries again
 * after the files may have arrived.
 */
export class SharedLoad<T> {
  private loading: Promise<T> | undefined;

  constructor(private readonly load: () => Promise<T>) {}

  async get(signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (!this.loading) {
      const attempt = this.load();
      this.loading = attempt;
      attempt.catch(() => {
        if (this.loading === attempt) this.loading = undefined;
      });
    }
    const loaded = await this.loading;
    signal?.throwIfAborted();
    return loaded;
  }
}
