/**
 * A `/challenge create` attachment becomes a target image, or a refusal that
 * says what to do. Cheap checks run first (declared content type and size,
 * before a byte is downloaded); the download has a time limit and a size cap
 * of its own (declared sizes can lie); then the image must decode
 * (`loadTargetImage`: format, pixel count, damage).
 */
import { InputImageError, type InputImageProblem, type TargetImage, loadTargetImage } from '../../engine/images/index.js';
import { UserFacingError } from '../interactions/errors.js';
import { clip, singleLine } from './refusals.js';

/** What the bot knows of an attachment before downloading it (discord.js `Attachment` has these fields). */
export interface AttachmentInput {
  readonly url: string;
  readonly name: string;
  /** As Discord reports it; `null` when it did not say. */
  readonly contentType: string | null;
  /** Declared size in bytes. */
  readonly size: number;
}

export type AttachmentProblem = InputImageProblem | 'not-an-image-type' | 'download-failed' | 'download-timeout';

export class AttachmentError extends UserFacingError {
  constructor(
    message: string,
    readonly problem: AttachmentProblem,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AttachmentError';
  }
}

export interface AttachmentLimits {
  readonly maxAttachmentBytes: number;
  readonly downloadTimeoutMs: number;
}

const ACCEPTED = 'a PNG, JPEG, WebP or GIF picture';
/** Vector and layered formats are not pictures the generators can be compared with. */
const REFUSED_IMAGE_TYPES = new Set(['image/svg+xml', 'image/vnd.adobe.photoshop', 'image/x-icon', 'image/vnd.microsoft.icon']);

function quotedName(attachment: AttachmentInput): string {
  return `“${clip(singleLine(attachment.name) || 'the file', 60)}”`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

function mediaType(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? undefined : type;
}

/** Refuses on what Discord declared, before downloading anything. */
export function checkDeclaredAttachment(attachment: AttachmentInput, limits: AttachmentLimits): void {
  const name = quotedName(attachment);
  const type = mediaType(attachment.contentType);
  if (type !== undefined && (!type.startsWith('image/') || REFUSED_IMAGE_TYPES.has(type))) {
    throw new AttachmentError(`${name} is a ${type} file, not a picture: attach ${ACCEPTED}.`, 'not-an-image-type');
  }
  if (attachment.size === 0) throw new AttachmentError(`${name} is empty (0 bytes): attach ${ACCEPTED}.`, 'empty');
  if (attachment.size > limits.maxAttachmentBytes) {
    throw new AttachmentError(
      `${name} is ${formatBytes(attachment.size)}, over the limit of ${formatBytes(limits.maxAttachmentBytes)}: attach a smaller picture (e.g. saved as JPEG or at a lower resolution).`,
      'too-large',
    );
  }
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    throw new AttachmentError(`${name} has no usable link; attach it again.`, 'download-failed');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AttachmentError(`${name} has no usable link; attach it again.`, 'download-failed');
}

/** The attachment's bytes, refusing a slow download or one that grows past the limit whatever size was declared. */
export async function downloadAttachment(attachment: AttachmentInput, limits: AttachmentLimits): Promise<Uint8Array> {
  const name = quotedName(attachment);
  const tooLarge = () =>
    new AttachmentError(`${name} is over the limit of ${formatBytes(limits.maxAttachmentBytes)}: attach a smaller picture.`, 'too-large');
  const signal = AbortSignal.timeout(limits.downloadTimeoutMs);
  const timedOut = (error: unknown) =>
    new AttachmentError(
      `Downloading ${name} took longer than ${Math.round(limits.downloadTimeoutMs / 1000)} s; try again in a moment.`,
      'download-timeout',
      { cause: error },
    );
  let response: Response;
  try {
    response = await fetch(attachment.url, { signal, redirect: 'follow' });
  } catch (error) {
    if (signal.aborted) throw timedOut(error);
    throw new AttachmentError(`${name} could not be downloaded from Discord; try again in a moment.`, 'download-failed', { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AttachmentError(`${name} could not be downloaded from Discord (HTTP ${response.status}); attach it again.`, 'download-failed');
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.maxAttachmentBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    const reader = response.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > limits.maxAttachmentBytes) {
          await reader.cancel();
          throw tooLarge();
        }
        chunks.push(value);
      }
    }
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    if (signal.aborted) throw timedOut(error);
    throw new AttachmentError(`${name} could not be downloaded completely; try again in a moment.`, 'download-failed', { cause: error });
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Declared checks, download, then decode and normalise (`loadTargetImage`); every failure an `AttachmentError`. */
export async function readTargetAttachment(attachment: AttachmentInput, limits: AttachmentLimits): Promise<TargetImage> {
  checkDeclaredAttachment(attachment, limits);
  const bytes = await downloadAttachment(attachment, limits);
  try {
    return await loadTargetImage(bytes, { maxBytes: limits.maxAttachmentBytes }, { name: quotedName(attachment) });
  } catch (error) {
    // Its messages are one line, name the file, and say what to do.
    if (error instanceof InputImageError) throw new AttachmentError(error.message, error.problem, { cause: error });
    throw error;
  }
}
