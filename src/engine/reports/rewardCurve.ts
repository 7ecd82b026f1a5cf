/**
 * The training curve: mean return and mean final reward of each iteration's
 * episodes, and the reward of that iteration's greedy prompt.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { font } from './fonts.js';
import { niceTicks, type Ticks } from './scale.js';
import { truncateToWidth } from './text.js';
import { formatScore, theme } from './theme.js';
import type { IterationStats } from './types.js';

export interface Frame {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RewardCurveOptions {
  /** Picture width in pixels (default 800). */
  width?: number;
  /** Picture height in pixels (default 420). */
  height?: number;
  /** Heading drawn above the plot; null for none (default "Reward per iteration"). */
  title?: string | null;
}

interface Series {
  label: string;
  color: string;
  /** One value per stats entry; NaN where there is none. */
  values: number[];
  axis: 'left' | 'right';
  dashed: boolean;
}

const finite = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** 4% headroom so a curve never runs along the plot's edge. */
function padded([min, max]: [number, number]): [number, number] {
  const pad = (max - min) * 0.04;
  return [min - pad, max + pad];
}

/** Whole-number ticks; the domain extends half an iteration past the first and last so no point sits on an axis. */
function iterationTicks([first, last]: [number, number], count: number): Ticks {
  const { step } = niceTicks(first, last, count, true);
  const values: number[] = [];
  for (let value = Math.ceil(first / step) * step; value <= last; value += step) values.push(value);
  if (values[0] !== first && (values[0] ?? Infinity) - first > step / 2) values.unshift(first);
  return { min: first - 0.5, max: last + 0.5, step, values, decimals: 0 };
}

function valuesOf(stats: readonly IterationStats[], pick: (s: IterationStats) => number | null): number[] {
  return stats.map((s) => {
    const value = pick(s);
    return finite(value) ? value : Number.NaN;
  });
}

function extent(values: readonly number[]): [number, number] | null {
  const present = values.filter(finite);
  return present.length ? [Math.min(...present), Math.max(...present)] : null;
}

/** Which lines to draw, and on which axis. */
function buildSeries(stats: readonly IterationStats[]): Series[] {
  const meanReturn = valuesOf(stats, (s) => s.meanReturn);
  const meanFinal = valuesOf(stats, (s) => s.meanFinalReward);
  const greedy = valuesOf(stats, (s) => s.greedyReward);
  const series: Series[] = [];
  // With one reward per episode and γ = 1 the return *is* the final reward: draw one line, say so.
  const same = meanReturn.every((r, i) => (Number.isNaN(r) && Number.isNaN(meanFinal[i] as number)) || Math.abs(r - (meanFinal[i] as number)) < 1e-9);
  if (same) {
    series.push({ label: 'mean final reward (= return)', color: theme.series.meanFinalReward, values: meanFinal, axis: 'left', dashed: false });
  } else {
    series.push({ label: 'mean final reward', color: theme.series.meanFinalReward, values: meanFinal, axis: 'left', dashed: false });
    // Returns summed over T rewarded steps live on a larger scale; give them their own axis rather than flatten the rewards.
    const rewardRange = extent([...meanFinal, ...greedy]);
    const returnRange = extent(meanReturn);
    let axis: 'left' | 'right' = 'left';
    if (rewardRange && returnRange) {
      const span = Math.max(rewardRange[1] - rewardRange[0], 0.05);
      if (returnRange[0] < rewardRange[0] - span || returnRange[1] > rewardRange[1] + span) axis = 'right';
    }
    series.unshift({ label: axis === 'right' ? 'mean return (right axis)' : 'mean return', color: theme.series.meanReturn, values: meanReturn, axis, dashed: axis === 'right' });
  }
  if (greedy.some(finite)) series.push({ label: 'greedy prompt reward', color: theme.series.greedyReward, values: greedy, axis: 'left', dashed: false });
  return series;
}

function drawLegend(ctx: SKRSContext2D, series: readonly Series[], right: number, y: number): void {
  ctx.font = font(12);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  let x = right;
  for (const entry of [...series].reverse()) {
    const width = ctx.measureText(entry.label).width;
    x -= width;
    ctx.fillStyle = theme.text;
    ctx.fillText(entry.label, x, y);
    x -= 26;
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(entry.dashed ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 20, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = entry.color;
    ctx.beginPath();
    ctx.arc(x + 10, y, 3, 0, Math.PI * 2);
    ctx.fill();
    x -= 18;
  }
}

function legendWidth(ctx: SKRSContext2D, series: readonly Series[]): number {
  ctx.font = font(12);
  return series.reduce((sum, entry) => sum + ctx.measureText(entry.label).width + 44, -18);
}

/** Draws the reward curve into `frame` of an existing canvas (the composed report uses this directly). */
export function drawRewardCurve(ctx: SKRSContext2D, frame: Frame, stats: readonly IterationStats[], title: string | null = 'Reward per iteration'): void {
  const series = buildSeries(stats);
  const iterations = stats.map((s) => s.iteration + 1);
  const leftValues = series.filter((s) => s.axis === 'left').flatMap((s) => s.values);
  const rightSeries = series.find((s) => s.axis === 'right');
  const leftRange = extent(leftValues);
  const xRange = extent(iterations);

  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(frame.x, frame.y, frame.width, frame.height);

  // Header: title on the left, legend on the right, or stacked when narrow.
  let top = frame.y + 8;
  const legendW = legendWidth(ctx, series);
  ctx.font = font(16, 'bold');
  const titleW = title ? ctx.measureText(title).width : 0;
  if (title) {
    ctx.fillStyle = theme.text;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(truncateToWidth(ctx, title, frame.width - 16), frame.x + 8, top + 10);
  }
  if (title && titleW + legendW + 40 > frame.width) {
    drawLegend(ctx, series, frame.x + frame.width - 8, top + 34);
    top += 50;
  } else {
    drawLegend(ctx, series, frame.x + frame.width - 8, top + 10);
    top += title ? 30 : 24;
  }

  const yTicks: Ticks = leftRange ? niceTicks(...padded(leftRange), 6) : niceTicks(0, 1, 6);
  const rightRange = rightSeries ? extent(rightSeries.values) : null;
  const rightTicks = rightRange ? niceTicks(...padded(rightRange), 6) : null;
  const xTicks = iterationTicks(xRange ?? [1, 1], Math.min(10, Math.max(2, Math.floor(frame.width / 80))));

  ctx.font = font(12);
  const yLabelWidth = Math.max(...yTicks.values.map((v) => ctx.measureText(v.toFixed(yTicks.decimals)).width));
  const rightLabelWidth = rightTicks ? Math.max(...rightTicks.values.map((v) => ctx.measureText(v.toFixed(rightTicks.decimals)).width)) : 0;
  const plot: Frame = {
    x: frame.x + 30 + yLabelWidth + 10,
    y: top + 6,
    width: 0,
    height: frame.y + frame.height - 46 - (top + 6),
  };
  plot.width = frame.x + frame.width - (rightTicks ? rightLabelWidth + 40 : 16) - plot.x;

  const xAt = (iteration: number) => plot.x + ((iteration - xTicks.min) / (xTicks.max - xTicks.min)) * plot.width;
  const yAt = (value: number, ticks: Ticks) => plot.y + plot.height - ((value - ticks.min) / (ticks.max - ticks.min)) * plot.height;

  // Grid and ticks.
  ctx.lineWidth = 1;
  ctx.textBaseline = 'middle';
  for (const value of yTicks.values) {
    const y = Math.round(yAt(value, yTicks)) + 0.5;
    ctx.strokeStyle = theme.gridLine;
    ctx.beginPath();
    ctx.moveTo(plot.x, y);
    ctx.lineTo(plot.x + plot.width, y);
    ctx.stroke();
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'right';
    ctx.fillText(value.toFixed(yTicks.decimals), plot.x - 8, y);
  }
  if (rightTicks) {
    ctx.textAlign = 'left';
    for (const value of rightTicks.values) {
      ctx.fillStyle = theme.series.meanReturn;
      ctx.fillText(value.toFixed(rightTicks.decimals), plot.x + plot.width + 8, yAt(value, rightTicks));
    }
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const value of xTicks.values) {
    const x = Math.round(xAt(value)) + 0.5;
    ctx.strokeStyle = theme.axis;
    ctx.beginPath();
    ctx.moveTo(x, plot.y + plot.height);
    ctx.lineTo(x, plot.y + plot.height + 5);
    ctx.stroke();
    ctx.fillStyle = theme.muted;
    ctx.fillText(String(value), x, plot.y + plot.height + 8);
  }
  // Axes.
  ctx.strokeStyle = theme.axis;
  ctx.beginPath();
  ctx.moveTo(plot.x + 0.5, plot.y);
  ctx.lineTo(plot.x + 0.5, plot.y + plot.height + 0.5);
  ctx.lineTo(plot.x + plot.width, plot.y + plot.height + 0.5);
  if (rightTicks) ctx.lineTo(plot.x + plot.width, plot.y);
  ctx.stroke();
  // Axis labels.
  ctx.fillStyle = theme.muted;
  ctx.font = font(12);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('iteration', plot.x + plot.width / 2, frame.y + frame.height - 4);
  ctx.save();
  ctx.translate(frame.x + 14, plot.y + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('reward (similarity)', 0, 0);
  ctx.restore();
  if (rightTicks) {
    ctx.save();
    ctx.translate(frame.x + frame.width - 12, plot.y + plot.height / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.series.meanReturn;
    ctx.fillText('mean return', 0, 0);
    ctx.restore();
  }

  if (!leftRange && !rightRange) {
    ctx.fillStyle = theme.muted;
    ctx.font = font(14);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(stats.length ? 'no finite rewards to plot' : 'no iterations yet', plot.x + plot.width / 2, plot.y + plot.height / 2);
  }

  // Lines, broken where a value is missing; markers when points are few or isolated.
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x - 6, plot.y - 6, plot.width + 12, plot.height + 12);
  ctx.clip();
  for (const entry of series) {
    const ticks = entry.axis === 'right' && rightTicks ? rightTicks : yTicks;
    const points = entry.values.map((value, i) => (finite(value) ? { x: xAt(iterations[i] as number), y: yAt(value, ticks) } : null));
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2.5;
    ctx.lineJoin = 'round';
    ctx.setLineDash(entry.dashed ? [6, 4] : []);
    ctx.beginPath();
    let drawing = false;
    for (const point of points) {
      if (!point) {
        drawing = false;
        continue;
      }
      if (drawing) ctx.lineTo(point.x, point.y);
      else ctx.moveTo(point.x, point.y);
      drawing = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const markAll = points.length <= 40;
    ctx.fillStyle = entry.color;
    points.forEach((point, i) => {
      if (!point) return;
      const isolated = !points[i - 1] && !points[i + 1];
      if (!markAll && !isolated) return;
      ctx.beginPath();
      ctx.arc(point.x, point.y, 3.5, 0, Math.PI * 2);
      ctx.fill();
    });
  }
  ctx.restore();

  // Name the best greedy prompt where it was found.
  let best = -1;
  stats.forEach((s, i) => {
    if (finite(s.greedyReward) && (best < 0 || s.greedyReward > (stats[best]?.greedyReward ?? -Infinity))) best = i;
  });
  const bestStats = stats[best];
  if (bestStats && finite(bestStats.greedyReward)) {
    const x = xAt(bestStats.iteration + 1);
    const y = yAt(bestStats.greedyReward, yTicks);
    ctx.strokeStyle = theme.series.greedyReward;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, Math.PI * 2);
    ctx.stroke();
    ctx.font = font(12, 'bold');
    const label = truncateToWidth(ctx, `best “${bestStats.greedyPrompt}” ${formatScore(bestStats.greedyReward)}`, plot.width * 0.6);
    const width = ctx.measureText(label).width;
    const leftSide = x + 12 + width > plot.x + plot.width;
    const labelX = leftSide ? x - 12 - width : x + 12;
    const labelY = y - 16 < plot.y + 8 ? y + 16 : y - 16;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(labelX - 4, labelY - 9, width + 8, 18);
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, labelX, labelY);
  }
  ctx.restore();
}

function curveCanvas(stats: readonly IterationStats[], options: RewardCurveOptions) {
  const width = Math.round(options.width ?? 800);
  const height = Math.round(options.height ?? 420);
  if (!(width >= 200 && height >= 150)) throw new RangeError(`A reward curve needs at least 200×150 pixels (got ${width}×${height}).`);
  const canvas = createCanvas(width, height);
  drawRewardCurve(canvas.getContext('2d'), { x: 0, y: 0, width, height }, stats, options.title === undefined ? 'Reward per iteration' : options.title);
  return canvas;
}

/** The reward curve as PNG bytes. */
export async function renderRewardCurve(stats: readonly IterationStats[], options: RewardCurveOptions = {}): Promise<Uint8Array> {
  return curveCanvas(stats, options).encode('png');
}

/** Same picture, synchronously (the HTML report is built synchronously). */
export function renderRewardCurveSync(stats: readonly IterationStats[], options: RewardCurveOptions = {}): Uint8Array {
  return curveCanvas(stats, options).toBuffer('image/png');
}
