import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compactReport, REPORT_WIDTH, ReportRenderError, renderReportHtml, renderReportPng, selectGridSamples } from '../../../src/engine/reports/index.js';
import { sampleList, sampleReport, shapePng } from './fixtures.js';

const HOSTILE = '<script>alert("x")</script>';

describe('renderReportPng', () => {
  it('composes one PNG, REPORT_WIDTH wide, tall enough for header, images, grid and table', async () => {
    const png = await renderReportPng(sampleReport());
    const metadata = await sharp(png).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: REPORT_WIDTH });
    expect(metadata.height).toBeGreaterThan(1400);
    expect(metadata.height).toBeLessThan(2200);
  });

  it('still renders a run with one iteration, no samples and no comparison', async () => {
    const report = sampleReport({ iterations: sampleReport().iterations.slice(0, 1), samples: [], comparison: [] });
    expect((await sharp(await renderReportPng(report)).metadata()).width).toBe(REPORT_WIDTH);
  });

  it('fails with a ReportRenderError when an image is not one', async () => {
    const samples = [...sampleList(), { bytes: new TextEncoder().encode('nope'), prompt: 'broken', reward: 0.99, similarity: 0.99, iteration: 1 }];
    await expect(renderReportPng(sampleReport({ samples }))).rejects.toThrow(ReportRenderError);
    await expect(renderReportPng(sampleReport({ targetImage: new Uint8Array(10) }))).rejects.toThrow(/the target image/);
  });
});

describe('selectGridSamples', () => {
  it('takes the best image of each distinct prompt first, best first', () => {
    const picked = selectGridSamples(sampleList(), 12);
    expect(picked).toHaveLength(12);
    const prompts = picked.map((s) => s.prompt);
    // "red sphere" has two samples (0.912, 0.905); only the better one is in while distinct prompts remain.
    expect(prompts.filter((p) => p === 'red sphere')).toHaveLength(1);
    expect(picked[0]?.reward).toBe(0.912);
    for (let i = 1; i < picked.length; i++) expect((picked[i] as { reward: number }).reward).toBeLessThanOrEqual((picked[i - 1] as { reward: number }).reward);
    // With room for everything, repeats come back.
    expect(selectGridSamples(sampleList(), 100)).toHaveLength(sampleList().length);
  });
});

describe('renderReportHtml', () => {
  const hostileReport = () =>
    sampleReport({
      learnedPrompt: `red ${HOSTILE} sphere`,
      provider: `shapes ${HOSTILE}`,
      samples: sampleList().map((s, i) => (i === 0 ? { ...s, prompt: `red ${HOSTILE} sphere` } : s)),
      comparison: [{ method: `Mine ${HOSTILE}`, prompt: `red ${HOSTILE} sphere`, mean: 0.9, sd: 0.01, generations: 10, costUsd: 0, note: `<img src=x onerror=alert(1)>` }],
      promptSpace: { words: ['red', HOSTILE, 'sphere'], probabilities: [0.4, 0.2, 0.4] },
    });

  it('escapes user text everywhere: no script or injected tag survives', () => {
    const html = renderReportHtml(hostileReport());
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain(`<h1>Learned prompt: “red &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; sphere”</h1>`);
  });

  it('contains the learned prompt, the hyperparameters, and one data: URI per image', () => {
    const report = sampleReport();
    const html = renderReportHtml(report);
    expect(html).toContain('Learned prompt: “red sphere”');
    expect(html).toContain('<code>learningRate</code>');
    expect(html).toContain('early stop at iteration 11');
    const uris = [...html.matchAll(/src="(data:image\/[a-z]+;base64,[A-Za-z0-9+/=]+)"/g)].map((m) => m[1] as string);
    const gridSamples = selectGridSamples(report.samples, 12);
    // Target + reward curve + one per grid sample.
    expect(uris).toHaveLength(1 + 1 + gridSamples.length);
    const decoded = uris.map((uri) => Buffer.from(uri.split(',')[1] as string, 'base64'));
    expect(decoded[0]?.equals(Buffer.from(report.targetImage))).toBe(true);
    for (const sample of gridSamples) expect(decoded.some((bytes) => bytes.equals(Buffer.from(sample.bytes)))).toBe(true);
  });

  it('loads nothing from outside the file', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).not.toMatch(/\b(src|href)="(?!data:)/);
    expect(html).not.toMatch(/url\(/);
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
  });

  it('labels JPEG and WebP samples with their own type', async () => {
    const jpeg = await sharp(shapePng('ball', 'blue', 64)).jpeg().toBuffer();
    const webp = await sharp(shapePng('egg', 'green', 64)).webp().toBuffer();
    const html = renderReportHtml(
      sampleReport({
        samples: [
          { bytes: jpeg, prompt: 'blue ball', reward: 0.5, similarity: 0.5, iteration: 0 },
          { bytes: webp, prompt: 'green egg', reward: 0.4, similarity: 0.4, iteration: 0 },
        ],
      }),
    );
    expect(html).toContain('src="data:image/jpeg;base64,');
    expect(html).toContain('src="data:image/webp;base64,');
  });

  it('refuses to embed bytes that are not a browser image', () => {
    const samples = [{ bytes: new TextEncoder().encode('plain text'), prompt: 'broken', reward: 1, similarity: 1, iteration: 0 }];
    expect(() => renderReportHtml(sampleReport({ samples }))).toThrow(ReportRenderError);
  });
});

describe('compactReport', () => {
  it('keeps the grid samples only, shrunk to thumbnails, so the HTML stays small', async () => {
    // Noise barely compresses: a 1024² noise PNG is ~3 MB, like a real provider's photo.
    const noise = Buffer.alloc(1024 * 1024 * 3);
    for (let i = 0, x = 7; i < noise.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      noise[i] = x >>> 24;
    }
    const big = await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } }).png().toBuffer();
    const samples = [...sampleList(), ...[0.95, 0.94].map((reward, i) => ({ bytes: big, prompt: `big ${i}`, reward, similarity: reward, iteration: 5 }))];
    const compact = await compactReport(sampleReport({ samples }), { maxSide: 256 });
    expect(compact.samples).toHaveLength(12);
    for (const sample of compact.samples) {
      const { width = 0, height = 0 } = await sharp(sample.bytes).metadata();
      expect(Math.max(width, height)).toBeLessThanOrEqual(256);
    }
    expect(big.length).toBeGreaterThan(2_500_000);
    expect(renderReportHtml(compact).length).toBeLessThan(1_000_000);
  });
});
