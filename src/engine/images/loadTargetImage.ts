/**
 * Target-image intake: whatever the user points at (a path or uploaded
 * bytes) becomes a bounded, 8-bit sRGB PNG with no alpha, or an
 * `InputImageError` whose one-line message says what to do.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InputImageError, oneLine } from './errors.js';
import { type ImageLimits, resolveImageLimits } from './limits.js';
import { describeContent, imageSignature } from './sniff.js';

export type TargetImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif';

export interface TargetImage {
  /** The normalised image: PNG, 8-bit sRGB, alpha flattened onto white, longest side ≤ `maxSide`. */
  bytes: Uint8Array;
  width: number;
  height: number;
  originalFormat: TargetImageFormat;
  /** Size as displayed, i.e. after applying EXIF orientation. */
  originalWidth: number;
  originalHeight: number;
  /** True when the original's longest side exceeded `maxSide` and it was shrunk to fit. */
  downscaled: boolean;
  /** sha256 (hex) of `bytes`, the normalised PNG, so equal targets share a key. */
  sha256: string;
}

export interface LoadTargetImageOptions {
  /** How messages name in-memory input, e.g. an attachment's file name (default: "The input"). */
  name?: string;
}

/** Formats this machine's sharp decodes from a buffer, in the order messages list them. */
function acceptedFormats(): { format: TargetImageFormat; label: string }[] {
  const formats: { format: TargetImageFormat; label: string }[] = [
    { format: 'png', label: 'PNG' },
    { format: 'jpeg', label: 'JPEG' },
    { format: 'webp', label: 'WebP' },
    { format: 'gif', label: 'GIF' },
  ];
  if (sharp.format.heif?.input.buffer) formats.push({ format: 'avif', label: 'AVIF' });
  if (sharp.format.tiff?.input.buffer) formats.push({ format: 'tiff', label: 'TIFF' });
  return formats;
}

function formatList(labels: readonly string[]): string {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}`;
}

/** "PNG, JPEG, WebP, GIF (first frame), AVIF or TIFF" */
function acceptedFormatList(): string {
  return formatList(acceptedFormats().map(({ label }) => (label === 'GIF' ? 'GIF (first frame)' : label)));
}

function acceptedFormatsAdvice(): string {
  return `use a ${acceptedFormatList()} file`;
}

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

function megapixels(pixels: number): string {
  const mp = pixels / 1_000_000;
  return mp >= 10 ? `${Math.round(mp)} megapixels` : `${mp.toFixed(1)} megapixels`;
}

/** The first line of a decoder's message, which is the informative one (libvips appends a stack of context). */
function decoderReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(message.split('\n')[0] ?? message).replace(/[.:;\s]+$/, '');
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function readImageFile(path: string, limits: ImageLimits): Promise<Uint8Array> {
  const label = oneLine(path);
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new InputImageError(`${label} is a directory, not an image file; give the path of a ${acceptedFormatList()} file instead.`, 'directory');
    }
    if (!info.isFile()) throw new InputImageError(`${label} is not a regular file; give the path of an image file.`, 'unreadable');
    size = info.size;
  } catch (error) {
    if (error instanceof InputImageError) throw error;
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputImageError(`${label} does not exist; check the path (relative paths start from ${oneLine(process.cwd())}).`, 'missing', { cause: error });
    }
    throw new InputImageError(`Cannot open ${label} (${code ?? decoderReason(error)}); check that the file exists and is readable.`, 'unreadable', { cause: error });
  }
  // Refuse before reading: a 10 GB file should cost a stat, not a read.
  checkByteSize(size, label, limits);
  try {
    return await readFile(path);
  } catch (error) {
    const code = errnoCode(error);
    throw new InputImageError(`Cannot read ${label} (${code ?? decoderReason(error)}); check its permissions and try again.`, 'unreadable', { cause: error });
  }
}

function checkByteSize(size: number, label: string, limits: ImageLimits): void {
  if (size === 0) throw new InputImageError(`${label} is empty (0 bytes); ${acceptedFormatsAdvice()}.`, 'empty');
  if (size > limits.maxBytes) {
    throw new InputImageError(
      `${label} is ${fileSize(size)}, over the limit of ${fileSize(limits.maxBytes)}; use a smaller file (e.g. re-export it as JPEG or at a lower resolution).`,
      'too-large',
    );
  }
}

/** Maps sharp's format name (AVIF is reported as `heif` with AV1 compression) onto ours, or null if not accepted. */
function acceptedFormat(metadata: Metadata): TargetImageFormat | null {
  const name: string = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  return acceptedFormats().find(({ format }) => format === name)?.format ?? null;
}

function formatLabel(metadata: Metadata): string {
  if (metadata.format === 'heif') return metadata.compression === 'hevc' ? 'HEIC' : 'HEIF';
  return metadata.format.toUpperCase();
}

/**
 * Reads and normalises a target image. Cheap checks (existence, file size,
 * format and pixel count from the header) run before the full decode, which is
 * strict (`failOn: 'error'`) so truncated or damaged files are refused rather
 * than silently padded with grey.
 */
export async function loadTargetImage(
  input: string | Uint8Array,
  limits: Partial<ImageLimits> = {},
  options: LoadTargetImageOptions = {},
): Promise<TargetImage> {
  const bounds = resolveImageLimits(limits);
  const label = typeof input === 'string' ? oneLine(input) : oneLine(options.name ?? 'The input');
  const bytes = typeof input === 'string' ? await readImageFile(input, bounds) : input;
  checkByteSize(bytes.length, label, bounds);

  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    const signature = imageSignature(bytes);
    if (signature) {
      throw new InputImageError(
        `${label} is a damaged ${signature} image (${decoderReason(error)}); re-export or re-download it.`,
        'corrupt',
        { cause: error },
      );
    }
    throw new InputImageError(`${label} is not an image (detected: ${describeContent(bytes)}); ${acceptedFormatsAdvice()}.`, 'not-an-image', {
      cause: error,
    });
  }

  const originalFormat = acceptedFormat(metadata);
  if (!originalFormat) {
    throw new InputImageError(
      `${label} is a ${formatLabel(metadata)} image, which is not accepted; convert it and ${acceptedFormatsAdvice()}.`,
      'unsupported-format',
    );
  }
  const { width, height } = metadata;
  if (!width || !height) {
    throw new InputImageError(`${label} has no readable dimensions; re-export or re-download it.`, 'corrupt');
  }
  if (width * height > bounds.maxPixels) {
    throw new InputImageError(
      `${label} is ${width}×${height} pixels (${megapixels(width * height)}), over the limit of ${megapixels(bounds.maxPixels)}; resize it (e.g. to ${bounds.maxSide} pixels on the longest side) and try again.`,
      'too-large',
    );
  }
  const originalWidth = metadata.autoOrient?.width ?? width;
  const originalHeight = metadata.autoOrient?.height ?? height;
  if (Math.min(originalWidth, originalHeight) < bounds.minSide) {
    throw new InputImageError(
      `${label} is only ${originalWidth}×${originalHeight} pixels; use an image at least ${bounds.minSide} pixels on each side.`,
      'too-small',
    );
  }

  const downscaled = Math.max(originalWidth, originalHeight) > bounds.maxSide;
  let output: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: bounds.maxPixels, autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    if (downscaled) pipeline = pipeline.resize({ width: bounds.maxSide, height: bounds.maxSide, fit: 'inside' });
    output = await pipeline.png().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InputImageError(
      `${label} is a damaged or truncated ${formatLabel(metadata)} image (${decoderReason(error)}); re-export or re-download it.`,
      'corrupt',
      { cause: error },
    );
  }

  const { width: outWidth, height: outHeight } = output.info;
  if (Math.min(outWidth, outHeight) < bounds.minSide) {
    // Only reachable for extreme aspect ratios, e.g. a 4000×40 banner shrunk to 1024×10.
    throw new InputImageError(
      `${label} is ${originalWidth}×${originalHeight} pixels, too narrow to use once shrunk to ${outWidth}×${outHeight}; crop it closer to square and try again.`,
      'too-small',
    );
  }
  const normalised = new Uint8Array(output.data.buffer, output.data.byteOffset, output.data.byteLength);
  return {
    bytes: normalised,
    width: outWidth,
    height: outHeight,
    originalFormat,
    originalWidth,
    originalHeight,
    downscaled,
    sha256: createHash('sha256').update(normalised).digest('hex'),
  };
}
