/**
 * Shape features of one object, read from its own crop (so they are free of
 * position and scale): radial silhouette profile and its Fourier magnitudes,
 * widths and heights by eighths, fill / aspect / balance / holes, outline and
 * inner-edge orientations, and how light and shade fall across it.
 */
import { toHsv } from './colour-features.js';
import type { Raster } from './pixels.js';
import { RBF_CENTRES, rbf } from './soft-codes.js';

export const PROFILE_BINS = 32;
export const FOURIER_TERMS = 8;
export const ORIENTATIONS = 12;

/** Sizes of the shape blocks (the first one or two entries are a constant and an "absent" flag). */
export const SHAPE_BLOCK_SIZES = {
  silhouette: 2 + PROFILE_BINS + FOURIER_TERMS,
  widths: 2 + 16,
  geometry: 1 + 4 * RBF_CENTRES,
  edges: 2 + 2 * ORIENTATIONS,
  shading: 1 + 7 * RBF_CENTRES,
} as const;

export type ShapeBlocks = { [K in keyof typeof SHAPE_BLOCK_SIZES]: Float32Array };

export interface ShapeStats {
  fillRatio: number;
  holeFraction: number;
  luminanceSpread: number;
  highlightFraction: number;
  flatFraction: number;
}

/** No object to describe: each block says "absent" on its own flag, so such images match only each other. */
export function markShapeAbsent(blocks: ShapeBlocks): void {
  blocks.silhouette[1] = 1;
  blocks.widths[1] = 1;
  blocks.edges[1] = 1;
  blocks.geometry[0] = 1;
  blocks.shading[0] = 1;
}

function luminance(rgba: Uint8ClampedArray, p: number): number {
  return (0.299 * rgba[p * 4]! + 0.587 * rgba[p * 4 + 1]! + 0.114 * rgba[p * 4 + 2]!) / 255;
}

const hsv = new Float32Array(3);

/** `mask` marks the object's pixels in the square `crop`; `main` is its area and bounding box there. */
export function describeShape(
  mask: Uint8Array,
  crop: Raster,
  main: { area: number; minX: number; minY: number; maxX: number; maxY: number },
  blocks: ShapeBlocks,
): ShapeStats {
  const n = crop.size;
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
  const silhouette = blocks.silhouette;
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
  const widths = blocks.widths;
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
  const geometry = blocks.geometry;
  rbf(geometry, 1, fillRatio, 0.3, 0.95);
  rbf(geometry, 1 + RBF_CENTRES, Math.log(bw / bh), -0.6, 0.6);
  rbf(geometry, 1 + 2 * RBF_CENTRES, (my - main.minY) / bh, 0.38, 0.62);
  rbf(geometry, 1 + 3 * RBF_CENTRES, holeFraction, 0, 0.7);

  // Orientation of the outline, and of crisp edges inside the object (a cube's face edges).
  const edges = blocks.edges;
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
    toHsv(crop.rgba[p * 4]!, crop.rgba[p * 4 + 1]!, crop.rgba[p * 4 + 2]!, hsv);
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
    toHsv(crop.rgba[p * 4]!, crop.rgba[p * 4 + 1]!, crop.rgba[p * 4 + 2]!, hsv);
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
  const shading = blocks.shading;
  rbf(shading, 1, spread, 0, 0.28);
  rbf(shading, 1 + RBF_CENTRES, highlights / bodyArea, 0, 0.2);
  rbf(shading, 1 + 2 * RBF_CENTRES, darks / bodyArea, 0, 0.4);
  rbf(shading, 1 + 3 * RBF_CENTRES, innerPixels > 0 ? innerEnergy / innerPixels : 0, 0, 0.6);
  rbf(shading, 1 + 4 * RBF_CENTRES, corrX, -0.8, 0.8);
  rbf(shading, 1 + 5 * RBF_CENTRES, corrY, -0.8, 0.8);
  // Flat fills: most of the inside has no gradient at all.
  const flatFraction = innerPixels > 0 ? stillPixels / innerPixels : 0;
  rbf(shading, 1 + 6 * RBF_CENTRES, flatFraction, 0, 1);
  return { fillRatio, holeFraction, luminanceSpread: spread, highlightFraction: highlights / bodyArea, flatFraction };
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
