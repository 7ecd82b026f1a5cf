/** Image bytes in and out of JSON APIs: MIME sniffing and data URIs. */

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** Recognises an image by its magic bytes; undefined if it is none we know. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  // RIFF....WEBP
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
    return 'image/webp';
  }
  return undefined;
}

export function toDataUri(bytes: Uint8Array): string {
  const mime = sniffImageMime(bytes) ?? 'application/octet-stream';
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** Decodes a base64 data URI; undefined if `uri` is not one. */
export function fromDataUri(uri: string): Uint8Array | undefined {
  const match = /^data:[^;,]*(;[^,]*)?,(.*)$/s.exec(uri);
  if (!match) return undefined;
  const isBase64 = (match[1] ?? '').includes(';base64');
  const payload = match[2] ?? '';
  return new Uint8Array(isBase64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8'));
}

export function fromBase64(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
