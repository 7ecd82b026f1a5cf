/** Image bytes → a canvas tile of an exact size, letterboxed on white. Decoding is sharp's job, strictly. */
import { type Canvas, createCanvas, ImageData } from '@napi-rs/canvas';
import sharp from 'sharp';
import { ReportRenderError } from './types.js';

/** Decodes `bytes` and fits them into `width`×`height`; `what` names the image in the error, e.g. `sample 3 ("red sphere")`. */
export async function decodeTile(bytes: Uint8Array, width: number, height: number, what: string): Promise<Canvas> {
  let pixels: Buffer;
  try {
    pixels = await sharp(bytes, { failOn: 'error', limitInputPixels: 100_000_000, autoOrient: true })
      .flatten({ background: '#ffffff' })
      .resize({ width, height, fit: 'contain', background: '#ffffff' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new ReportRenderError(`Cannot draw ${what}: its bytes are not a readable image (${reason}).`, { cause: error });
  }
  const tile = createCanvas(width, height);
  const data = new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  tile.getContext('2d').putImageData(new ImageData(data, width, height), 0, 0);
  return tile;
}
