/**
 * Colour histograms for the descriptor: hue × tone (dark, vivid, pale) for
 * chromatic pixels plus grey levels for achromatic ones, both soft-binned.
 */
import { smooth } from './soft-codes.js';

export const OBJECT_HUES = 24;
export const BACKGROUND_HUES = 12;
export const GREYS = 6;

/** Length of a histogram with `hues` hue bins. */
export const histogramSize = (hues: number) => hues * 3 + GREYS;

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

/** Hue (degrees), saturation and value of one pixel, written into `out` (hot loops: no allocation). */
export function toHsv(r: number, g: number, b: number, out: Float32Array): void {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = (g - b) / d + (g < b ? 6 : 0);
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
  }
  out[0] = h;
  out[1] = max === 0 ? 0 : d / max;
  out[2] = max / 255;
}

const hsv = new Float32Array(3);

/** Adds one pixel to a hue × tone + greys histogram (soft in hue and in grey level). */
export function addColour(hist: Float32Array, hues: number, r: number, g: number, b: number): void {
  toHsv(r, g, b, hsv);
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
export function sqrtNormalise(hist: Float32Array, length: number, total: number): void {
  if (total <= 0) return;
  for (let i = 0; i < length; i++) hist[i] = Math.sqrt(hist[i]! / total);
}
