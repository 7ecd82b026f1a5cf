import { createCanvas } from '@napi-rs/canvas';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  type ComparisonRow,
  type GridImage,
  type IterationStats,
  imageGridLayout,
  ReportRenderError,
  renderComparisonTable,
  renderImageGrid,
  renderRewardCurve,
  reportFont,
} from '../../../src/engine/reports/index.js';
import { font } from '../../../src/engine/reports/fonts.js';
import { truncateToWidth, wrapToWidth } from '../../../src/engine/reports/text.js';
import { theme } from '../../../src/engine/reports/theme.js';
import { comparisonRows, risingStats } from './fixtures.js';
import { decodeRaw, meanY, pixel, pixelsOfColour } from './pixels.js';

function stats(values: number[], extra: Partial<IterationStats> = {}): IterationStats[] {
  return values.map((value, iteration) => ({
    iteration,
    meanReturn: value - 0.05,
    meanFinalReward: value - 0.05,
    greedyPrompt: 'red sphere',
    greedyReward: value,
    ...extra,
  }));
}

async function solidPng(hex: string, size = 64): Promise<Uint8Array> {
  return sharp({ create: { width: size, height: size, channels: 3, background: hex } }).png().toBuffer();
}

/** Below the title and legend band, where only the plot is. */
const PLOT_BAND = { left: 0, top: 70, right: 800, bottom: 420 };

describe('renderRewardCurve', () => {
  it('is a PNG of the asked size (default 800×420)', async () => {
    expect(await sharp(await renderRewardCurve(risingStats(20))).metadata()).toMatchObject({ format: 'png', width: 800, height: 420 });
    expect(await sharp(await renderRewardCurve(risingStats(5), { width: 640, height: 300, title: null })).metadata()).toMatchObject({ width: 640, height: 300 });
  });

  it('puts ink where the data goes: a rising curve climbs to the right, a falling one drops', async () => {
    const up = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
    const rising = await decodeRaw(await renderRewardCurve(stats(up)));
    const falling = await decodeRaw(await renderRewardCurve(stats([...up].reverse())));
    const green = theme.series.greedyReward;
    const half = { ...PLOT_BAND, right: 400 };
    const otherHalf = { ...PLOT_BAND, left: 400 };
    const risingLeft = meanY(pixelsOfColour(rising, green, 30, half));
    const risingRight = meanY(pixelsOfColour(rising, green, 30, otherHalf));
    const fallingLeft = meanY(pixelsOfColour(falling, green, 30, half));
    const fallingRight = meanY(pixelsOfColour(falling, green, 30, otherHalf));
    // Image y grows downwards: rising means the right half's ink sits higher (smaller y).
    expect(risingRight).toBeLessThan(risingLeft - 100);
    expect(fallingRight).toBeGreaterThan(fallingLeft + 100);
  });

  it('draws a single iteration as a visible point', async () => {
    const image = await decodeRaw(await renderRewardCurve(stats([0.8])));
    expect(pixelsOfColour(image, theme.series.greedyReward, 30, PLOT_BAND).length).toBeGreaterThan(20);
    expect(pixelsOfColour(image, theme.series.meanFinalReward, 30, PLOT_BAND).length).toBeGreaterThan(20);
  });

  it('skips NaN and null values instead of failing, and survives all-NaN data', async () => {
    const gappy = stats([0.6, 0.7, 0.8, 0.85, 0.9]).map((s, i) => ({
      ...s,
      meanFinalReward: i === 2 ? Number.NaN : s.meanFinalReward,
      meanReturn: i === 2 ? Number.NaN : s.meanReturn,
      greedyReward: i === 1 ? null : s.greedyReward,
    }));
    const image = await decodeRaw(await renderRewardCurve(gappy));
    expect(pixelsOfColour(image, theme.series.meanFinalReward, 30, PLOT_BAND).length).toBeGreaterThan(50);
    const empty = stats([Number.NaN, Number.NaN], { greedyReward: null });
    expect(await sharp(await renderRewardCurve(empty)).metadata()).toMatchObject({ width: 800, height: 420 });
    expect(await sharp(await renderRewardCurve([])).metadata()).toMatchObject({ width: 800, height: 420 });
  });

  it('gives summed returns their own axis so the reward lines are not flattened', async () => {
    // Paper preset: two rewarded steps, so returns are about twice the rewards.
    const paper = risingStats(20).map((s) => ({ ...s, meanReturn: s.meanFinalReward * 2, greedyReward: null }));
    const image = await decodeRaw(await renderRewardCurve(paper));
    const orange = pixelsOfColour(image, theme.series.meanFinalReward, 30, PLOT_BAND);
    const ys = orange.map((p) => p.y);
    // The plot is ~300 px tall; on a shared 0.6–1.7 axis the rewards would span under 70 px.
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(180);
    expect(pixelsOfColour(image, theme.series.meanReturn, 30, PLOT_BAND).length).toBeGreaterThan(100);
  });
});

describe('renderImageGrid', () => {
  const colours = ['#ff0000', '#0000ff', '#00c000', '#ffcc00'];
  const images = async (): Promise<GridImage[]> =>
    Promise.all(colours.map(async (hex, i) => ({ bytes: await solidPng(hex), prompt: `prompt ${i}`, score: [0.7, 0.8, 0.9, 0.6][i] as number })));

  it('lays out a 2×2 grid of the documented size, each image in its cell, the best outlined', async () => {
    const options = { columns: 2, cell: 128 };
    const layout = imageGridLayout(4, options);
    const png = await renderImageGrid(await images(), options);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: layout.width, height: layout.height });
    expect(layout.width).toBe(2 * 128 + 3 * layout.gap);
    const raw = await decodeRaw(png);
    colours.forEach((hex, i) => {
      const left = layout.gap + (i % 2) * (layout.cell + layout.gap);
      const top = layout.gap + Math.floor(i / 2) * (layout.cell + layout.captionHeight + layout.gap);
      const [r, g, b] = pixel(raw, left + layout.cell / 2, top + layout.cell / 2);
      const want = [Number.parseInt(hex.slice(1, 3), 16), Number.parseInt(hex.slice(3, 5), 16), Number.parseInt(hex.slice(5, 7), 16)];
      expect(Math.abs(r - (want[0] as number)) + Math.abs(g - (want[1] as number)) + Math.abs(b - (want[2] as number))).toBeLessThan(30);
      // Image 2 (score 0.9) gets the amber outline just outside its cell; the others a thin grey one.
      const outline = pixel(raw, left - 2, top + layout.cell / 2);
      const amber = pixelsOfColour({ data: Buffer.from(outline), width: 1, height: 1, channels: 3 }, theme.highlightBorder, 25).length === 1;
      expect(amber).toBe(i === 2);
    });
  });

  it('keeps a very long prompt inside its own cell', async () => {
    const long = 'a '.repeat(10) + 'extraordinarily detailed watercolour painting of a red sphere balanced on a tower of teacups at dusk '.repeat(3);
    const options = { columns: 2, cell: 128 };
    const layout = imageGridLayout(2, options);
    const png = await renderImageGrid(
      [
        { bytes: await solidPng('#ff0000'), prompt: long, score: 0.5 },
        { bytes: await solidPng('#0000ff'), prompt: long, score: 0.4 },
      ],
      options,
    );
    const raw = await decodeRaw(png);
    // The gutter between the two captions stays background-white.
    const gutter = { left: layout.gap + layout.cell + 1, right: 2 * layout.gap + layout.cell - 1, top: layout.gap + layout.cell + 4, bottom: layout.height };
    const ink = pixelsOfColour(raw, '#ffffff', 40, gutter).length;
    expect(ink).toBe((gutter.right - gutter.left) * (gutter.bottom - gutter.top));
  });

  it('accepts JPEG and WebP images and renders an empty grid', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const webp = await sharp({ create: { width: 50, height: 80, channels: 3, background: '#993366' } }).webp().toBuffer();
    const png = await renderImageGrid([{ bytes: jpeg, prompt: 'jpeg' }, { bytes: webp, prompt: 'webp', score: null, detail: 'Player 2' }], { cell: 96 });
    expect(await sharp(png).metadata()).toMatchObject({ width: imageGridLayout(2, { cell: 96 }).width });
    expect((await sharp(await renderImageGrid([])).metadata()).format).toBe('png');
  });

  it('refuses bytes that are not an image, naming which one', async () => {
    const bad = [{ bytes: await solidPng('#ff0000'), prompt: 'fine' }, { bytes: new TextEncoder().encode('not an image'), prompt: 'broken one' }];
    await expect(renderImageGrid(bad)).rejects.toThrow(ReportRenderError);
    await expect(renderImageGrid(bad)).rejects.toThrow(/image 2 of the grid \("broken one"\)/);
  });
});

describe('text fitting', () => {
  const ctx = createCanvas(10, 10).getContext('2d');

  it('truncates with an ellipsis to the width, and leaves short text alone', () => {
    ctx.font = font(14);
    const cut = truncateToWidth(ctx, 'a very long prompt about a red sphere on a table', 120);
    expect(cut.endsWith('…')).toBe(true);
    expect(ctx.measureText(cut).width).toBeLessThanOrEqual(120);
    expect(truncateToWidth(ctx, 'red sphere', 500)).toBe('red sphere');
  });

  it('wraps to at most N lines, the last cut with an ellipsis', () => {
    ctx.font = font(14);
    const lines = wrapToWidth(ctx, 'one two three four five six seven eight nine ten eleven twelve', 90, 2);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.endsWith('…')).toBe(true);
    for (const line of lines) expect(ctx.measureText(line).width).toBeLessThanOrEqual(90);
    expect(wrapToWidth(ctx, 'red sphere', 500, 2)).toEqual(['red sphere']);
  });

  it('finds a font that draws on this machine, or says it has none', () => {
    const status = reportFont();
    expect(typeof status.family).toBe('string');
    expect(typeof status.textRenders).toBe('boolean');
  });
});

describe('renderComparisonTable', () => {
  const rows = comparisonRows().slice(0, 4);
  const withBestAt = (index: number): ComparisonRow[] => {
    const others = rows.map((row) => ({ ...row, mean: 0.7 }));
    others[index] = { ...(others[index] as ComparisonRow), mean: 0.95 };
    return others;
  };

  it('is a PNG; an asked width is honoured', async () => {
    expect((await sharp(await renderComparisonTable(rows)).metadata()).format).toBe('png');
    expect(await sharp(await renderComparisonTable(rows, { width: 900 })).metadata()).toMatchObject({ width: 900 + 24 });
  });

  it('highlights the best row, wherever it is', async () => {
    const first = await decodeRaw(await renderComparisonTable(withBestAt(0)));
    const last = await decodeRaw(await renderComparisonTable(withBestAt(3)));
    const firstHighlight = pixelsOfColour(first, theme.highlight, 4);
    const lastHighlight = pixelsOfColour(last, theme.highlight, 4);
    expect(firstHighlight.length).toBeGreaterThan(1000);
    expect(lastHighlight.length).toBeGreaterThan(1000);
    // Four 36-px rows under a 38-px header: the first row's band vs the last row's.
    expect(meanY(firstHighlight)).toBeLessThan(12 + 38 + 36);
    expect(meanY(lastHighlight)).toBeGreaterThan(12 + 38 + 3 * 36);
    const none = await decodeRaw(await renderComparisonTable(rows.map((row) => ({ ...row, mean: Number.NaN }))));
    expect(pixelsOfColour(none, theme.highlight, 4)).toHaveLength(0);
  });
});
