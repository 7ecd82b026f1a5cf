/** One palette for every picture and the HTML, so the PNG and the page look like one product. */
export const theme = {
  background: '#ffffff',
  panel: '#f8fafc',
  panelBorder: '#e2e8f0',
  text: '#0f172a',
  muted: '#64748b',
  gridLine: '#e2e8f0',
  axis: '#94a3b8',
  accent: '#4f46e5',
  highlight: '#fef3c7',
  highlightBorder: '#f59e0b',
  series: {
    meanReturn: '#2563eb',
    meanFinalReward: '#f97316',
    greedyReward: '#16a34a',
  },
} as const;

/** Scores are cosine similarities: three decimals tell runs apart without noise. */
export function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '–';
}

export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}
