/**
 * The shapes world's "CLIP image encoder", raw part: a 512-d descriptor of an
 * image's colours and shapes, hand-built so that cosine similarity (after the
 * encoder's centring, encoder.ts) behaves like CLIP's on simple renders: same
 * prompt, other seed ≈ 0.93; wrong colour or wrong shape clearly lower;
 * partial matches in between.
 *
 * The image is resampled to a 64² view (colour, layout, count) and the largest
 * object is re-sampled on its own into a 48² crop (shape: translation- and
 * scale-normalised). Each block is L2-normalised and scaled by √weight, so the
 * cosine of two raw descriptors is the weighted mean of their blocks' cosines.
 */
import type { Rgb } from './colour.js';
import { addColour, BACKGROUND_HUES, histogramSize, OBJECT_HUES, sqrtNormalise } from './colour-features.js';
import { type Drawable, sampleRegion, sampleWhole } from './pixels.js';
import { backgroundRows, classifyPixels, findBlobs, PixelClass } from './segmentation.js';
import { describeShape, markShapeAbsent, SHAPE_BLOCK_SIZES, type ShapeBlocks } from './shape-features.js';
import { RBF_CENTRES, rbf } from './soft-codes.js';

export const SHAPES_EMBEDDING_DIMENSIONS = 512;
const VIEW = 64;
const CROP = 48;

export type BlockName =
  | 'objectColour'
  | 'backgroundColour'
  | 'colourLayout'
  | 'occupancy'
  | 'silhouette'
  | 'widths'
  | 'geometry'
  | 'edges'
  | 'shading'
  | 'count';

interface BlockSpec {
  name: BlockName;
  size: number;
  weight: number;
}

/** Block layout and weights: colour and shape carry about equal weight, layout and count less. */
export const DESCRIPTOR_BLOCKS: readonly BlockSpec[] = [
  { name: 'objectColour', size: histogramSize(OBJECT_HUES) + 1, weight: 2.6 },
  { name: 'backgroundColour', size: histogramSize(BACKGROUND_HUES), weight: 1.0 },
  { name: 'colourLayout', size: 4 * 4 * 3, weight: 0.8 },
  { name: 'occupancy', size: 8 * 8, weight: 0.8 },
  { name: 'silhouette', size: SHAPE_BLOCK_SIZES.silhouette, weight: 1.4 },
  { name: 'widths', size: SHAPE_BLOCK_SIZES.widths, weight: 1.0 },
  { name: 'geometry', size: SHAPE_BLOCK_SIZES.geometry, weight: 1.0 },
  { name: 'edges', size: SHAPE_BLOCK_SIZES.edges, weight: 1.4 },
  { name: 'shading', size: SHAPE_BLOCK_SIZES.shading, weight: 0.8 },
  { name: 'count', size: 7 + RBF_CENTRES + 6, weight: 0.7 },
];

const offsets = new Map<BlockName, { start: number; end: number }>();
{
  let at = 0;
  for (const block of DESCRIPTOR_BLOCKS) {
    offsets.set(block.name, { start: at, end: at + block.size });
    at += block.size;
  }
  if (at > SHAPES_EMBEDDING_DIMENSIONS) throw new Error(`descriptor blocks need ${at} dimensions`);
}

export function blockRange(name: BlockName): { start: number; end: number } {
  return offsets.get(name) as { start: number; end: number };
}

/** Cosine of two descriptors restricted to some blocks (zero-shot classification by aspect). */
export function blockCosine(a: Float32Array, b: Float32Array, names: readonly BlockName[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (const name of names) {
    const { start, end } = blockRange(name);
    for (let i = start; i < end; i++) {
      ab += a[i]! * b[i]!;
      aa += a[i]! * a[i]!;
      bb += b[i]! * b[i]!;
    }
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Plain numbers the captioner reads directly, alongside the blocks. */
export interface ImageSummary {
  background: Rgb;
  objectCount: number;
  foregroundFraction: number;
  fillRatio: number;
  holeFraction: number;
  luminanceSpread: number;
  highlightFraction: number;
  /** Share of the object's inside with no brightness gradient (flat fills, icons). */
  flatFraction: number;
}

export interface ImageAnalysis {
  blocks: Map<BlockName, Float32Array>;
  summary: ImageSummary;
}

export function analyseImage(source: Drawable): ImageAnalysis {
  const view = sampleWhole(source, VIEW);
  const rows = backgroundRows(view);
  const classes = classifyPixels(view, rows, (y) => y);
  const { blobs } = findBlobs(classes, VIEW);
  const largest = blobs[0];
  const significant = largest ? blobs.filter((b) => b.area >= Math.max(3, largest.area * 0.12)) : [];

  const blocks = new Map<BlockName, Float32Array>();
  for (const block of DESCRIPTOR_BLOCKS) blocks.set(block.name, new Float32Array(block.size));
  const block = (name: BlockName) => blocks.get(name) as Float32Array;

  // Colour of objects and of the ground, and the coarse colour layout.
  const objectColour = block('objectColour');
  const backgroundColour = block('backgroundColour');
  const layout = block('colourLayout');
  const occupancy = block('occupancy');
  const rgba = view.rgba;
  let foreground = 0;
  const layoutCounts = new Float32Array(16);
  for (let p = 0; p < VIEW * VIEW; p++) {
    const r = rgba[p * 4]!;
    const g = rgba[p * 4 + 1]!;
    const b = rgba[p * 4 + 2]!;
    const x = p % VIEW;
    const y = (p - x) / VIEW;
    if (classes[p] === PixelClass.Foreground) {
      foreground++;
      addColour(objectColour, OBJECT_HUES, r, g, b);
      const cell = Math.floor((y * 8) / VIEW) * 8 + Math.floor((x * 8) / VIEW);
      occupancy[cell] = occupancy[cell]! + 1;
    } else {
      addColour(backgroundColour, BACKGROUND_HUES, r, g, b);
    }
    const cell = Math.floor((y * 4) / VIEW) * 4 + Math.floor((x * 4) / VIEW);
    layout[cell * 3] = layout[cell * 3]! + (r - g) / 255;
    layout[cell * 3 + 1] = layout[cell * 3 + 1]! + (r + g - 2 * b) / 510;
    layout[cell * 3 + 2] = layout[cell * 3 + 2]! + (r + g + b - 384) / 383;
    layoutCounts[cell] = layoutCounts[cell]! + 1;
  }
  const objectBins = histogramSize(OBJECT_HUES);
  if (foreground > 0) sqrtNormalise(objectColour, objectBins, foreground);
  else objectColour[objectBins] = 1;
  sqrtNormalise(backgroundColour, backgroundColour.length, VIEW * VIEW - foreground);
  for (let c = 0; c < 16; c++) for (let k = 0; k < 3; k++) layout[c * 3 + k] = layout[c * 3 + k]! / layoutCounts[c]!;
  for (let c = 0; c < 64; c++) occupancy[c] = occupancy[c]! / ((VIEW * VIEW) / 64);

  const count = block('count');
  const objectCount = significant.length;
  for (let i = 0; i < 7; i++) count[i] = Math.exp(-((Math.min(objectCount, 6) - i) ** 2) / (2 * 0.45 * 0.45));
  const foregroundFraction = foreground / (VIEW * VIEW);
  const sizeCode = new Float32Array(RBF_CENTRES);
  rbf(sizeCode, 0, Math.log10(Math.max(foregroundFraction, 1e-3)), -2.5, 0);
  count.set(sizeCode, 7);
  const totalArea = significant.reduce((s, b) => s + b.area, 0);
  const share = largest && totalArea > 0 ? largest.area / totalArea : 0;
  for (let i = 0; i < 6; i++) count[7 + RBF_CENTRES + i] = Math.exp(-((share - i / 5) ** 2) / (2 * 0.12 * 0.12)) * 0.6;

  const summary: ImageSummary = {
    background: medianBackground(rows),
    objectCount,
    foregroundFraction,
    fillRatio: 0,
    holeFraction: 0,
    luminanceSpread: 0,
    highlightFraction: 0,
    flatFraction: 0,
  };
  const shapeBlocks: ShapeBlocks = {
    silhouette: block('silhouette'),
    widths: block('widths'),
    geometry: block('geometry'),
    edges: block('edges'),
    shading: block('shading'),
  };
  if (!largest) {
    markShapeAbsent(shapeBlocks);
    return { blocks, summary };
  }

  // The largest object, re-sampled on its own: shape features become translation- and scale-free.
  const width = source.width;
  const height = source.height;
  const sx = width / VIEW;
  const sy = height / VIEW;
  const side = Math.min(
    Math.min(width, height),
    Math.max((largest.maxX - largest.minX + 1) * sx, (largest.maxY - largest.minY + 1) * sy) * 1.25 + 2 * Math.max(sx, sy),
  );
  const centreX = ((largest.minX + largest.maxX + 1) / 2) * sx;
  const centreY = ((largest.minY + largest.maxY + 1) / 2) * sy;
  const x0 = Math.min(Math.max(0, centreX - side / 2), width - side);
  const y0 = Math.min(Math.max(0, centreY - side / 2), height - side);
  const crop = sampleRegion(source, x0, y0, side, side, CROP);
  // The crop's background is the view's, row for row.
  const cropClasses = classifyPixels(crop, rows, (y) => ((y0 + ((y + 0.5) * side) / CROP) / height) * VIEW - 0.5);
  const cropBlobs = findBlobs(cropClasses, CROP);
  const main = cropBlobs.blobs[0];
  if (!main) {
    markShapeAbsent(shapeBlocks);
    return { blocks, summary };
  }
  const mask = new Uint8Array(CROP * CROP);
  for (let p = 0; p < mask.length; p++) mask[p] = cropBlobs.labels[p] === main.label + 1 ? 1 : 0;
  return { blocks, summary: { ...summary, ...describeShape(mask, crop, main, shapeBlocks) } };
}

function medianBackground(rows: Float32Array): Rgb {
  const n = rows.length / 3;
  const mid = n >> 1;
  return [rows[mid * 3]!, rows[mid * 3 + 1]!, rows[mid * 3 + 2]!];
}

/** Blocks → the unit-length descriptor (each block normalised, then weighted). */
export function assembleDescriptor(blocks: Map<BlockName, Float32Array>): Float32Array {
  const out = new Float32Array(SHAPES_EMBEDDING_DIMENSIONS);
  const totalWeight = DESCRIPTOR_BLOCKS.reduce((s, b) => s + b.weight, 0);
  let norm = 0;
  for (const spec of DESCRIPTOR_BLOCKS) {
    const values = blocks.get(spec.name) as Float32Array;
    let n = 0;
    for (const v of values) n += v * v;
    if (n === 0) continue;
    const scale = Math.sqrt(spec.weight / totalWeight) / Math.sqrt(n);
    const { start } = blockRange(spec.name);
    for (let i = 0; i < values.length; i++) {
      out[start + i] = values[i]! * scale;
      norm += (values[i]! * scale) ** 2;
    }
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}
