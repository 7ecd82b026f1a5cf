/**
 * Writes a real, tiny vision-encoder-decoder captioning model (the family of
 * ViT-GPT2) that the library's `image-to-text` pipeline loads and runs,
 * laid out like a downloaded model: `<cacheDir>/<model>/...`.
 *
 * The graphs are not a ViT or a GPT-2 (the config's sizes are nominal), and
 * the decoder has no key/value cache, which the library handles by feeding it
 * one token at a time. It is a bigram language model over a ten-word grammar,
 * "a [small|big] <colour> <square|circle|shape>", whose colour choice is
 * biased by the image's mean colour:
 * - encoder: `last_hidden_state` [batch, 1, 3] = mean normalised colour per channel;
 * - decoder: `logits` [batch, tokens, vocabulary] = bigram[token] + colour · colourToWord.
 * So a red image is captioned "a red …" and sampling varies the size word and the shape.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeModel, floatInitializer, int64Initializer, node, valueInfo } from './onnxGraph.js';

export const TINY_CAPTIONER_MODEL = 'imageprompt/tiny-captioner';
const IMAGE_SIZE = 16;
const END = '<|endoftext|>';

/** Token strings in id order; the end token also starts every caption. */
export const TINY_CAPTIONER_VOCABULARY: readonly string[] = [END, 'a', 'small', 'big', 'red', 'green', 'blue', 'square', 'circle', 'shape'];
const COLOURS = ['red', 'green', 'blue'] as const;
const SIZES = ['small', 'big'];
const SHAPES = ['square', 'circle', 'shape'];

const FORBIDDEN = -30;

function id(token: string): number {
  const index = TINY_CAPTIONER_VOCABULARY.indexOf(token);
  if (index < 0) throw new Error(`not in the vocabulary: ${token}`);
  return index;
}

/** bigram[previous][next]: the grammar, with preferences that make greedy decoding say "a <colour> square". */
function bigramLogits(): Float32Array {
  const size = TINY_CAPTIONER_VOCABULARY.length;
  const table = new Float32Array(size * size).fill(FORBIDDEN);
  const allow = (from: string, to: string, logit: number) => {
    table[id(from) * size + id(to)] = logit;
  };
  allow(END, 'a', 10);
  for (const colour of COLOURS) allow('a', colour, 0);
  for (const word of SIZES) {
    // The image adds up to +12 to its colour word, so a size word at 11 stays a real option after "a".
    allow('a', word, 11);
    for (const colour of COLOURS) allow(word, colour, 0);
  }
  for (const colour of COLOURS) {
    for (const [rank, shape] of SHAPES.entries()) allow(colour, shape, -0.7 * rank);
  }
  for (const shape of SHAPES) allow(shape, END, 10);
  allow(END, END, FORBIDDEN);
  return table;
}

/** colourToWord[channel][token]: how much each normalised channel mean favours each colour word. */
function colourToWord(): Float32Array {
  const size = TINY_CAPTIONER_VOCABULARY.length;
  const table = new Float32Array(3 * size);
  COLOURS.forEach((colour, channel) => {
    for (let c = 0; c < 3; c++) table[c * size + id(colour)] = c === channel ? 4 : -4;
  });
  return table;
}

function encoderModel(): Uint8Array {
  return encodeModel({
    name: 'tiny_captioner_encoder',
    inputs: [valueInfo('pixel_values', 'float', ['batch', 3, IMAGE_SIZE, IMAGE_SIZE])],
    outputs: [valueInfo('last_hidden_state', 'float', ['batch', 1, 3])],
    initializers: [int64Initializer('sequence_shape', [0, 1, 3])],
    nodes: [
      node('ReduceMean', ['pixel_values'], ['channel_means'], { axes: [2, 3], keepdims: 1 }), // [batch, 3, 1, 1]
      node('Reshape', ['channel_means', 'sequence_shape'], ['last_hidden_state']), // [batch, 1, 3]
    ],
  });
}

function decoderModel(): Uint8Array {
  const size = TINY_CAPTIONER_VOCABULARY.length;
  return encodeModel({
    name: 'tiny_captioner_decoder',
    inputs: [valueInfo('input_ids', 'int64', ['batch', 'tokens']), valueInfo('encoder_hidden_states', 'float', ['batch', 1, 3])],
    outputs: [valueInfo('logits', 'float', ['batch', 'tokens', size])],
    initializers: [floatInitializer('bigram', [size, size], bigramLogits()), floatInitializer('colour_to_word', [3, size], colourToWord())],
    nodes: [
      node('Gather', ['bigram', 'input_ids'], ['grammar_logits']), // [batch, tokens, vocabulary]
      node('MatMul', ['encoder_hidden_states', 'colour_to_word'], ['colour_logits']), // [batch, 1, vocabulary]
      node('Add', ['grammar_logits', 'colour_logits'], ['logits']), // broadcast over tokens
    ],
  });
}

function config(): object {
  const end = id(END);
  const size = TINY_CAPTIONER_VOCABULARY.length;
  return {
    architectures: ['VisionEncoderDecoderModel'],
    model_type: 'vision-encoder-decoder',
    is_encoder_decoder: true,
    decoder_start_token_id: end,
    bos_token_id: end,
    eos_token_id: end,
    pad_token_id: end,
    encoder: {
      model_type: 'vit',
      hidden_size: 3,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: 4,
      image_size: IMAGE_SIZE,
      patch_size: IMAGE_SIZE,
      num_channels: 3,
    },
    decoder: {
      model_type: 'gpt2',
      vocab_size: size,
      n_embd: 3,
      n_layer: 1,
      n_head: 1,
      n_positions: 16,
      add_cross_attention: true,
      is_decoder: true,
      bos_token_id: end,
      eos_token_id: end,
      decoder_start_token_id: end,
    },
  };
}

function generationConfig(): object {
  const end = id(END);
  return { decoder_start_token_id: end, bos_token_id: end, eos_token_id: end, pad_token_id: end, max_length: 8 };
}

function tokenizer(): object {
  const vocab = Object.fromEntries(TINY_CAPTIONER_VOCABULARY.map((token, index) => [token, index]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: id(END), content: END, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordLevel', vocab, unk_token: END },
  };
}

function tokenizerConfig(): object {
  return { tokenizer_class: 'GPT2Tokenizer', model_max_length: 16, bos_token: END, eos_token: END, unk_token: END, pad_token: END };
}

function preprocessorConfig(): object {
  return {
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  };
}

/** Writes the model to `<cacheDir>/<model>/` and returns that directory. */
export async function buildTinyCaptioner(cacheDir: string, model = TINY_CAPTIONER_MODEL): Promise<string> {
  const modelDir = path.join(cacheDir, ...model.split('/'));
  await mkdir(path.join(modelDir, 'onnx'), { recursive: true });
  const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;
  await Promise.all([
    writeFile(path.join(modelDir, 'config.json'), json(config())),
    writeFile(path.join(modelDir, 'generation_config.json'), json(generationConfig())),
    writeFile(path.join(modelDir, 'tokenizer.json'), json(tokenizer())),
    writeFile(path.join(modelDir, 'tokenizer_config.json'), json(tokenizerConfig())),
    writeFile(path.join(modelDir, 'preprocessor_config.json'), json(preprocessorConfig())),
    writeFile(path.join(modelDir, 'onnx', 'encoder_model.onnx'), encoderModel()),
    writeFile(path.join(modelDir, 'onnx', 'decoder_model_merged.onnx'), decoderModel()),
  ]);
  return modelDir;
}
