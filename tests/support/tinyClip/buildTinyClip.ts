/**
 * Writes a real, tiny CLIP-format model that `@huggingface/transformers` loads
 * with its own classes (`AutoTokenizer`, `AutoProcessor`,
 * `CLIPTextModelWithProjection`, `CLIPVisionModelWithProjection`), laid out
 * exactly like a downloaded model in the cache: `<cacheDir>/<model>/...`.
 *
 * The graphs are not transformers (the config's layer sizes are nominal); their
 * weights are chosen so the joint space means something:
 * - text: `text_embeds` = sum over the unmasked tokens of a token-embedding row;
 * - vision: `image_embeds` = mean normalised colour per channel, placed in the
 *   first three dimensions.
 * The colour words' rows point along the same three dimensions with the sign
 * pattern of their colour after CLIP normalisation (red ≈ (+, −, −)), so "red"
 * lies close to a red image and far from a blue one. Every other word lives in
 * the remaining dimensions, so it moves a text away from all colours equally.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CAST_TO_FLOAT,
  encodeModel,
  floatInitializer,
  int64Initializer,
  node,
  valueInfo,
} from './onnxGraph.js';

/** Model name used in tests, as if it were a Hub id under the cache directory. */
export const TINY_CLIP_MODEL = 'imageprompt/tiny-clip';
/** Size of the joint space (`projection_dim` in config.json). */
export const TINY_CLIP_DIMENSIONS = 16;
/** Side of the square the image processor crops to. */
export const TINY_CLIP_IMAGE_SIZE = 32;
/** Longest token sequence the tokenizer emits (`model_max_length`). */
export const TINY_CLIP_MAX_TOKENS = 12;

const START = '<|startoftext|>';
const END = '<|endoftext|>';
const UNKNOWN = '<|unk|>';

/** Sign pattern of each colour word in the first three (channel) dimensions. */
const COLOUR_WORDS: Record<string, readonly [number, number, number]> = {
  red: [1, -1, -1],
  green: [-1, 1, -1],
  blue: [-1, -1, 1],
  white: [1, 1, 1],
  black: [-1, -1, -1],
};
const OTHER_WORDS = ['a', 'an', 'the', 'photo', 'picture', 'of', 'on', 'circle', 'square', 'triangle', 'star', 'small', 'large', 'background'];

/** Token strings in id order. */
export const TINY_CLIP_VOCABULARY: readonly string[] = [START, END, UNKNOWN, ...Object.keys(COLOUR_WORDS), ...OTHER_WORDS];

const COLOUR_SCALE = 3;
/** Start and end tokens add this much to the last dimension, so an empty text still has a direction. */
const BOUNDARY_WEIGHT = 0.1;

/** Deterministic values in [-1, 1) (a 32-bit LCG), so the fixture is the same on every run. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Row `i` of the token-embedding table, shape [vocabulary, dimensions]. */
export function tinyClipTokenRows(): Float32Array[] {
  const next = pseudoRandom(20240611);
  return TINY_CLIP_VOCABULARY.map((token) => {
    const row = new Float32Array(TINY_CLIP_DIMENSIONS);
    const colour = COLOUR_WORDS[token];
    if (colour) {
      colour.forEach((sign, channel) => {
        row[channel] = sign * COLOUR_SCALE;
      });
    } else if (token === START || token === END) {
      row[TINY_CLIP_DIMENSIONS - 1] = BOUNDARY_WEIGHT;
    } else {
      // Ordinary words and the unknown token: only the non-colour dimensions.
      for (let d = 3; d < TINY_CLIP_DIMENSIONS; d++) row[d] = next();
    }
    return row;
  });
}

/** CLIP's normalisation constants (OpenAI ViT-B/32's preprocessor_config.json). */
const IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073];
const IMAGE_STD = [0.26862954, 0.26130258, 0.27577711];

function textModel(): Uint8Array {
  const rows = tinyClipTokenRows();
  const table = new Float32Array(rows.length * TINY_CLIP_DIMENSIONS);
  for (const [i, row] of rows.entries()) table.set(row, i * TINY_CLIP_DIMENSIONS);
  return encodeModel({
    name: 'tiny_clip_text',
    inputs: [valueInfo('input_ids', 'int64', ['batch', 'sequence']), valueInfo('attention_mask', 'int64', ['batch', 'sequence'])],
    outputs: [valueInfo('text_embeds', 'float', ['batch', TINY_CLIP_DIMENSIONS])],
    initializers: [floatInitializer('token_embedding', [rows.length, TINY_CLIP_DIMENSIONS], table), int64Initializer('axis_one', [1])],
    nodes: [
      node('Gather', ['token_embedding', 'input_ids'], ['token_vectors']), // [batch, sequence, dimensions]
      node('Cast', ['attention_mask'], ['mask'], { to: CAST_TO_FLOAT }), // [batch, sequence]
      node('Unsqueeze', ['mask', 'axis_one'], ['mask_row']), // [batch, 1, sequence]
      node('MatMul', ['mask_row', 'token_vectors'], ['masked_sum']), // [batch, 1, dimensions]
      node('Flatten', ['masked_sum'], ['text_embeds'], { axis: 1 }), // [batch, dimensions]
    ],
  });
}

function visionModel(): Uint8Array {
  const projection = new Float32Array(3 * TINY_CLIP_DIMENSIONS);
  for (let channel = 0; channel < 3; channel++) projection[channel * TINY_CLIP_DIMENSIONS + channel] = 1;
  return encodeModel({
    name: 'tiny_clip_vision',
    inputs: [valueInfo('pixel_values', 'float', ['batch', 3, TINY_CLIP_IMAGE_SIZE, TINY_CLIP_IMAGE_SIZE])],
    outputs: [valueInfo('image_embeds', 'float', ['batch', TINY_CLIP_DIMENSIONS])],
    initializers: [floatInitializer('visual_projection', [3, TINY_CLIP_DIMENSIONS], projection)],
    nodes: [
      node('ReduceMean', ['pixel_values'], ['channel_means'], { axes: [2, 3], keepdims: 0 }), // [batch, 3]
      node('MatMul', ['channel_means', 'visual_projection'], ['image_embeds']), // [batch, dimensions]
    ],
  });
}

function config(): object {
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: TINY_CLIP_DIMENSIONS,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: 'clip_text_model',
      vocab_size: TINY_CLIP_VOCABULARY.length,
      hidden_size: TINY_CLIP_DIMENSIONS,
      intermediate_size: 2 * TINY_CLIP_DIMENSIONS,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      max_position_embeddings: TINY_CLIP_MAX_TOKENS,
      projection_dim: TINY_CLIP_DIMENSIONS,
      bos_token_id: TINY_CLIP_VOCABULARY.indexOf(START),
      eos_token_id: TINY_CLIP_VOCABULARY.indexOf(END),
      pad_token_id: TINY_CLIP_VOCABULARY.indexOf(END),
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: TINY_CLIP_DIMENSIONS,
      intermediate_size: 2 * TINY_CLIP_DIMENSIONS,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      num_channels: 3,
      image_size: TINY_CLIP_IMAGE_SIZE,
      patch_size: TINY_CLIP_IMAGE_SIZE,
      projection_dim: TINY_CLIP_DIMENSIONS,
    },
  };
}

/** A word-level tokenizer.json: lower-case, split on whitespace and punctuation, wrap in start/end tokens. */
function tokenizer(): object {
  const vocab = Object.fromEntries(TINY_CLIP_VOCABULARY.map((token, id) => [token, id]));
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(START), special(END), special(UNKNOWN)],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: START, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: END, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: START, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: END, type_id: 0 } },
      ],
      special_tokens: {
        [START]: { id: START, ids: [vocab[START]], tokens: [START] },
        [END]: { id: END, ids: [vocab[END]], tokens: [END] },
      },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: UNKNOWN },
  };
}

function tokenizerConfig(): object {
  return {
    tokenizer_class: 'CLIPTokenizer',
    model_max_length: TINY_CLIP_MAX_TOKENS,
    bos_token: START,
    eos_token: END,
    pad_token: END,
    unk_token: UNKNOWN,
    do_lower_case: true,
    clean_up_tokenization_spaces: false,
  };
}

/** A real CLIP image-processor config (bicubic resize of the short side, centre crop, normalise), at 32 px. */
function preprocessorConfig(): object {
  return {
    image_processor_type: 'CLIPImageProcessor',
    do_convert_rgb: true,
    do_resize: true,
    size: { shortest_edge: TINY_CLIP_IMAGE_SIZE },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: TINY_CLIP_IMAGE_SIZE, width: TINY_CLIP_IMAGE_SIZE },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: IMAGE_MEAN,
    image_std: IMAGE_STD,
  };
}

/** Writes the model to `<cacheDir>/<model>/` and returns that directory. */
export async function buildTinyClip(cacheDir: string, model = TINY_CLIP_MODEL): Promise<string> {
  const modelDir = path.join(cacheDir, ...model.split('/'));
  await mkdir(path.join(modelDir, 'onnx'), { recursive: true });
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  await Promise.all([
    writeFile(path.join(modelDir, 'config.json'), json(config())),
    writeFile(path.join(modelDir, 'tokenizer.json'), json(tokenizer())),
    writeFile(path.join(modelDir, 'tokenizer_config.json'), json(tokenizerConfig())),
    writeFile(path.join(modelDir, 'preprocessor_config.json'), json(preprocessorConfig())),
    writeFile(path.join(modelDir, 'onnx', 'text_model.onnx'), textModel()),
    writeFile(path.join(modelDir, 'onnx', 'vision_model.onnx'), visionModel()),
  ]);
  return modelDir;
}
