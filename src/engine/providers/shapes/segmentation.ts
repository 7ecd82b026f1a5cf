/**
 * Figure/ground separation on small rasters: a background model from the
 * border (per-row, so studio sweeps and vignettes stay background), soft
 * ground shadows told apart from objects (a shadow is the background, darker),
 * and connected blobs.
 */
import type { Raster } from './pixels.js';

export const PixelClass = { Background: 0, Shadow: 1, Foreground: 2 } as const;

/** Background colour per row of a raster, as r, g, b triples. */
export type BackgroundRows = Float32Array;

const FOREGROUND_DISTANCE = 40;
/** Enclosed near-background pixels count as the object (a white highlight) unless nearly exact (a hole). */
const HOLE_DISTANCE = 16;

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[values.length >> 1] ?? 0;
}

export function backgroundRows(raster: Raster): BackgroundRows {
  const { size, rgba } = raster;
  const border: [number[], number[], number[]] = [[], [], []];
  const push = (target: [number[], number[], number[]], x: number, y: number) => {
    const i = (y * size + x) * 4;
    target[0].push(rgba[i] as number);
    target[1].push(rgba[i + 1] as number);
    target[2].push(rgba[i + 2] as number);
  };
  for (let x = 0; x < size; x++) {
    push(border, x, 0);
    push(border, x, size - 1);
  }
  for (let y = 1; y < size - 1; y++) {
    push(border, 0, y);
    push(border, size - 1, y);
  }
  const global = border.map((c) => median(c)) as [number, number, number];

  const bands = 8;
  const bandHeight = size / bands;
  const bandColours: [number, number, number][] = [];
  for (let b = 0; b < bands; b++) {
    const samples: [number[], number[], number[]] = [[], [], []];
    const y0 = Math.floor(b * bandHeight);
    const y1 = Math.floor((b + 1) * bandHeight);
    for (let y = y0; y < y1; y++) {
      push(samples, 0, y);
      push(samples, 1, y);
      push(samples, size - 1, y);
      push(samples, size - 2, y);
    }
    const colour = samples.map((c) => median(c)) as [number, number, number];
    const far = Math.hypot(colour[0] - global[0], colour[1] - global[1], colour[2] - global[2]) > 70;
    bandColours.push(far ? global : colour);
  }
  const rows = new Float32Array(size * 3);
  for (let y = 0; y < size; y++) {
    const f = Math.min(bands - 1, Math.max(0, (y + 0.5) / bandHeight - 0.5));
    const b0 = Math.floor(f);
    const b1 = Math.min(bands - 1, b0 + 1);
    const t = f - b0;
    const c0 = bandColours[b0] as [number, number, number];
    const c1 = bandColours[b1] as [number, number, number];
    for (let c = 0; c < 3; c++) rows[y * 3 + c] = c0[c]! + (c1[c]! - c0[c]!) * t;
  }
  return rows;
}

/**
 * Classify each pixel; `rowOf` maps a raster row to the row of `rows` that
 * models its background (the crop of a view uses the view's model).
 */
export function classifyPixels(raster: Raster, rows: BackgroundRows, rowOf: (y: number) => number): Uint8Array {
  const { size, rgba } = raster;
  const classes = new Uint8Array(size * size);
  const distance = new Float32Array(size * size);
  const rowCount = rows.length / 3;
  for (let y = 0; y < size; y++) {
    const ry = Math.min(rowCount - 1, Math.max(0, rowOf(y)));
    const r0 = Math.floor(ry);
    const r1 = Math.min(rowCount - 1, r0 + 1);
    const t = ry - r0;
    const br = (rows[r0 * 3] as number) * (1 - t) + (rows[r1 * 3] as number) * t;
    const bg = (rows[r0 * 3 + 1] as number) * (1 - t) + (rows[r1 * 3 + 1] as number) * t;
    const bb = (rows[r0 * 3 + 2] as number) * (1 - t) + (rows[r1 * 3 + 2] as number) * t;
    const bNorm2 = br * br + bg * bg + bb * bb;
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const r = rgba[p * 4] as number;
      const g = rgba[p * 4 + 1] as number;
      const b = rgba[p * 4 + 2] as number;
      const d = Math.sqrt((r - br) * (r - br) + (g - bg) * (g - bg) + (b - bb) * (b - bb));
      distance[p] = d;
      if (d < FOREGROUND_DISTANCE) {
        classes[p] = PixelClass.Background;
        continue;
      }
      if (bNorm2 > 3 * 60 * 60) {
        // A shadow: the background scaled down, hue kept.
        const k = (r * br + g * bg + b * bb) / bNorm2;
        const er = r - k * br;
        const eg = g - k * bg;
        const eb = b - k * bb;
        const residual = Math.sqrt(er * er + eg * eg + eb * eb);
        if (k > 0.62 && k < 1 && residual < 10 + 12 * (1 - k)) {
          classes[p] = PixelClass.Shadow;
          continue;
        }
      }
      classes[p] = PixelClass.Foreground;
    }
  }
  // Whatever non-object pixel the border cannot reach is inside an object.
  const reached = new Uint8Array(size * size);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!reached[p] && classes[p] !== PixelClass.Foreground) {
      reached[p] = 1;
      stack.push(p);
    }
  };
  for (let i = 0; i < size; i++) {
    seed(i);
    seed((size - 1) * size + i);
    seed(i * size);
    seed(i * size + size - 1);
  }
  while (stack.length > 0) {
    const p = stack.pop() as number;
    const x = p % size;
    if (x > 0) seed(p - 1);
    if (x < size - 1) seed(p + 1);
    if (p >= size) seed(p - size);
    if (p < size * (size - 1)) seed(p + size);
  }
  for (let p = 0; p < classes.length; p++) {
    if (!reached[p] && classes[p] !== PixelClass.Foreground) {
      if (classes[p] === PixelClass.Shadow || (distance[p] as number) > HOLE_DISTANCE) classes[p] = PixelClass.Foreground;
    }
  }
  return classes;
}

export interface Blob {
  label: number;
  area: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** 8-connected foreground blobs, largest first; `labels` holds label + 1 per pixel (0 = none). */
export function findBlobs(classes: Uint8Array, size: number): { blobs: Blob[]; labels: Int32Array } {
  const labels = new Int32Array(size * size);
  const blobs: Blob[] = [];
  const stack: number[] = [];
  for (let start = 0; start < classes.length; start++) {
    if (classes[start] !== PixelClass.Foreground || labels[start] !== 0) continue;
    const blob: Blob = { label: blobs.length, area: 0, minX: size, minY: size, maxX: -1, maxY: -1 };
    labels[start] = blob.label + 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const x = p % size;
      const y = (p - x) / size;
      blob.area++;
      if (x < blob.minX) blob.minX = x;
      if (x > blob.maxX) blob.maxX = x;
      if (y < blob.minY) blob.minY = y;
      if (y > blob.maxY) blob.maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= size) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= size) continue;
          const q = ny * size + nx;
          if (classes[q] === PixelClass.Foreground && labels[q] === 0) {
            labels[q] = blob.label + 1;
            stack.push(q);
          }
        }
      }
    }
    blobs.push(blob);
  }
  blobs.sort((a, b) => b.area - a.area);
  return { blobs, labels };
}
