/**
 * Format and size of an encoded image, read from its header alone (no
 * decoding), so storing an image needs nothing but its bytes.
 */

export interface ImageMetadata {
  mime: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  width: number;
  height: number;
}

export class UnsupportedImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedImageError';
  }
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** Reads PNG, JPEG, WebP and GIF headers; throws `UnsupportedImageError` for anything else. */
export function readImageMetadata(bytes: Uint8Array): ImageMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metadata = readPng(bytes, view) ?? readJpeg(bytes, view) ?? readWebp(bytes, view) ?? readGif(bytes, view);
  if (metadata === undefined) {
    throw new UnsupportedImageError('Not a PNG, JPEG, WebP or GIF image (or its header is cut short).');
  }
  if (metadata.width <= 0 || metadata.height <= 0) {
    throw new UnsupportedImageError(`Image header gives an empty size (${metadata.width}×${metadata.height}).`);
  }
  return metadata;
}

function readPng(bytes: Uint8Array, view: DataView): ImageMetadata | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((byte, i) => bytes[i] !== byte) || ascii(bytes, 12, 4) !== 'IHDR') return undefined;
  return { mime: 'image/png', width: view.getUint32(16), height: view.getUint32(20) };
}

function readJpeg(bytes: Uint8Array, view: DataView): ImageMetadata | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { mime: 'image/jpeg', height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  return undefined;
}

function readWebp(bytes: Uint8Array, view: DataView): ImageMetadata | undefined {
  if (bytes.length < 30 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') return undefined;
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    return { mime: 'image/webp', width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return { mime: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const uint24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return { mime: 'image/webp', width: uint24(24) + 1, height: uint24(27) + 1 };
  }
  return undefined;
}

function readGif(bytes: Uint8Array, view: DataView): ImageMetadata | undefined {
  if (bytes.length < 10 || ascii(bytes, 0, 4) !== 'GIF8') return undefined;
  return { mime: 'image/gif', width: view.getUint16(6, true), height: view.getUint16(8, true) };
}
