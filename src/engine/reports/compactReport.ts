/**
 * Keeps report files small: only the samples the grid shows, each shrunk to
 * thumbnail size (a real provider's 1024² PNGs would make a 30 MB HTML file).
 */
import sharp from 'sharp';
import { selectGridSamples } from './selectSamples.js';
import { ReportRenderError, type ReportSample, type RunReport } from './types.js';

export interface CompactReportOptions {
  /** Longest side of a sample image, in pixels (default 384: the grids draw cells of at most ~250). */
  maxSide?: number;
  /** Samples kept (default 12, what the grids show). */
  maxSamples?: number;
}

async function shrink(sample: ReportSample, maxSide: number): Promise<ReportSample> {
  try {
    const image = sharp(sample.bytes, { failOn: 'error', limitInputPixels: 100_000_000 });
    const { width = 0, height = 0 } = await image.metadata();
    if (Math.max(width, height) <= maxSide) return sample;
    const bytes = await image.resize({ width: maxSide, height: maxSide, fit: 'inside' }).webp({ quality: 90 }).toBuffer();
    return { ...sample, bytes };
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new ReportRenderError(`Cannot draw the sample for "${sample.prompt.slice(0, 60)}": its bytes are not a readable image (${reason}).`, { cause: error });
  }
}

/** The report with its samples cut to the best `maxSamples` and shrunk to `maxSide`; everything else as is. */
export async function compactReport(report: RunReport, options: CompactReportOptions = {}): Promise<RunReport> {
  const maxSide = options.maxSide ?? 384;
  const samples = selectGridSamples(report.samples, options.maxSamples ?? 12);
  return { ...report, samples: await Promise.all(samples.map((sample) => shrink(sample, maxSide))) };
}
