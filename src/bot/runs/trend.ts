/** The reward trend as text for the status message: a sparkline and an arrow. */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** One bar per value, scaled between the values' minimum and maximum (all equal: mid-height). */
export function sparkline(values: readonly number[], width = 16): string {
  const recent = values.filter((value) => Number.isFinite(value)).slice(-width);
  if (recent.length === 0) return '';
  const low = Math.min(...recent);
  const high = Math.max(...recent);
  return recent
    .map((value) => {
      if (high - low < 1e-12) return BARS[3];
      const index = Math.round(((value - low) / (high - low)) * (BARS.length - 1));
      return BARS[Math.min(BARS.length - 1, Math.max(0, index))];
    })
    .join('');
}

export type TrendDirection = 'up' | 'down' | 'flat';

/**
 * Latest value against the mean of the (up to) three before it. Changes under
 * `tolerance` (absolute, in reward units) count as flat, so noise does not flip the arrow.
 */
export function trendDirection(values: readonly number[], tolerance = 0.002): TrendDirection {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return 'flat';
  const latest = finite.at(-1)!;
  const before = finite.slice(-4, -1);
  const reference = before.reduce((sum, value) => sum + value, 0) / before.length;
  if (latest > reference + tolerance) return 'up';
  if (latest < reference - tolerance) return 'down';
  return 'flat';
}

export const TREND_ARROWS: Record<TrendDirection, string> = { up: '↗', down: '↘', flat: '→' };
