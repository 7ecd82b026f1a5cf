/** The learned prompt against the baselines, as a plain-text table. */
import { BASELINE_LABELS } from '../../engine/baselines/baselines.js';
import { formatScore } from '../../engine/baselines/evaluate.js';
import type { OptimizeResult } from '../../engine/optimize.js';
import type { ComparisonRow } from '../../engine/reports/index.js';

export function comparisonRows(result: OptimizeResult): ComparisonRow[] {
  return [
    {
      method: 'learned (REINFORCE)',
      prompt: result.learned.prompt,
      mean: result.learned.mean,
      sd: result.learned.sd,
      generations: result.training.generationsUsed,
      costUsd: result.training.costUsd,
    },
    ...result.baselines.map((b) => ({
      method: BASELINE_LABELS[b.method],
      prompt: b.prompt,
      mean: b.evaluation.mean,
      sd: b.evaluation.sd,
      generations: b.generationsUsed,
      costUsd: b.costUsd,
      note: b.note,
    })),
  ];
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatComparisonTable(result: OptimizeResult): string {
  const k = result.evaluationSeeds.length;
  const rows = comparisonRows(result).map((r) => [
    r.method,
    `"${r.prompt.length > 48 ? `${r.prompt.slice(0, 47)}…` : r.prompt}"`,
    formatScore(r),
    String(r.generations),
    `$${r.costUsd.toFixed(2)}`,
  ]);
  return formatTable(['method', 'prompt', `similarity (K=${k})`, 'images', 'cost'], rows, new Set([3, 4]));
}
