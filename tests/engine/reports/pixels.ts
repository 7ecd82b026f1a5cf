/** Reading rendered PNGs back: where did a colour end up? */
import sharp from 'sharp';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

export async function decodeRaw(png: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export interface Region {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Pixels within `tolerance` (max channel difference) of `hex`, optionally inside a region. */
export function pixelsOfColour(image: RawImage, hex: string, tolerance = 30, region?: Region): { x: number; y: number }[] {
  const [r, g, b] = hexToRgb(hex);
  const box = region ?? { left: 0, top: 0, right: image.width, bottom: image.height };
  const points: { x: number; y: number }[] = [];
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const i = (y * image.width + x) * image.channels;
      if (
        Math.abs((image.data[i] as number) - r) <= tolerance &&
        Math.abs((image.data[i + 1] as number) - g) <= tolerance &&
        Math.abs((image.data[i + 2] as number) - b) <= tolerance
      ) {
        points.push({ x, y });
      }
    }
  }
  return points;
}

export function pixel(image: RawImage, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * image.width + Math.round(x)) * image.channels;
  return [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
}

export function meanY(points: readonly { y: number }[]): number {
  return points.reduce((sum, p) => sum + p.y, 0) / points.length;
}
