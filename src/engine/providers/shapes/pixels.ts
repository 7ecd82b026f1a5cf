/**
 * Decoding and resampling: any image the embedder or captioner is given is
 * read through @napi-rs/canvas (PNG, JPEG, WebP, GIF) and resampled into small
 * fixed-size RGB rasters; transparent pixels read as white.
 */
import { type Canvas, createCanvas, Image, type SKRSContext2D } from '@napi-rs/canvas';
import { ProviderError } from '../errors.js';

export type Drawable = Image | Canvas;

/** RGB(A) pixels of a square sample, row-major, 4 bytes per pixel. */
export interface Raster {
  size: number;
  rgba: Uint8ClampedArray;
}

export function decodeImage(bytes: Uint8Array, provider: string): Image {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProviderError(`${provider} expects encoded image bytes (a Uint8Array).`, provider);
  }
  const image = new Image();
  try {
    image.src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    throw new ProviderError(`${provider} could not decode the image (${bytes.byteLength} bytes).`, provider, false, {
      cause: error,
    });
  }
  if (!image.complete || image.width === 0 || image.height === 0) {
    throw new ProviderError(`${provider} could not decode the image (${bytes.byteLength} bytes).`, provider);
  }
  return image;
}

export function sourceSize(source: Drawable): { width: number; height: number } {
  return { width: source.width, height: source.height };
}

// One scratch canvas per sample size: sampling is synchronous, so reuse is safe.
const scratch = new Map<number, { canvas: Canvas; ctx: SKRSContext2D }>();

function scratchFor(size: number): SKRSContext2D {
  let entry = scratch.get(size);
  if (!entry) {
    const canvas = createCanvas(size, size);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    entry = { canvas, ctx };
    scratch.set(size, entry);
  }
  return entry.ctx;
}

/** Resample the source rectangle (sx, sy, sw, sh) into a size × size raster. */
export function sampleRegion(source: Drawable, sx: number, sy: number, sw: number, sh: number, size: number): Raster {
  const ctx = scratchFor(size);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(source, sx, sy, sw, sh, 0, 0, size, size);
  return { size, rgba: ctx.getImageData(0, 0, size, size).data as Uint8ClampedArray };
}

export function sampleWhole(source: Drawable, size: number): Raster {
  return sampleRegion(source, 0, 0, source.width, source.height, size);
}
