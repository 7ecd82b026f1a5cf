/**
 * Refusals a player reads: each says what is wrong and, when waiting helps,
 * when to try again (`retryAt`, also written into the message).
 */
import { UserFacingError } from '../interactions/errors.js';

export class RetryLaterError extends UserFacingError {
  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** "45 s", "3 min 20 s", "2 h 5 min": how long until `later`, rounded up to the second. */
export function formatWait(fromMs: number, toMs: number): string {
  const seconds = Math.max(1, Math.ceil((toMs - fromMs) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** User text on one line, trimmed, runs of spaces collapsed (control characters become spaces). */
export function singleLine(text: string): string {
  let flat = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    flat += code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029 ? ' ' : char;
  }
  return flat.replace(/\s+/g, ' ').trim();
}

/** `text` cut to `max` characters (by code point) with "…" when it was longer. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}
