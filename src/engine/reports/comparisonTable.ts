/** The comparison of methods as a picture: one row per method, the best mean highlighted. */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { font } from './fonts.js';
import { truncateToWidth } from './text.js';
import { formatScore, formatUsd, theme } from './theme.js';
import type { ComparisonRow } from './types.js';

export interface ComparisonTableOptions {
  /** Exact picture width; prompt and note columns stretch or shrink (with "…") to fit. Default: natural width. */
  width?: number;
}

interface Column {
  title: string;
  align: 'left' | 'right';
  /** Whether it gives up (or takes) width when the table must fit a given width. */
  flexible: boolean;
  cell: (row: ComparisonRow) => string;
  width: number;
}

export interface ComparisonTableLayout {
  columns: Column[];
  headerHeight: number;
  rowHeight: number;
  width: number;
  height: number;
  best: Set<number>;
}

const PAD = 14;
const FONT_SIZE = 14;
const BADGE = 'BEST';

/** Indices of the rows with the highest finite mean (several when methods tie, e.g. exhaustive search finding the same prompt). */
export function bestRowIndices(rows: readonly ComparisonRow[]): Set<number> {
  const means = rows.map((row) => row.mean).filter(Number.isFinite);
  if (means.length === 0) return new Set();
  const top = Math.max(...means);
  return new Set(rows.flatMap((row, i) => (row.mean === top ? [i] : [])));
}

function badgeWidth(ctx: SKRSContext2D): number {
  ctx.font = font(FONT_SIZE - 3, 'bold');
  return ctx.measureText(BADGE).width + 12 + 8;
}

export function comparisonTableLayout(ctx: SKRSContext2D, rows: readonly ComparisonRow[], options: ComparisonTableOptions = {}): ComparisonTableLayout {
  const best = bestRowIndices(rows);
  const columns: Column[] = [
    { title: 'Method', align: 'left', flexible: false, cell: (r) => r.method, width: 0 },
    { title: 'Prompt', align: 'left', flexible: true, cell: (r) => `“${r.prompt}”`, width: 0 },
    { title: 'Similarity (mean ± sd)', align: 'right', flexible: false, cell: (r) => `${formatScore(r.mean)} ± ${formatScore(r.sd)}`, width: 0 },
    { title: 'Images', align: 'right', flexible: false, cell: (r) => (Number.isFinite(r.generations) ? r.generations.toLocaleString('en-US') : '–'), width: 0 },
    { title: 'Cost', align: 'right', flexible: false, cell: (r) => formatUsd(r.costUsd), width: 0 },
  ];
  if (rows.some((r) => r.note)) columns.push({ title: 'Note', align: 'left', flexible: true, cell: (r) => r.note ?? '', width: 0 });

  for (const column of columns) {
    ctx.font = font(FONT_SIZE - 1, 'bold');
    let width = ctx.measureText(column.title).width;
    rows.forEach((row, i) => {
      ctx.font = font(FONT_SIZE, best.has(i) ? 'bold' : 'normal');
      let cellWidth = ctx.measureText(column.cell(row)).width;
      if (column.title === 'Method' && best.has(i)) cellWidth += badgeWidth(ctx);
      width = Math.max(width, cellWidth);
    });
    // Long prompts and notes start capped; they only get more room when a width asks for it.
    column.width = Math.ceil(Math.min(width, column.flexible ? 460 : 400)) + PAD * 2;
  }
  const natural = columns.reduce((sum, c) => sum + c.width, 0);
  const target = options.width ?? natural;
  const flexible = columns.filter((c) => c.flexible);
  const flexibleTotal = flexible.reduce((sum, c) => sum + c.width, 0);
  const fixedTotal = natural - flexibleTotal;
  if (target !== natural && flexible.length) {
    const room = Math.max(target - fixedTotal, flexible.length * 80);
    for (const column of flexible) column.width = Math.floor((column.width / flexibleTotal) * room);
    const slack = target - columns.reduce((sum, c) => sum + c.width, 0);
    (flexible[0] as Column).width += Math.max(0, slack);
  }
  const width = Math.max(target, columns.reduce((sum, c) => sum + c.width, 0));
  const headerHeight = 38;
  const rowHeight = 36;
  return { columns, headerHeight, rowHeight, width, height: headerHeight + Math.max(1, rows.length) * rowHeight + 2, best };
}

export function drawComparisonTable(ctx: SKRSContext2D, x: number, y: number, rows: readonly ComparisonRow[], layout: ComparisonTableLayout): void {
  ctx.save();
  ctx.fillStyle = theme.panel;
  ctx.fillRect(x, y, layout.width, layout.headerHeight);
  ctx.textBaseline = 'middle';

  let left = x;
  ctx.font = font(FONT_SIZE - 1, 'bold');
  for (const column of layout.columns) {
    ctx.fillStyle = theme.muted;
    ctx.textAlign = column.align;
    const text = truncateToWidth(ctx, column.title, column.width - PAD * 2);
    ctx.fillText(text, column.align === 'left' ? left + PAD : left + column.width - PAD, y + layout.headerHeight / 2);
    left += column.width;
  }
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x, y + layout.headerHeight - 0.5);
  ctx.lineTo(x + layout.width, y + layout.headerHeight - 0.5);
  ctx.stroke();

  if (rows.length === 0) {
    ctx.fillStyle = theme.muted;
    ctx.font = font(FONT_SIZE);
    ctx.textAlign = 'left';
    ctx.fillText('No methods were compared.', x + PAD, y + layout.headerHeight + layout.rowHeight / 2);
  }
  rows.forEach((row, i) => {
    const top = y + layout.headerHeight + i * layout.rowHeight;
    const isBest = layout.best.has(i);
    if (isBest) {
      ctx.fillStyle = theme.highlight;
      ctx.fillRect(x, top, layout.width, layout.rowHeight);
      ctx.fillStyle = theme.highlightBorder;
      ctx.fillRect(x, top, 4, layout.rowHeight);
    }
    let cellLeft = x;
    for (const column of layout.columns) {
      const reserve = column.title === 'Method' && isBest ? badgeWidth(ctx) : 0;
      ctx.font = font(FONT_SIZE, isBest ? 'bold' : 'normal');
      ctx.fillStyle = column.title === 'Note' ? theme.muted : theme.text;
      ctx.textAlign = column.align;
      const text = truncateToWidth(ctx, column.cell(row), column.width - PAD * 2 - reserve);
      const textX = column.align === 'left' ? cellLeft + PAD : cellLeft + column.width - PAD;
      ctx.fillText(text, textX, top + layout.rowHeight / 2);
      if (reserve) {
        const badgeX = textX + ctx.measureText(text).width + 8;
        ctx.font = font(FONT_SIZE - 3, 'bold');
        const w = ctx.measureText(BADGE).width + 12;
        ctx.fillStyle = theme.highlightBorder;
        ctx.beginPath();
        ctx.roundRect(badgeX, top + layout.rowHeight / 2 - 9, w, 18, 9);
        ctx.fill();
        ctx.fillStyle = '#ffffff';
        ctx.textAlign = 'center';
        ctx.fillText(BADGE, badgeX + w / 2, top + layout.rowHeight / 2 + 0.5);
      }
      cellLeft += column.width;
    }
    ctx.strokeStyle = theme.gridLine;
    ctx.beginPath();
    ctx.moveTo(x, top + layout.rowHeight - 0.5);
    ctx.lineTo(x + layout.width, top + layout.rowHeight - 0.5);
    ctx.stroke();
  });
  ctx.restore();
}

/** The comparison table as PNG bytes; the row with the highest mean (every row, on a tie) is highlighted. */
export async function renderComparisonTable(rows: readonly ComparisonRow[], options: ComparisonTableOptions = {}): Promise<Uint8Array> {
  const scratch = createCanvas(10, 10).getContext('2d');
  const layout = comparisonTableLayout(scratch, rows, options);
  const margin = 12;
  const canvas = createCanvas(Math.ceil(layout.width) + margin * 2, Math.ceil(layout.height) + margin * 2);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawComparisonTable(ctx, margin, margin, rows, layout);
  return canvas.encode('png');
}
