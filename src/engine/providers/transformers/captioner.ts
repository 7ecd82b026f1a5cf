/**
 * A local image captioner through `@huggingface/transformers`: the
 * `image-to-text` pipeline with a vision-encoder-decoder model (default
 * ViT-GPT2, trained on COCO captions). No BLIP: transformers.js has none.
 *
 * Captions vary by sampling. The first caption is the greedy (most likely)
 * one; the rest are top-k samples at the given temperature, seeded from the
 * caption seed so the same image and seed give the same captions. The
 * library's beam search keeps a single beam and `num_return_sequences` does
 * not widen the output, so repeated sampling is the way to get n captions.
 */
import { type ImageToTextPipeline, pipeline, random } from '@huggingface/transformers';
import { ProviderError } from '../errors.js';
import type { CaptionOptions, Captioner } from '../types.js';
import { collectCaptions } from './collectCaptions.js';
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
import { decodeImages } from './tensors.js';

/** ViT + GPT-2 fine-tuned on COCO captions, converted to ONNX (~1 GB in fp32, ~250 MB as q8). */
export const DEFAULT_CAPTION_MODEL = 'Xenova/vit-gpt2-image-captioning';

export interface TransformersCaptionerOptions extends ModelStoreOptions {
  /** Hub id of a vision-encoder-decoder model. Default `Xenova/vit-gpt2-image-captioning`. */
  model?: string;
  /** Weight precision to load (`onnx/encoder_model<suffix>.onnx`, …). Default `fp32`. */
  dtype?: ModelDtype;
  /** Longest caption, in tokens. Default 24. */
  maxNewTokens?: number;
  /** Sample only among the k most likely next tokens. Default 40. */
  topK?: number;
  /** Sampling temperature (> 0); higher gives more varied captions. Default 1. */
  temperature?: number;
  /** Draws allowed per requested caption before repeating distinct ones. Default 3. */
  drawsPerCaption?: number;
}

export interface CaptionSampling {
  maxNewTokens: number;
  topK: number;
  temperature: number;
  drawsPerCaption: number;
}

/** Keyword arguments for the pipeline's `generate`: greedy for the first caption, sampling after. */
export type CaptionGenerationOptions = {
  max_new_tokens: number;
  do_sample: boolean;
  top_k?: number;
  temperature?: number;
};

export function captionGenerationOptions(sampling: CaptionSampling, sample: boolean): CaptionGenerationOptions {
  return sample
    ? { max_new_tokens: sampling.maxNewTokens, do_sample: true, top_k: sampling.topK, temperature: sampling.temperature }
    : { max_new_tokens: sampling.maxNewTokens, do_sample: false };
}

/** The files a vision-encoder-decoder model folder needs (generation_config.json is optional). */
export function captionModelFiles(dtype: ModelDtype): string[] {
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'preprocessor_config.json',
    onnxFile('encoder_model', dtype),
    onnxFile('decoder_model_merged', dtype),
  ];
}

/**
 * The library samples from one process-wide random generator; captioning runs
 * one at a time so a seed fixes exactly the draws of its own caption() call.
 */
let samplingQueue: Promise<unknown> = Promise.resolve();

export class TransformersCaptioner implements Captioner {
  readonly id: string;
  readonly model: string;
  readonly store: ModelStore;
  readonly sampling: CaptionSampling;
  private readonly dtype: ModelDtype;
  private readonly shared = new SharedLoad<ImageToTextPipeline>(() =>
    loadFromModelStore(this.store, this.id, this.model, captionModelFiles(this.dtype), (options) => this.loadPipeline(options)),
  );

  constructor(options: TransformersCaptionerOptions = {}) {
    this.model = options.model ?? DEFAULT_CAPTION_MODEL;
    this.id = `caption:${this.model}`;
    this.store = resolveModelStore(options);
    this.dtype = options.dtype ?? 'fp32';
    this.sampling = {
      maxNewTokens: positiveInteger(options.maxNewTokens ?? 24, 'maxNewTokens'),
      topK: positiveInteger(options.topK ?? 40, 'topK'),
      temperature: positiveNumber(options.temperature ?? 1, 'temperature'),
      drawsPerCaption: positiveInteger(options.drawsPerCaption ?? 3, 'drawsPerCaption'),
    };
  }

  /** Loads the pipeline now rather than on first use. */
  async load(): Promise<void> {
    await this.loaded();
  }

  async caption(image: Uint8Array, n: number, options: CaptionOptions = {}): Promise<string[]> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}.`);
    if (n === 0) return [];
    const { signal } = options;
    const captioner = await this.loaded(signal);
    const [decoded] = await decodeImages([image], this.id);
    if (!decoded) throw new ProviderError(`${this.id}: the image could not be decoded.`, this.id);

    const run = async (): Promise<string[]> => {
      random.seed(options.seed ?? 0);
      const draw = async (index: number): Promise<string> => {
        const output = await captioner(decoded, captionGenerationOptions(this.sampling, index > 0));
        return output[0]?.generated_text ?? '';
      };
      return collectCaptions(n, n * this.sampling.drawsPerCaption, draw, signal);
    };
    const result = samplingQueue.then(run, run);
    samplingQueue = result.catch(() => undefined);
    const captions = await result;
    if (captions.length === 0) throw new ProviderError(`${this.id} produced no caption for this image.`, this.id);
    return captions;
  }

  private loaded(signal?: AbortSignal): Promise<ImageToTextPipeline> {
    return this.shared.get(signal);
  }

  private loadPipeline(options: PretrainedLoadOptions): Promise<ImageToTextPipeline> {
    return pipeline('image-to-text', this.model, { ...options, dtype: this.dtype, device: 'cpu' });
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  return value;
}

function positiveNumber(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}.`);
  return value;
}
