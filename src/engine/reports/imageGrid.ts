/**
 * A grid of images with a caption under each: the prompt (wrapped to two
 * lines, then cut with "…") and its score. The report shows the best samples
 * with it; the Discord bot posts 2×2 grids of players' images with it.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { decodeTile } from './decode.js';
import { font } from './fonts.js';
import { truncateToWidth, wrapToWidth } from './text.js';
import { formatScore, theme } from './theme.js';

export interface GridImage {
  /** Encoded image bytes (any format sharp decodes). */
  bytes: Uint8Array;
  prompt: string;
  /** Shown under the prompt; omitted or null: no score line. */
  score?: number | null;
  /** A short note after the score, e.g. "iteration 7" or a player's name. */
  detail?: string;
}

export interface ImageGridOptions {
  /** Images per row (default: up to 4, fewer when there are fewer images). */
  columns?: number;
  /** Side of each square image cell, in pixels (default 256). */
  cell?: number;
  /** Word before the score, e.g. "similarity" (default "score"). */
  scoreLabel?: string;
  /** Outline the highest-scoring image (default true when two or more have scores). */
  highlightBest?: boolean;
}

export interface ImageGridLayout {
  columns: number;
  rows: number;
  cell: number;
  gap: number;
  captionHeight: number;
  promptFontSize: number;
  width: number;
  height: number;
}

/** Where everything goes; exported so callers (and tests) know the picture's size in advance. */
export function imageGridLayout(count: number, options: ImageGridOptions = {}): ImageGridLayout {
  const cell = Math.round(options.cell ?? 256);
  if (!(cell >= 32 && cell <= 2048)) throw new RangeError(`Grid cells must be 32 to 2048 pixels (got ${cell}).`);
  const columns = Math.round(options.columns ?? Math.min(4, Math.max(1, count)));
  if (!(columns >= 1 && columns <= 64)) throw new RangeError(`Grid columns must be 1 to 64 (got ${columns}).`);
  const rows = Math.max(1, Math.ceil(count / columns));
  const gap = Math.round(Math.min(16, Math.max(8, cell * 0.05)));
  const promptFontSize = Math.round(Math.min(17, Math.max(11, cell * 0.065)));
  // Up to two prompt lines and a score line right under the last of them.
  const captionHeight = Math.round(promptFontSize * 1.3 * 2 + promptFontSize * 1.3 + 10);
  return {
    columns,
    rows,
    cell,
    gap,
    captionHeight,
    promptFontSize,
    width: columns * cell + (columns + 1) * gap,
    height: rows * (cell + captionHeight) + (rows + 1) * gap,
  };
}

/** Decodes every image into a cell-sized tile; fails naming the image that does not decode. */
export async function decodeGridTiles(images: readonly GridImage[], cell: number): Promise<Canvas[]> {
  return Promise.all(images.map((image, i) => decodeTile(image.bytes, cell, cell, `image ${i + 1} of the grid ("${image.prompt.slice(0, 60)}")`)));
}

function bestIndex(images: readonly GridImage[]): number {
  let best = -1;
  images.forEach((image, i) => {
    const score = image.score;
    if (typeof score === 'number' && Number.isFinite(score) && (best < 0 || score > (images[best]?.score ?? -Infinity))) best = i;
  });
  return best;
}

/** Draws an already-decoded grid at (x, y) of an existing canvas. */
export function drawImageGrid(
  ctx: SKRSContext2D,
  x: number,
  y: number,
  images: readonly GridImage[],
  tiles: readonly Canvas[],
  layout: ImageGridLayout,
  options: ImageGridOptions = {},
): void {
  const { cell, gap, promptFontSize } = layout;
  const scored = images.filter((image) => typeof image.score === 'number' && Number.isFinite(image.score)).length;
  const best = (options.highlightBest ?? scored >= 2) ? bestIndex(images) : -1;
  const lineHeight = Math.round(promptFontSize * 1.3);
  ctx.save();
  if (images.length === 0) {
    ctx.fillStyle = theme.muted;
    ctx.font = font(promptFontSize);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('no images', x + layout.width / 2, y + layout.height / 2);
  }
  images.forEach((image, i) => {
    const left = x + gap + (i % layout.columns) * (cell + gap);
    const top = y + gap + Math.floor(i / layout.columns) * (cell + layout.captionHeight + gap);
    const tile = tiles[i];
    if (tile) ctx.drawImage(tile, left, top, cell, cell);
    ctx.strokeStyle = i === best ? theme.highlightBorder : theme.panelBorder;
    ctx.lineWidth = i === best ? 4 : 1;
    const inset = i === best ? 2 : 0.5;
    ctx.strokeRect(left - inset, top - inset, cell + inset * 2, cell + inset * 2);
    if (i === best) {
      ctx.font = font(Math.max(11, promptFontSize - 2), 'bold');
      const badge = 'BEST';
      const badgeWidth = ctx.measureText(badge).width + 12;
      ctx.fillStyle = theme.highlightBorder;
      ctx.fillRect(left, top, badgeWidth, lineHeight + 4);
      ctx.fillStyle = '#ffffff';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(badge, left + 6, top + (lineHeight + 4) / 2);
    }

    // Caption: prompt on up to two lines, then the score.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = theme.text;
    ctx.font = font(promptFontSize);
    const lines = wrapToWidth(ctx, image.prompt, cell, 2);
    for (const [n, line] of lines.entries()) ctx.fillText(line, left, top + cell + 6 + n * lineHeight);
    const scoreY = top + cell + 6 + Math.max(1, lines.length) * lineHeight + 2;
    let cursor = left;
    if (typeof image.score === 'number') {
      const label = `${options.scoreLabel ?? 'score'} `;
      ctx.font = font(promptFontSize - 1);
      ctx.fillStyle = theme.muted;
      ctx.fillText(label, cursor, scoreY);
      cursor += ctx.measureText(label).width;
      ctx.font = font(promptFontSize - 1, 'bold');
      ctx.fillStyle = i === best ? '#b45309' : theme.text;
      const value = formatScore(image.score);
      ctx.fillText(value, cursor, scoreY);
      cursor += ctx.measureText(value).width;
    }
    if (image.detail) {
      ctx.font = font(promptFontSize - 1);
      ctx.fillStyle = theme.muted;
      const detail = `${cursor > left ? ' · ' : ''}${image.detail}`;
      const room = left + cell - cursor;
      if (room > 20) ctx.fillText(truncateToWidth(ctx, detail, room), cursor, scoreY);
    }
  });
  ctx.restore();
}

/** The grid as PNG bytes, `imageGridLayout(images.length, options)` in size. */
export async function renderImageGrid(images: readonly GridImage[], options: ImageGridOptions = {}): Promise<Uint8Array> {
  const layout = imageGridLayout(images.length, options);
  const tiles = await decodeGridTiles(images, layout.cell);
  const canvas = createCanvas(layout.width, layout.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, layout.width, layout.height);
  drawImageGrid(ctx, 0, 0, images, tiles, layout, options);
  return canvas.encode('png');
}
