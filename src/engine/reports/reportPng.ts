/**
 * The whole run as one picture: title with the learned prompt, the target,
 * the prompt space, the reward curve, the best samples and the comparison.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { comparisonTableLayout, drawComparisonTable } from './comparisonTable.js';
import { decodeTile } from './decode.js';
import { font } from './fonts.js';
import { hyperparameterLine } from './hyperparameterSummary.js';
import { decodeGridTiles, drawImageGrid, type GridImage, type ImageGridLayout, imageGridLayout } from './imageGrid.js';
import { drawRewardCurve, type Frame } from './rewardCurve.js';
import { selectGridSamples } from './selectSamples.js';
import { truncateToWidth, wrapToWidth } from './text.js';
import { formatScore, formatUsd, theme } from './theme.js';
import type { ReportSample, RunReport } from './types.js';

export const REPORT_WIDTH = 1600;
const MARGIN = 40;
const CONTENT = REPORT_WIDTH - MARGIN * 2;
const GRID_COLUMNS = 6;
const TOP_ROW_HEIGHT = 430;
const TARGET_WIDTH = 380;
const PROMPT_SPACE_WIDTH = 330;
const GUTTER = 24;

/** The comparison row for the learned prompt, if the table has one. */
function learnedRow(report: RunReport) {
  return report.comparison.find((row) => row.prompt.trim() === report.learnedPrompt.trim());
}

export function gridImagesOf(samples: readonly ReportSample[]): GridImage[] {
  return samples.map((sample) => ({
    bytes: sample.bytes,
    prompt: sample.prompt,
    score: sample.reward,
    detail: `iteration ${sample.iteration + 1}`,
  }));
}

/** Cells as large as the content width allows for six columns. */
function reportGridLayout(count: number): ImageGridLayout {
  let cell = Math.floor(CONTENT / GRID_COLUMNS);
  let layout = imageGridLayout(count, { columns: GRID_COLUMNS, cell });
  while (layout.width > CONTENT) layout = imageGridLayout(count, { columns: GRID_COLUMNS, cell: --cell });
  return layout;
}

function sectionTitle(ctx: SKRSContext2D, text: string, x: number, y: number, width: number): void {
  ctx.fillStyle = theme.text;
  ctx.font = font(18, 'bold');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(truncateToWidth(ctx, text, width), x, y);
}

function card(ctx: SKRSContext2D, frame: Frame): void {
  ctx.fillStyle = theme.background;
  ctx.strokeStyle = theme.panelBorder;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(frame.x + 0.5, frame.y + 0.5, frame.width - 1, frame.height - 1, 10);
  ctx.fill();
  ctx.stroke();
}

function drawPromptSpace(ctx: SKRSContext2D, frame: Frame, report: RunReport): void {
  const { words, probabilities } = report.promptSpace;
  sectionTitle(ctx, `Prompt space (${words.length} words)`, frame.x + 16, frame.y + 30, frame.width - 32);
  ctx.font = font(12);
  ctx.fillStyle = theme.muted;
  ctx.fillText('CLIP probability of each caption word', frame.x + 16, frame.y + 50);
  const entries = words.map((word, i) => ({ word, p: probabilities[i] ?? Number.NaN })).sort((a, b) => (b.p || 0) - (a.p || 0));
  const learned = new Set(report.learnedPrompt.toLowerCase().split(/\s+/));
  const maxP = Math.max(...entries.map((e) => (Number.isFinite(e.p) ? e.p : 0)), 1e-9);
  const top = frame.y + 68;
  const bottom = frame.y + frame.height - 40;
  const rowHeight = Math.min(40, Math.max(22, Math.floor((bottom - top) / Math.max(1, entries.length))));
  const fits = Math.floor((bottom - top) / rowHeight);
  const shown = entries.length > fits ? entries.slice(0, Math.max(0, fits - 1)) : entries;
  const labelWidth = 110;
  const barX = frame.x + 16 + labelWidth;
  const barMax = frame.width - 32 - labelWidth - 56;
  shown.forEach(({ word, p }, i) => {
    const y = top + i * rowHeight;
    const inPrompt = learned.has(word.toLowerCase());
    ctx.font = font(14, inPrompt ? 'bold' : 'normal');
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(truncateToWidth(ctx, word, labelWidth - 10), frame.x + 16, y + rowHeight / 2);
    ctx.fillStyle = theme.panel;
    ctx.fillRect(barX, y + 8, barMax, rowHeight - 16);
    ctx.fillStyle = inPrompt ? theme.accent : '#a5b4fc';
    ctx.fillRect(barX, y + 8, Math.max(1, (Number.isFinite(p) ? p / maxP : 0) * barMax), rowHeight - 16);
    ctx.font = font(12);
    ctx.fillStyle = theme.muted;
    ctx.fillText(Number.isFinite(p) ? p.toFixed(3) : '–', barX + barMax + 8, y + rowHeight / 2);
  });
  if (shown.length < entries.length) {
    ctx.font = font(12);
    ctx.fillStyle = theme.muted;
    ctx.fillText(`+ ${entries.length - shown.length} more`, frame.x + 16, top + shown.length * rowHeight + rowHeight / 2);
  }
  ctx.font = font(12);
  ctx.fillStyle = theme.muted;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText('dark bars: words of the learned prompt', frame.x + 16, frame.y + frame.height - 16);
}

/** The composed report as PNG bytes, REPORT_WIDTH pixels wide. Throws a ReportRenderError if an image does not decode. */
export async function renderReportPng(report: RunReport): Promise<Uint8Array> {
  const samples = selectGridSamples(report.samples, GRID_COLUMNS * 2);
  const gridImages = gridImagesOf(samples);
  const grid = reportGridLayout(gridImages.length);
  const targetSide = TARGET_WIDTH - 32;
  const [targetTile, tiles] = await Promise.all([
    decodeTile(report.targetImage, targetSide, targetSide, 'the target image'),
    decodeGridTiles(gridImages, grid.cell),
  ]);

  const scratch = createCanvas(10, 10).getContext('2d');
  const table = comparisonTableLayout(scratch, report.comparison, { width: CONTENT });
  scratch.font = font(13);
  const footerLines = wrapToWidth(scratch, `Hyperparameters (${report.preset} preset): ${hyperparameterLine(report.hyperparameters)}`, CONTENT, 3);

  // The learned prompt is the headline: it wraps onto a second line rather than lose its end.
  const title = `Learned prompt: “${report.learnedPrompt}”`;
  scratch.font = font(34, 'bold');
  const titleFits = scratch.measureText(title).width <= CONTENT;
  const titleSize = titleFits ? 34 : 30;
  scratch.font = font(titleSize, 'bold');
  const titleLines = titleFits ? [title] : wrapToWidth(scratch, title, CONTENT, 2);
  const titleLineHeight = Math.round(titleSize * 1.2);
  const row = learnedRow(report);
  const lastGreedy = report.iterations.at(-1)?.greedyReward;
  const scoreLine = row
    ? `Similarity ${formatScore(row.mean)} ± ${formatScore(row.sd)} on ${report.hyperparameters.evaluationImages} evaluation images`
    : typeof lastGreedy === 'number' && Number.isFinite(lastGreedy)
      ? `Greedy-prompt reward ${formatScore(lastGreedy)} on the training seeds at the last iteration`
      : '';
  const headerHeight = (scoreLine ? 132 : 106) + (titleLines.length - 1) * titleLineHeight;
  const gridTop = MARGIN + headerHeight + TOP_ROW_HEIGHT + 56;
  const tableTop = gridTop + grid.height + 56;
  const footerTop = tableTop + table.height + 28;
  const height = Math.ceil(footerTop + footerLines.length * 20 + MARGIN);

  const canvas = createCanvas(REPORT_WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.panel;
  ctx.fillRect(0, 0, REPORT_WIDTH, height);

  // Header: what was learned, how well, by what.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = theme.accent;
  ctx.font = font(13, 'bold');
  ctx.fillText('IMAGEPROMPT · RUN REPORT', MARGIN, MARGIN + 12);
  ctx.fillStyle = theme.text;
  ctx.font = font(titleSize, 'bold');
  for (const [i, line] of titleLines.entries()) ctx.fillText(line, MARGIN, MARGIN + 56 + i * titleLineHeight);
  const below = MARGIN + 56 + (titleLines.length - 1) * titleLineHeight;
  const iterationsRun = report.iterations.length;
  const generations = report.comparison.reduce((sum, r) => sum + (Number.isFinite(r.generations) ? r.generations : 0), 0);
  const cost = report.comparison.reduce((sum, r) => sum + (Number.isFinite(r.costUsd) ? r.costUsd : 0), 0);
  ctx.font = font(18);
  ctx.fillStyle = theme.text;
  ctx.fillText(truncateToWidth(ctx, scoreLine, CONTENT), MARGIN, below + 32);
  const meta = [
    report.provider,
    `${report.preset} preset`,
    `${iterationsRun} iteration${iterationsRun === 1 ? '' : 's'}${report.finishReason ? ` (${report.finishReason})` : ''}`,
    `${generations.toLocaleString('en-US')} images across all methods`,
    formatUsd(cost),
    report.finishedAt ? report.finishedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : null,
  ].filter((part): part is string => Boolean(part));
  ctx.font = font(14);
  ctx.fillStyle = theme.muted;
  ctx.fillText(truncateToWidth(ctx, meta.join('  ·  '), CONTENT), MARGIN, below + (scoreLine ? 58 : 32));

  // Top row: target, prompt space, reward curve.
  const rowTop = MARGIN + headerHeight;
  const targetFrame: Frame = { x: MARGIN, y: rowTop, width: TARGET_WIDTH, height: TOP_ROW_HEIGHT };
  card(ctx, targetFrame);
  sectionTitle(ctx, 'Target image', targetFrame.x + 16, targetFrame.y + 30, TARGET_WIDTH - 32);
  ctx.drawImage(targetTile, targetFrame.x + 16, targetFrame.y + 48, targetSide, targetSide);
  ctx.strokeStyle = theme.panelBorder;
  ctx.strokeRect(targetFrame.x + 16.5, targetFrame.y + 48.5, targetSide - 1, targetSide - 1);

  const spaceFrame: Frame = { x: MARGIN + TARGET_WIDTH + GUTTER, y: rowTop, width: PROMPT_SPACE_WIDTH, height: TOP_ROW_HEIGHT };
  card(ctx, spaceFrame);
  drawPromptSpace(ctx, spaceFrame, report);

  const curveFrame: Frame = { x: spaceFrame.x + PROMPT_SPACE_WIDTH + GUTTER, y: rowTop, width: 0, height: TOP_ROW_HEIGHT };
  curveFrame.width = MARGIN + CONTENT - curveFrame.x;
  card(ctx, curveFrame);
  drawRewardCurve(ctx, { x: curveFrame.x + 10, y: curveFrame.y + 12, width: curveFrame.width - 20, height: curveFrame.height - 22 }, report.iterations, 'Reward per iteration');

  // Best samples.
  sectionTitle(ctx, 'Best generated images', MARGIN, gridTop - 16, CONTENT);
  ctx.font = font(13);
  ctx.fillStyle = theme.muted;
  const titleWidth = (() => {
    ctx.font = font(18, 'bold');
    return ctx.measureText('Best generated images').width;
  })();
  ctx.font = font(13);
  ctx.fillText('the best image of each distinct prompt, scored by reward', MARGIN + titleWidth + 14, gridTop - 16);
  const gridFrame: Frame = { x: MARGIN, y: gridTop, width: CONTENT, height: grid.height };
  card(ctx, gridFrame);
  drawImageGrid(ctx, MARGIN + Math.floor((CONTENT - grid.width) / 2), gridTop, gridImages, tiles, grid, { scoreLabel: 'reward' });

  // Comparison.
  sectionTitle(ctx, `Comparison on ${report.hyperparameters.evaluationImages} evaluation images per prompt`, MARGIN, tableTop - 16, CONTENT);
  card(ctx, { x: MARGIN, y: tableTop, width: CONTENT, height: table.height });
  drawComparisonTable(ctx, MARGIN, tableTop, report.comparison, table);

  // Footer.
  ctx.font = font(13);
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  for (const [i, line] of footerLines.entries()) ctx.fillText(line, MARGIN, footerTop + 14 + i * 20);
  return canvas.encode('png');
}
