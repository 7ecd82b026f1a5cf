/** Text progress bars for status messages: `█████░░░░░ 50%`. */

const FILLED = '█';
const EMPTY = '░';

/** Clamp to [0, 1]; NaN counts as no progress. */
function clampFraction(fraction: number): number {
  if (Number.isNaN(fraction)) return 0;
  return Math.min(1, Math.max(0, fraction));
}

/**
 * A bar of `width` cells and a percentage. Both round down, so the bar is
 * full and reads 100% only when the work is complete.
 */
export function progressBar(fraction: number, width = 20): string {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`progress bar width must be a positive integer, got ${width}`);
  const clamped = clampFraction(fraction);
  const filled = Math.floor(clamped * width);
  return `${FILLED.repeat(filled)}${EMPTY.repeat(width - filled)} ${Math.floor(clamped * 100)}%`;
}

/** `█████░░░░░ 50% · 10/20` (a total of 0 reads as no progress). */
export function progressLine(done: number, total: number, width = 20): string {
  const fraction = total > 0 ? done / total : 0;
  return `${progressBar(fraction, width)} · ${done}/${total}`;
}
