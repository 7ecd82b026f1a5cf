/** A realistic run report for the report tests: shaded shapes drawn with canvas, numbers shaped like a real run. */
import { createCanvas } from '@napi-rs/canvas';
import type { ComparisonRow, IterationStats, ReportSample, RunReport } from '../../../src/engine/reports/index.js';
import { EFFICIENT_PRESET } from '../../../src/engine/training/hyperparameters.js';

const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 38, 38],
  blue: [37, 99, 235],
  green: [22, 163, 74],
  yellow: [234, 179, 8],
};

/** A shaded sphere, ball (with a seam) or egg of a colour, on white: PNG bytes. */
export function shapePng(shape: 'sphere' | 'ball' | 'egg' | 'cube', colour: keyof typeof COLOURS, size = 256, seed = 0): Uint8Array {
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  const [r, g, b] = COLOURS[colour] ?? [128, 128, 128];
  const cx = size / 2 + ((seed * 37) % 21) - 10;
  const cy = size / 2 + ((seed * 53) % 17) - 8;
  const radius = size * (0.3 + ((seed * 13) % 7) / 100);
  ctx.fillStyle = 'rgba(0,0,0,0.12)';
  ctx.beginPath();
  ctx.ellipse(cx, cy + radius * 1.02, radius * 0.8, radius * 0.16, 0, 0, Math.PI * 2);
  ctx.fill();
  const gradient = ctx.createRadialGradient(cx - radius * 0.35, cy - radius * 0.4, radius * 0.05, cx, cy, radius * 1.1);
  gradient.addColorStop(0, `rgb(${Math.min(255, r + 90)},${Math.min(255, g + 90)},${Math.min(255, b + 90)})`);
  gradient.addColorStop(0.6, `rgb(${r},${g},${b})`);
  gradient.addColorStop(1, `rgb(${r * 0.45},${g * 0.45},${b * 0.45})`);
  ctx.fillStyle = gradient;
  ctx.beginPath();
  if (shape === 'egg') ctx.ellipse(cx, cy, radius * 0.78, radius, 0, 0, Math.PI * 2);
  else if (shape === 'cube') ctx.rect(cx - radius * 0.8, cy - radius * 0.8, radius * 1.6, radius * 1.6);
  else ctx.arc(cx, cy, radius, 0, Math.PI * 2);
  ctx.fill();
  if (shape === 'ball') {
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    ctx.lineWidth = size / 60;
    ctx.beginPath();
    ctx.ellipse(cx, cy, radius * 0.35, radius * 0.98, 0.3, 0, Math.PI * 2);
    ctx.stroke();
  }
  return canvas.toBuffer('image/png');
}

export function risingStats(count: number): IterationStats[] {
  return Array.from({ length: count }, (_, i) => ({
    iteration: i,
    meanReturn: 0.62 + 0.22 * (1 - Math.exp(-i / 5)) + 0.015 * Math.sin(i * 2.1),
    meanFinalReward: 0.62 + 0.22 * (1 - Math.exp(-i / 5)) + 0.015 * Math.sin(i * 2.1),
    greedyPrompt: i < 3 ? 'red ball' : i < 6 ? 'sphere red' : 'red sphere',
    greedyReward: 0.78 + 0.124 * (1 - Math.exp(-i / 3)),
  }));
}

const SAMPLE_PROMPTS: [string, 'sphere' | 'ball' | 'egg' | 'cube', keyof typeof COLOURS, number][] = [
  ['red sphere', 'sphere', 'red', 0.912],
  ['red sphere', 'sphere', 'red', 0.905],
  ['sphere red', 'sphere', 'red', 0.897],
  ['red ball', 'ball', 'red', 0.871],
  ['red egg', 'egg', 'red', 0.842],
  ['ball red', 'ball', 'red', 0.835],
  ['sphere ball', 'ball', 'blue', 0.731],
  ['egg sphere', 'egg', 'yellow', 0.702],
  ['ball egg', 'egg', 'green', 0.688],
  ['sphere egg', 'egg', 'blue', 0.671],
  ['egg ball', 'ball', 'yellow', 0.655],
  ['ball sphere', 'sphere', 'green', 0.649],
  ['egg red', 'egg', 'red', 0.83],
  ['red red', 'cube', 'red', 0.6],
];

export function sampleList(size = 128): ReportSample[] {
  return SAMPLE_PROMPTS.map(([prompt, shape, colour, reward], i) => ({
    bytes: shapePng(shape, colour, size, i),
    prompt,
    reward,
    similarity: reward,
    iteration: 19 - (i % 20),
  }));
}

export function comparisonRows(): ComparisonRow[] {
  return [
    { method: 'ImagePrompt (REINFORCE)', prompt: 'red sphere', mean: 0.902, sd: 0.011, generations: 188, costUsd: 0, note: 'early stop at iteration 11' },
    { method: 'CLIP prior (greedy)', prompt: 'red ball', mean: 0.863, sd: 0.019, generations: 4, costUsd: 0 },
    { method: 'Best BLIP caption', prompt: 'a red ball sitting on top of a white table next to a wall', mean: 0.851, sd: 0.024, generations: 24, costUsd: 0 },
    { method: 'Random search', prompt: 'sphere red', mean: 0.889, sd: 0.014, generations: 188, costUsd: 0, note: 'same budget as ImagePrompt' },
    { method: 'Exhaustive (all 12 prompts)', prompt: 'red sphere', mean: 0.902, sd: 0.011, generations: 48, costUsd: 0 },
  ];
}

export function sampleReport(overrides: Partial<RunReport> = {}): RunReport {
  return {
    targetImage: shapePng('sphere', 'red', 512, 3),
    provider: 'offline shapes world (no real image model)',
    preset: 'efficient',
    hyperparameters: { ...EFFICIENT_PRESET },
    promptSpace: { words: ['sphere', 'ball', 'egg', 'red'], probabilities: [0.238053, 0.2610056, 0.2390593, 0.2618819] },
    iterations: risingStats(12),
    samples: sampleList(),
    learnedPrompt: 'red sphere',
    comparison: comparisonRows(),
    finishedAt: '2025-11-26T07:12:44.000Z',
    finishReason: 'early-stop',
    ...overrides,
  };
}
