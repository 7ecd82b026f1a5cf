/**
 * Image → joint-space vector. The raw descriptor (descriptor.ts) is centred on
 * the mean descriptor of a fixed reference set of shapes-world renders before
 * normalising, as CLIP-style spaces are usable only after their large common
 * component is discounted: what every image shares (a plain backdrop, one
 * object) stops inflating every similarity, and the differences that a prompt
 * controls spread the reward range. Deterministic: the reference set is fixed.
 */
import { l2Normalize, meanVector } from '../../math/vectors.js';
import { analyseImage, assembleDescriptor, type BlockName } from './descriptor.js';
import type { Drawable } from './pixels.js';
import { renderPrompt } from './render.js';
import { COLOUR_FAMILIES, SHAPE_CLASSES } from './vocabulary.js';

/** How much of the common component is removed (0 = raw descriptor). */
const CENTRING = 0.5;
const REFERENCE_SIZE = 128;

function referencePrompts(): string[] {
  const prompts = SHAPE_CLASSES.flatMap((shape, i) =>
    [0, 1, 2, 3].map((k) => `${COLOUR_FAMILIES[(i * 4 + k) % COLOUR_FAMILIES.length]} ${shape}`),
  );
  prompts.push(
    'red sphere on a blue background',
    'yellow cube on a green background',
    'two purple cones',
    'three orange stars',
    'flat pink heart',
    'cyan torus drawing',
    'white egg on a black background',
    'small brown cylinder',
  );
  return prompts;
}

let worldMean: Float32Array | null = null;

function commonComponent(): Float32Array {
  if (!worldMean) {
    const raw = referencePrompts().map((prompt, i) =>
      assembleDescriptor(analyseImage(renderPrompt(prompt, 0x5eed + i, REFERENCE_SIZE, REFERENCE_SIZE)).blocks),
    );
    worldMean = meanVector(raw);
  }
  return worldMean;
}

export function encodeBlocks(blocks: Map<BlockName, Float32Array>): Float32Array {
  const raw = assembleDescriptor(blocks);
  const common = commonComponent();
  const centred = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) centred[i] = raw[i]! - CENTRING * common[i]!;
  return l2Normalize(centred);
}

export function encodeImage(source: Drawable): Float32Array {
  return encodeBlocks(analyseImage(source).blocks);
}
