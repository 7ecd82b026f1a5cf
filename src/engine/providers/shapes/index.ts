/**
 * The embedded offline provider stack — the "shapes world". A stand-in for
 * DALL·E + CLIP + BLIP limited, as the paper's experiments were, to basic
 * shapes and colours: it draws, embeds and captions simple 3-D renders so the
 * whole method runs with no network and no model download. It is not a real
 * image model, and everything that shows results says so.
 */
import type { ProviderStack } from '../types.js';
import { ShapesCaptioner } from './captioner.js';
import { ShapesEmbedder } from './embedder.js';
import { ShapesGenerator } from './generator.js';

export { SHAPES_CAPTIONER_ID, ShapesCaptioner } from './captioner.js';
export { SHAPES_EMBEDDING_DIMENSIONS } from './descriptor.js';
export { SHAPES_EMBEDDER_ID, ShapesEmbedder } from './embedder.js';
export {
  MAX_SHAPES_IMAGE_SIDE,
  MIN_SHAPES_IMAGE_SIDE,
  SHAPES_MODEL_ID,
  SHAPES_PROVIDER_ID,
  ShapesGenerator,
} from './generator.js';
export { MAX_PROMPT_TOKENS, parsePrompt, type PromptSpec, tokenizePrompt } from './prompt-parser.js';
export {
  BACKGROUND_WORDS,
  COLOUR_FAMILIES,
  COLOUR_WORDS,
  type ColourFamily,
  COUNT_WORDS,
  FILLER_WORDS,
  knownShapesWords,
  LIGHTING_WORDS,
  MATERIAL_WORDS,
  POSITION_WORDS,
  SHAPE_CLASSES,
  SHAPE_WORDS,
  type ShapeClass,
  SHAPES_VOCABULARY,
  SIZE_WORDS,
  STYLE_WORDS,
  TONE_WORDS,
} from './vocabulary.js';

export const SHAPES_STACK_DESCRIPTION =
  'offline shapes world: a built-in renderer of basic shapes and colours with a hand-made image/text embedding and captioner (no real image model)';

/** The offline stack: generator, embedder and captioner share one embedder, so text embeddings are cached once. */
export function createShapesStack(): ProviderStack {
  const embedder = new ShapesEmbedder();
  return {
    generator: new ShapesGenerator(),
    embedder,
    captioner: new ShapesCaptioner(embedder),
    description: SHAPES_STACK_DESCRIPTION,
    offline: true,
  };
}
