/**
 * Names what a non-image file most likely is, from its first bytes, so the
 * error can say "detected: PDF" rather than just "unsupported".
 */

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

const SIGNATURES: readonly { label: string; bytes: readonly number[]; offset?: number }[] = [
  { label: 'PDF', bytes: ascii('%PDF') },
  { label: 'ZIP archive', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { label: 'gzip archive', bytes: [0x1f, 0x8b] },
  { label: '7-Zip archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { label: 'RAR archive', bytes: ascii('Rar!') },
  { label: 'Photoshop document', bytes: ascii('8BPS') },
  { label: 'BMP image', bytes: ascii('BM') },
  { label: 'ICO icon', bytes: [0x00, 0x00, 0x01, 0x00] },
  { label: 'MP4/QuickTime video', bytes: ascii('ftyp'), offset: 4 },
  { label: 'Matroska/WebM video', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { label: 'RIFF (AVI/WAV) media', bytes: ascii('RIFF') },
  { label: 'MP3 audio', bytes: ascii('ID3') },
  { label: 'Ogg media', bytes: ascii('OggS') },
  { label: 'executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { label: 'executable', bytes: ascii('MZ') },
];

/** Whether the first bytes read as text: valid UTF-8 with no control bytes other than whitespace. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f) return false;
  }
  try {
    // A multi-byte character cut by the window end is not an error: stream mode keeps it pending.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** A short human label for what `bytes` are, e.g. `text`, `HTML`, `PDF`, `ZIP archive`, `unknown binary data`. */
export function describeContent(bytes: Uint8Array): string {
  for (const signature of SIGNATURES) {
    if (startsWith(bytes, signature.bytes, signature.offset)) return signature.label;
  }
  const head = bytes.subarray(0, 4096);
  if (looksLikeText(head)) {
    const start = new TextDecoder().decode(head.subarray(0, 512)).trimStart().toLowerCase();
    if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'HTML';
    if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) return 'SVG';
    if (start.startsWith('<?xml')) return 'XML';
    if (start.startsWith('{') || start.startsWith('[')) return 'JSON';
    return 'text';
  }
  return 'unknown binary data';
}

const IMAGE_SIGNATURES: readonly { label: string; bytes: readonly number[]; offset?: number }[] = [
  { label: 'PNG', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { label: 'JPEG', bytes: [0xff, 0xd8, 0xff] },
  { label: 'GIF', bytes: ascii('GIF8') },
  { label: 'WebP', bytes: ascii('WEBP'), offset: 8 },
  { label: 'TIFF', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { label: 'TIFF', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { label: 'AVIF', bytes: ascii('ftypavif'), offset: 4 },
  { label: 'HEIC', bytes: ascii('ftypheic'), offset: 4 },
];

/**
 * The image format announced by the file's signature, or null. Used when the
 * decoder cannot even read the header: a PNG signature then means "damaged
 * PNG", not "not an image".
 */
export function imageSignature(bytes: Uint8Array): string | null {
  for (const signature of IMAGE_SIGNATURES) {
    if (startsWith(bytes, signature.bytes, signature.offset)) return signature.label;
  }
  return null;
}
