/** Why a target image was refused, for callers that branch (the Discord bot picks its reply by it). */
export type InputImageProblem =
  | 'missing'
  | 'unreadable'
  | 'directory'
  | 'empty'
  | 'not-an-image'
  | 'unsupported-format'
  | 'corrupt'
  | 'too-large'
  | 'too-small';

/**
 * A target image we cannot use. The message is one line a user can act on:
 * what is wrong, then what to do about it.
 */
export class InputImageError extends Error {
  constructor(
    message: string,
    readonly problem: InputImageProblem,
    options?: { cause?: unknown },
  ) {
    super(oneLine(message), options);
    this.name = 'InputImageError';
  }
}

/** Collapses control characters (a path or a decoder message may hold newlines) so the message stays on one line. */
export function oneLine(text: string): string {
  let flat = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    flat += code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029 ? ' ' : char;
  }
  return flat.replace(/ {2,}/g, ' ').trim();
}
