/** Fitting user text (prompts can be long) into fixed boxes on a canvas. */
import type { SKRSContext2D } from '@napi-rs/canvas';

const ELLIPSIS = '…';

/** `text` if it fits in `maxWidth` with the context's current font, else the longest prefix that fits followed by "…". */
export function truncateToWidth(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = `${chars.slice(0, mid).join('').trimEnd()}${ELLIPSIS}`;
    if (ctx.measureText(candidate).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? ELLIPSIS : `${chars.slice(0, lo).join('').trimEnd()}${ELLIPSIS}`;
}

/** Greedy word wrap into at most `maxLines` lines; the last line ends with "…" if text was left over. */
export function wrapToWidth(ctx: SKRSContext2D, text: string, maxWidth: number, maxLines: number): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let current = '';
  let index = 0;
  while (index < words.length && lines.length < maxLines) {
    const word = words[index] as string;
    const candidate = current ? `${current} ${word}` : word;
    if (ctx.measureText(candidate).width <= maxWidth) {
      current = candidate;
      index++;
    } else if (!current) {
      // A single word wider than the box: it gets a line of its own, cut.
      lines.push(truncateToWidth(ctx, word, maxWidth));
      index++;
    } else {
      lines.push(current);
      current = '';
    }
  }
  if (current && lines.length < maxLines) lines.push(current);
  if (index < words.length && lines.length > 0) {
    const last = lines.length - 1;
    lines[last] = truncateToWidth(ctx, `${lines[last]} ${words.slice(index).join(' ')}`, maxWidth);
  }
  return lines;
}
