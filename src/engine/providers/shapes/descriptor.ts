/**
 * The shapes world's "CLIP image encoder": a 512-d, L2-normalised descriptor of
 * an image's colours and shapes, hand-built so that cosine similarity behaves
 * like CLIP's on simple renders (same prompt, other seed ≈ 0.9; wrong colour
 * or wrong shape clearly lower; partial matches in between).
 *
 * The image is resampled to a 64² view (colour, layout, count) and the largest
 * object is re-sampled on its own into a 48² crop (shape: translation- and
 * scale-normalised). Each block is L2-normalised and scaled by √weight, so the
 * cosine of two descriptors is the weighted mean of their blocks' cosines.
 */
import type { Rgb } from './colour.js';
import { type Drawable, type Raster, sampleRegion, sampleWhole } from './pixels.js';
import { backgroundRows, classifyPixels, findBlobs, PixelClass } from './segmentation.js';

export const SHAPES_EMBEDDING_DIMENSIONS = 512;
const VIEW = 64;
const CROP = 48;
const OBJECT_HUES = 24;
const BACKGROUND_HUES = 12;
const GREYS = 6;
const PROFILE_BINS = 32;
const FOURIER_TERMS = 8;
const ORIENTATIONS = 12;
const RBF_CENTRES = 8;

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
  { name: 'objectColour', size: OBJECT_HUES * 3 + GREYS + 1, weight: 2.6 },
  { name: 'backgroundColour', size: BACKGROUND_HUES * 3 + GREYS, weight: 1.0 },
  { name: 'colourLayout', size: 4 * 4 * 3, weight: 0.8 },
  { name: 'occupancy', size: 8 * 8, weight: 0.8 },
  { name: 'silhouette', size: 2 + PROFILE_BINS + FOURIER_TERMS, weight: 1.4 },
  { name: 'widths', size: 2 + 16, weight: 1.0 },
  { name: 'geometry', size: 1 + 4 * RBF_CENTRES, weight: 1.0 },
  { name: 'edges', size: 2 + 2 * ORIENTATIONS, weight: 1.4 },
  { name: 'shading', size: 1 + 7 * RBF_CENTRES, weight: 0.8 },
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

const smooth = (x: number, lo: number, hi: number) => (x <= lo ? 0 : x >= hi ? 1 : (x - lo) / (hi - lo));

/** Gaussian soft-binning of a scalar over a range: near values share bins, so cosine grades smoothly. */
function rbf(out: Float32Array, at: number, x: number, lo: number, hi: number): void {
  const step = (hi - lo) / (RBF_CENTRES - 1);
  const sigma = step * 0.8;
  const clamped = Math.min(hi + step, Math.max(lo - step, x));
  let norm = 0;
  for (let i = 0; i < RBF_CENTRES; i++) {
    const v = Math.exp(-((clamped - (lo + i * step)) ** 2) / (2 * sigma * sigma));
    out[at + i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < RBF_CENTRES; i++) out[at + i] = out[at + i]! / norm;
}

/**
 * Hue kernels: each hue spreads over its neighbouring bins with a Gaussian, so
 * red and orange share some weight (a plausible confusion) and red and blue
 * none. Tabulated per whole degree.
 */
function hueKernel(bins: number, sigmaDegrees: number): { bins: Int32Array; weights: Float32Array }[] {
  const table: { bins: Int32Array; weights: Float32Array }[] = [];
  for (let degree = 0; degree < 360; degree++) {
    const used: number[] = [];
    const weights: number[] = [];
    for (let b = 0; b < bins; b++) {
      const centre = ((b + 0.5) * 360) / bins;
      const d = Math.min(Math.abs(degree + 0.5 - centre), 360 - Math.abs(degree + 0.5 - centre));
      if (d > 3 * sigmaDegrees) continue;
      used.push(b);
      weights.push(Math.exp(-(d * d) / (2 * sigmaDegrees * sigmaDegrees)));
    }
    const total = weights.reduce((a, w) => a + w, 0);
    table.push({ bins: Int32Array.from(used), weights: Float32Array.from(weights, (w) => w / total) });
  }
  return table;
}
const OBJECT_HUE_KERNEL = hueKernel(OBJECT_HUES, 15);
const BACKGROUND_HUE_KERNEL = hueKernel(BACKGROUND_HUES, 20);

/** Hue (degrees), saturation and value of one pixel, written into a scratch triple (hot loop: no allocation). */
const hsv = new Float32Array(3);
function toHsv(r: number, g: number, b: number): void {
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = (g - b) / d + (g < b ? 6 : 0);
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
  }
  hsv[0] = h;
  hsv[1] = max === 0 ? 0 : d / max;
  hsv[2] = max / 255;
}

/** Adds one pixel to a hue × tone + greys histogram (soft in hue and in grey level). */
function addColour(hist: Float32Array, hues: number, r: number, g: number, b: number): void {
  toHsv(r, g, b);
  const h = hsv[0]!;
  const s = hsv[1]!;
  const v = hsv[2]!;
  const chroma = smooth(s, 0.1, 0.25) * smooth(v, 0.1, 0.22);
  if (chroma > 0) {
    const dark = 1 - smooth(v, 0.3, 0.55);
    const vivid = (1 - dark) * smooth(s, 0.35, 0.6);
    const pale = 1 - dark - vivid;
    const kernel = (hues === OBJECT_HUES ? OBJECT_HUE_KERNEL : BACKGROUND_HUE_KERNEL)[Math.floor(h) % 360]!;
    for (let k = 0; k < kernel.bins.length; k++) {
      const at = kernel.bins[k]! * 3;
      const w = chroma * kernel.weights[k]!;
      hist[at] = hist[at]! + w * dark;
      hist[at + 1] = hist[at + 1]! + w * vivid;
      hist[at + 2] = hist[at + 2]! + w * pale;
    }
  }
  if (chroma < 1) {
    const f = v * (GREYS - 1);
    const i0 = Math.min(GREYS - 2, Math.floor(f));
    const t = f - i0;
    const w = 1 - chroma;
    hist[hues * 3 + i0] = hist[hues * 3 + i0]! + w * (1 - t);
    hist[hues * 3 + i0 + 1] = hist[hues * 3 + i0 + 1]! + w * t;
  }
}

/** Hellinger-style square root, so a large area does not drown a small distinctive one. */
function sqrtNormalise(hist: Float32Array, length: number, total: number): void {
  if (total <= 0) return;
  for (let i = 0; i < length; i++) hist[i] = Math.sqrt(hist[i]! / total);
}

function luminance(rgba: Uint8ClampedArray, p: number): number {
  return (0.299 * rgba[p * 4]! + 0.587 * rgba[p * 4 + 1]! + 0.114 * rgba[p * 4 + 2]!) / 255;
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
  const objectBins = OBJECT_HUES * 3 + GREYS;
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

  const background = medianBackground(rows);
  const summary: ImageSummary = {
    background,
    objectCount,
    foregroundFraction,
    fillRatio: 0,
    holeFraction: 0,
    luminanceSpread: 0,
    highlightFraction: 0,
    flatFraction: 0,
  };

  if (!largest) {
    for (const name of ['silhouette', 'widths', 'edges'] as const) block(name)[1] = 1;
    block('geometry')[0] = 1;
    block('shading')[0] = 1;
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
  const cropClasses = classifyPixels(crop, rows, (y) => ((y0 + ((y + 0.5) * side) / CROP) / height) * VIEW - 0.5);
  const cropBlobs = findBlobs(cropClasses, CROP);
  const main = cropBlobs.blobs[0];
  if (!main) {
    for (const name of ['silhouette', 'widths', 'edges'] as const) block(name)[1] = 1;
    block('geometry')[0] = 1;
    block('shading')[0] = 1;
    return { blocks, summary };
  }
  const mask = new Uint8Array(CROP * CROP);
  for (let p = 0; p < mask.length; p++) mask[p] = cropBlobs.labels[p] === main.label + 1 ? 1 : 0;
  describeShape(mask, crop, main, blocks, summary);
  return { blocks, summary };
}

function medianBackground(rows: Float32Array): Rgb {
  const n = rows.length / 3;
  const mid = n >> 1;
  return [rows[mid * 3]!, rows[mid * 3 + 1]!, rows[mid * 3 + 2]!];
}

function describeShape(
  mask: Uint8Array,
  crop: Raster,
  main: { area: number; minX: number; minY: number; maxX: number; maxY: number },
  blocks: Map<BlockName, Float32Array>,
  summary: ImageSummary,
): void {
  const n = CROP;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= n || y >= n ? 0 : mask[y * n + x]!);
  let mx = 0;
  let my = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    mx += p % n;
    my += Math.floor(p / n);
  }
  mx = mx / main.area + 0.5;
  my = my / main.area + 0.5;

  // Radial profile of the outer boundary around the centroid.
  const profile = new Float32Array(PROFILE_BINS);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!mask[y * n + x]) continue;
      if (at(x - 1, y) && at(x + 1, y) && at(x, y - 1) && at(x, y + 1)) continue;
      const dx = x + 0.5 - mx;
      const dy = y + 0.5 - my;
      const bin = Math.min(PROFILE_BINS - 1, Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * PROFILE_BINS));
      const d = Math.sqrt(dx * dx + dy * dy) + 0.5;
      if (d > profile[bin]!) profile[bin] = d;
    }
  }
  fillGaps(profile);
  let meanRadius = 0;
  for (const r of profile) meanRadius += r / PROFILE_BINS;
  meanRadius = Math.max(meanRadius, 1e-6);
  const silhouette = blocks.get('silhouette') as Float32Array;
  silhouette[0] = 0.3;
  for (let i = 0; i < PROFILE_BINS; i++) silhouette[2 + i] = profile[i]! / meanRadius - 1;
  for (let k = 1; k <= FOURIER_TERMS; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < PROFILE_BINS; i++) {
      const a = (-2 * Math.PI * k * i) / PROFILE_BINS;
      re += (profile[i]! / meanRadius) * Math.cos(a);
      im += (profile[i]! / meanRadius) * Math.sin(a);
    }
    silhouette[2 + PROFILE_BINS + k - 1] = (Math.hypot(re, im) / PROFILE_BINS) * 5;
  }

  // Width of each eighth of the height, height of each eighth of the width.
  const bw = main.maxX - main.minX + 1;
  const bh = main.maxY - main.minY + 1;
  const rowsCount = new Float32Array(n);
  const colsCount = new Float32Array(n);
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const x = p % n;
    const y = (p - x) / n;
    rowsCount[y] = rowsCount[y]! + 1;
    colsCount[x] = colsCount[x]! + 1;
  }
  const widths = blocks.get('widths') as Float32Array;
  widths[0] = 0.4;
  const maxRow = Math.max(...rowsCount);
  const maxCol = Math.max(...colsCount);
  for (let j = 0; j < 8; j++) {
    widths[2 + j] = bandMean(rowsCount, main.minY, bh, j) / maxRow - 0.65;
    widths[10 + j] = bandMean(colsCount, main.minX, bw, j) / maxCol - 0.65;
  }

  // Holes: background the outside cannot reach (a ring's middle, an outline's inside).
  const outside = new Uint8Array(n * n);
  const stack: number[] = [];
  const reach = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let i = 0; i < n; i++) {
    reach(i);
    reach((n - 1) * n + i);
    reach(i * n);
    reach(i * n + n - 1);
  }
  while (stack.length > 0) {
    const p = stack.pop() as number;
    const x = p % n;
    if (x > 0) reach(p - 1);
    if (x < n - 1) reach(p + 1);
    if (p >= n) reach(p - n);
    if (p < n * (n - 1)) reach(p + n);
  }
  let holes = 0;
  for (let p = 0; p < mask.length; p++) if (!mask[p] && !outside[p]) holes++;
  const fillRatio = main.area / (bw * bh);
  const holeFraction = holes / (holes + main.area);
  const geometry = blocks.get('geometry') as Float32Array;
  rbf(geometry, 1, fillRatio, 0.3, 0.95);
  rbf(geometry, 1 + RBF_CENTRES, Math.log(bw / bh), -0.6, 0.6);
  rbf(geometry, 1 + 2 * RBF_CENTRES, (my - main.minY) / bh, 0.38, 0.62);
  rbf(geometry, 1 + 3 * RBF_CENTRES, holeFraction, 0, 0.7);
  summary.fillRatio = fillRatio;
  summary.holeFraction = holeFraction;

  // Orientation of the outline, and of crisp edges inside the object (a cube's face edges).
  const edges = blocks.get('edges') as Float32Array;
  edges[0] = 0.35;
  const outlineHist = new Float32Array(ORIENTATIONS);
  const innerHist = new Float32Array(ORIENTATIONS);
  // The outline is read on a blurred mask: a binary mask's gradients snap to a few angles.
  const soft = new Float32Array(n * n);
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const p = y * n + x;
      soft[p] =
        (4 * mask[p]! +
          2 * (mask[p - 1]! + mask[p + 1]! + mask[p - n]! + mask[p + n]!) +
          mask[p - n - 1]! +
          mask[p - n + 1]! +
          mask[p + n - 1]! +
          mask[p + n + 1]!) /
        16;
    }
  }
  let outlineEnergy = 0;
  for (let y = 2; y < n - 2; y++) {
    for (let x = 2; x < n - 2; x++) {
      const p = y * n + x;
      const gx = soft[p - n + 1]! + 2 * soft[p + 1]! + soft[p + n + 1]! - soft[p - n - 1]! - 2 * soft[p - 1]! - soft[p + n - 1]!;
      const gy = soft[p + n - 1]! + 2 * soft[p + n]! + soft[p + n + 1]! - soft[p - n - 1]! - 2 * soft[p - n]! - soft[p - n + 1]!;
      const magnitude = Math.sqrt(gx * gx + gy * gy);
      if (magnitude > 0.05) {
        addOrientation(outlineHist, gx, gy, magnitude);
        outlineEnergy += magnitude;
      }
    }
  }
  const lum = new Float32Array(n * n);
  for (let p = 0; p < lum.length; p++) lum[p] = luminance(crop.rgba, p);
  let innerEnergy = 0;
  let innerPixels = 0;
  let stillPixels = 0;
  const interior = new Uint8Array(n * n);
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const p = y * n + x;
      if (
        !(
          mask[p - n - 1] &&
          mask[p - n] &&
          mask[p - n + 1] &&
          mask[p - 1] &&
          mask[p] &&
          mask[p + 1] &&
          mask[p + n - 1] &&
          mask[p + n] &&
          mask[p + n + 1]
        )
      ) {
        continue;
      }
      interior[p] = 1;
      const lx = lum[p - n + 1]! + 2 * lum[p + 1]! + lum[p + n + 1]! - lum[p - n - 1]! - 2 * lum[p - 1]! - lum[p + n - 1]!;
      const ly = lum[p + n - 1]! + 2 * lum[p + n]! + lum[p + n + 1]! - lum[p - n - 1]! - 2 * lum[p - n]! - lum[p - n + 1]!;
      const magnitude = Math.sqrt(lx * lx + ly * ly);
      innerEnergy += magnitude;
      innerPixels++;
      if (magnitude < 0.03) stillPixels++;
      // Only crisp edges say "facet"; gentle shading gradients are left to the shading block.
      if (magnitude > 0.25) addOrientation(innerHist, lx, ly, magnitude);
    }
  }
  centreHistogram(outlineHist);
  for (let i = 0; i < ORIENTATIONS; i++) {
    edges[2 + i] = outlineHist[i]! * 3;
    // Inner edges count relative to the outline, so a few stray ones (a sphere's hot spot) weigh little.
    edges[2 + ORIENTATIONS + i] = outlineEnergy > 0 ? (innerHist[i]! / outlineEnergy) * 2 : 0;
  }

  // Shading: spread of brightness, highlights, deep shade, how light falls across the object.
  // Read inside the outline only: anti-aliased rim pixels mix with the background.
  const body = innerPixels >= 8 ? interior : mask;
  let bodyArea = 0;
  let sum = 0;
  let sumSq = 0;
  let highlights = 0;
  let darks = 0;
  let covX = 0;
  let covY = 0;
  let varX = 0;
  let varY = 0;
  // A highlight is a bright pixel much paler than the object's typical saturation.
  const saturationHistogram = new Uint32Array(32);
  for (let p = 0; p < body.length; p++) {
    if (!body[p]) continue;
    toHsv(crop.rgba[p * 4]!, crop.rgba[p * 4 + 1]!, crop.rgba[p * 4 + 2]!);
    const bin = Math.min(31, Math.floor(hsv[1]! * 32));
    saturationHistogram[bin] = saturationHistogram[bin]! + 1;
    bodyArea++;
  }
  let medianSaturation = 0;
  for (let bin = 0, seen = 0; bin < 32; bin++) {
    seen += saturationHistogram[bin]!;
    if (seen * 2 >= bodyArea) {
      medianSaturation = (bin + 0.5) / 32;
      break;
    }
  }
  const paleLimit = Math.max(0.2, medianSaturation * 0.55);
  for (let p = 0; p < body.length; p++) {
    if (!body[p]) continue;
    const l = lum[p]!;
    sum += l;
    sumSq += l * l;
    toHsv(crop.rgba[p * 4]!, crop.rgba[p * 4 + 1]!, crop.rgba[p * 4 + 2]!);
    if (hsv[2]! > 0.8 && hsv[1]! < paleLimit) highlights++;
    if (hsv[2]! < 0.22) darks++;
  }
  const meanL = sum / bodyArea;
  const spread = Math.sqrt(Math.max(0, sumSq / bodyArea - meanL * meanL));
  for (let p = 0; p < body.length; p++) {
    if (!body[p]) continue;
    const x = (p % n) + 0.5 - mx;
    const y = Math.floor(p / n) + 0.5 - my;
    const d = lum[p]! - meanL;
    covX += d * x;
    covY += d * y;
    varX += x * x;
    varY += y * y;
  }
  const corrX = spread > 1e-3 && varX > 0 ? covX / Math.sqrt(varX * bodyArea) / spread : 0;
  const corrY = spread > 1e-3 && varY > 0 ? covY / Math.sqrt(varY * bodyArea) / spread : 0;
  const shading = blocks.get('shading') as Float32Array;
  rbf(shading, 1, spread, 0, 0.28);
  rbf(shading, 1 + RBF_CENTRES, highlights / bodyArea, 0, 0.2);
  rbf(shading, 1 + 2 * RBF_CENTRES, darks / bodyArea, 0, 0.4);
  rbf(shading, 1 + 3 * RBF_CENTRES, innerPixels > 0 ? innerEnergy / innerPixels : 0, 0, 0.6);
  rbf(shading, 1 + 4 * RBF_CENTRES, corrX, -0.8, 0.8);
  rbf(shading, 1 + 5 * RBF_CENTRES, corrY, -0.8, 0.8);
  // Flat fills: most of the inside has no gradient at all.
  const flatFraction = innerPixels > 0 ? stillPixels / innerPixels : 0;
  rbf(shading, 1 + 6 * RBF_CENTRES, flatFraction, 0, 1);
  summary.flatFraction = flatFraction;
  summary.luminanceSpread = spread;
  summary.highlightFraction = highlights / bodyArea;
}

function bandMean(counts: Float32Array, start: number, length: number, band: number): number {
  const from = start + Math.floor((band * length) / 8);
  const to = Math.max(from + 1, start + Math.floor(((band + 1) * length) / 8));
  let total = 0;
  for (let i = from; i < to; i++) total += counts[i] ?? 0;
  return total / (to - from);
}

/** Bins with no boundary pixel (thin shapes at low resolution) take their neighbours' mean. */
function fillGaps(profile: Float32Array): void {
  const n = profile.length;
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 0; i < n; i++) {
      if (profile[i]! > 0) continue;
      const prev = profile[(i + n - 1) % n]!;
      const next = profile[(i + 1) % n]!;
      if (prev > 0 || next > 0) profile[i] = prev > 0 && next > 0 ? (prev + next) / 2 : Math.max(prev, next);
    }
  }
}

function addOrientation(hist: Float32Array, gx: number, gy: number, weight: number): void {
  let angle = Math.atan2(gy, gx);
  if (angle < 0) angle += Math.PI;
  const f = (angle / Math.PI) * ORIENTATIONS - 0.5;
  const i0 = Math.floor(f);
  const t = f - i0;
  const a = (i0 + ORIENTATIONS) % ORIENTATIONS;
  const b = (i0 + 1 + ORIENTATIONS) % ORIENTATIONS;
  hist[a] = hist[a]! + weight * (1 - t);
  hist[b] = hist[b]! + weight * t;
}

/** Distribution minus uniform: a circle's outline says nothing, a cube's says "six directions". */
function centreHistogram(hist: Float32Array): void {
  let total = 0;
  for (const v of hist) total += v;
  if (total <= 0) return;
  for (let i = 0; i < hist.length; i++) hist[i] = hist[i]! / total - 1 / hist.length;
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

export function describeImage(source: Drawable): Float32Array {
  return assembleDescriptor(analyseImage(source).blocks);
}
