/**
 * CLIP through `@huggingface/transformers`, run locally on the CPU: texts and
 * images map into the model's joint space, L2-normalised.
 *
 * Loads lazily, once (concurrent first callers share one load), with the
 * library's own classes: `AutoTokenizer`, `AutoProcessor`,
 * `CLIPTextModelWithProjection` and `CLIPVisionModelWithProjection`. Model files
 * come from `<cacheDir>/<model>/` (downloaded there when online).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Processor,
} from '@huggingface/transformers';
import { l2Normalize } from '../../math/vectors.js';
import { ProviderError } from '../errors.js';
import type { Embedder } from '../types.js';
import { decodeImages, tensorRows } from './tensors.js';
import { modelDirectory } from './modelNotAvailable.js';
import {
  loadFromModelStore,
  SharedLoad,
  type ModelDtype,
  type ModelStore,
  type ModelStoreOptions,
  onnxFile,
  type PretrainedLoadOptions,
  resolveModelStore,
} from './modelStore.js';

/** OpenAI CLIP ViT-B/32 converted to ONNX: a 512-d joint space, ~600 MB in fp32. */
export const DEFAULT_CLIP_MODEL = 'Xenova/clip-vit-base-patch32';
const DEFAULT_CLIP_DIMENSIONS = 512;

export interface TransformersClipOptions extends ModelStoreOptions {
  /** Hub id of a CLIP model with separate text and vision ONNX files. Default `Xenova/clip-vit-base-patch32`. */
  model?: string;
  /**
   * Size of the joint space. Default: `projection_dim` from the model's
   * config.json when it is already on disk, else 512. Checked against the
   * model when it loads.
   */
  dimensions?: number;
  /** Weight precision to load (`onnx/text_model<suffix>.onnx`). Default `fp32`. */
  dtype?: ModelDtype;
  /** Texts tokenised and embedded together in one model run. Default 64. */
  textBatchSize?: number;
  /** Images preprocessed and embedded together in one model run. Default 16. */
  imageBatchSize?: number;
}

interface LoadedClip {
  tokenizer: PreTrainedTokenizer;
  processor: Processor;
  textModel: PreTrainedModel;
  visionModel: PreTrainedModel;
}

/** The files a CLIP model folder needs, relative to it. */
export function clipModelFiles(dtype: ModelDtype): string[] {
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'preprocessor_config.json',
    onnxFile('text_model', dtype),
    onnxFile('vision_model', dtype),
  ];
}

export class TransformersClipEmbedder implements Embedder {
  readonly id: string;
  readonly model: string;
  readonly dimensions: number;
  readonly store: ModelStore;
  private readonly dtype: ModelDtype;
  private readonly textBatchSize: number;
  private readonly imageBatchSize: number;
  private readonly shared = new SharedLoad<LoadedClip>(() =>
    loadFromModelStore(this.store, this.id, this.model, clipModelFiles(this.dtype), (options) => this.loadParts(options)),
  );

  constructor(options: TransformersClipOptions = {}) {
    this.model = options.model ?? DEFAULT_CLIP_MODEL;
    this.id = `clip:${this.model}`;
    this.store = resolveModelStore(options);
    this.dtype = options.dtype ?? 'fp32';
    this.textBatchSize = positiveInteger(options.textBatchSize ?? 64, 'textBatchSize');
    this.imageBatchSize = positiveInteger(options.imageBatchSize ?? 16, 'imageBatchSize');
    // The interface exposes the size synchronously (callers size their networks
    // before the first embedding), so read it from the config already on disk.
    this.dimensions = positiveInteger(
      options.dimensions ?? projectionDimOnDisk(modelDirectory(this.store.cacheDir, this.model)) ?? DEFAULT_CLIP_DIMENSIONS,
      'dimensions',
    );
  }

  /** Loads the tokenizer, processor and both models now rather than on first use. */
  async load(): Promise<void> {
    await this.loaded();
  }

  async embedTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { tokenizer, textModel } = await this.loaded(signal);
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.textBatchSize) {
      signal?.throwIfAborted();
      const batch = texts.slice(start, start + this.textBatchSize);
      // Padding does not change a text's embedding: CLIP pools at the end token and masks the rest.
      const inputs: unknown = tokenizer([...batch], { padding: true, truncation: true });
      const output: unknown = await textModel(inputs);
      embeddings.push(...this.normalisedRows(output, 'text_embeds', batch.length));
    }
    return embeddings;
  }

  async embedImages(images: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const { processor, visionModel } = await this.loaded(signal);
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.imageBatchSize) {
      signal?.throwIfAborted();
      const batch = images.slice(start, start + this.imageBatchSize);
      const decoded = await decodeImages(batch, this.id, start);
      const inputs: unknown = await processor(decoded);
      const output: unknown = await visionModel(inputs);
      embeddings.push(...this.normalisedRows(output, 'image_embeds', batch.length));
    }
    return embeddings;
  }

  private normalisedRows(output: unknown, name: string, expectedRows: number): Float32Array[] {
    const rows = tensorRows(output, name, this.id);
    if (rows.length !== expectedRows) {
      throw new ProviderError(`${this.id}: ${name} has ${rows.length} rows for ${expectedRows} inputs.`, this.id);
    }
    return rows.map((row) => {
      if (row.length !== this.dimensions) {
        throw new ProviderError(`${this.id}: ${name} has ${row.length} dimensions, expected ${this.dimensions}.`, this.id);
      }
      return l2Normalize(row);
    });
  }

  private loaded(signal?: AbortSignal): Promise<LoadedClip> {
    return this.shared.get(signal);
  }

  private async loadParts(options: PretrainedLoadOptions): Promise<LoadedClip> {
    const modelOptions = { ...options, dtype: this.dtype, device: 'cpu' as const };
    const [tokenizer, processor, textModel, visionModel] = await Promise.all([
      AutoTokenizer.from_pretrained(this.model, options),
      AutoProcessor.from_pretrained(this.model, options),
      CLIPTextModelWithProjection.from_pretrained(this.model, modelOptions),
      CLIPVisionModelWithProjection.from_pretrained(this.model, modelOptions),
    ]);
    const projectionDim = numberField(textModel.config, 'projection_dim');
    if (projectionDim !== this.dimensions) {
      throw new ProviderError(
        `${this.id}: the model's projection_dim is ${String(projectionDim)}, but this embedder was configured for ${this.dimensions} dimensions; pass dimensions: ${String(projectionDim)}.`,
        this.id,
      );
    }
    return { tokenizer, processor, textModel, visionModel };
  }
}

function projectionDimOnDisk(modelDir: string): number | undefined {
  try {
    return numberField(JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')), 'projection_dim');
  } catch {
    // Not downloaded yet (or unreadable): the load reports it properly.
    return undefined;
  }
}

function numberField(object: unknown, key: string): number | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const value: unknown = (object as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
