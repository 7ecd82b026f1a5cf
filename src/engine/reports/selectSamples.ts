import type { ReportSample } from './types.js';

const byRewardDescending = (a: ReportSample, b: ReportSample) =>
  (Number.isFinite(b.reward) ? b.reward : -Infinity) - (Number.isFinite(a.reward) ? a.reward : -Infinity) || b.iteration - a.iteration;

/**
 * The samples worth a grid cell: the best image of each distinct prompt,
 * best first (twelve copies of the winning prompt would say less), then the
 * best remaining images if there are fewer prompts than cells.
 */
export function selectGridSamples(samples: readonly ReportSample[], max = 12): ReportSample[] {
  const sorted = [...samples].sort(byRewardDescending);
  const seen = new Set<string>();
  const distinct: ReportSample[] = [];
  const rest: ReportSample[] = [];
  for (const sample of sorted) {
    const key = sample.prompt.trim().toLowerCase();
    if (seen.has(key)) rest.push(sample);
    else {
      seen.add(key);
      distinct.push(sample);
    }
  }
  return [...distinct, ...rest].slice(0, Math.max(0, max)).sort(byRewardDescending);
}
