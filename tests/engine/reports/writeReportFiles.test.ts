import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_WIDTH, ReportRenderError, writeReportFiles } from '../../../src/engine/reports/index.js';
import { sampleList, sampleReport } from './fixtures.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imageprompt-reports-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const brokenReport = () =>
  sampleReport({ samples: [...sampleList(), { bytes: new TextEncoder().encode('this is not an image'), prompt: 'broken', reward: 0.99, similarity: 0.99, iteration: 3 }] });

describe('writeReportFiles', () => {
  it('creates the directory and writes report.html, report.png and result.json', async () => {
    const outDir = join(root, 'fresh', 'nested', 'out');
    const result = { prompt: 'red sphere', mean: 0.902 };
    const { files } = await writeReportFiles(outDir, sampleReport(), result);
    expect(files).toEqual(['report.html', 'report.png', 'result.json'].map((name) => join(outDir, name)));
    expect((await readdir(outDir)).sort()).toEqual(['report.html', 'report.png', 'result.json']);
    expect(JSON.parse(await readFile(join(outDir, 'result.json'), 'utf8'))).toEqual(result);
    expect((await sharp(join(outDir, 'report.png')).metadata()).width).toBe(REPORT_WIDTH);
    expect((await readFile(join(outDir, 'report.html'), 'utf8')).startsWith('<!doctype html>')).toBe(true);
    // The staging directory is gone, and the published one is not private (mkdtemp's 0700).
    expect(await readdir(join(root, 'fresh', 'nested'))).toEqual(['out']);
    expect((await stat(outDir)).mode & 0o055).not.toBe(0);
  });

  it('replaces an earlier report in an existing directory, leaving other files alone', async () => {
    const outDir = join(root, 'existing');
    await mkdir(outDir);
    await writeFile(join(outDir, 'report.html'), 'old');
    await writeFile(join(outDir, 'notes.txt'), 'keep me');
    await writeReportFiles(outDir, sampleReport(), { run: 2 });
    expect((await readdir(outDir)).sort()).toEqual(['notes.txt', 'report.html', 'report.png', 'result.json']);
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).not.toBe('old');
    expect(await readFile(join(outDir, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('writes nothing when rendering fails: no outDir, no leftovers', async () => {
    const parent = join(root, 'failing');
    const outDir = join(parent, 'out');
    await expect(writeReportFiles(outDir, brokenReport(), { ok: false })).rejects.toThrow(ReportRenderError);
    await expect(stat(outDir)).rejects.toThrow(/ENOENT/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('writes nothing when only the last renderer fails (a truncated PNG target passes the HTML step)', async () => {
    const real = sampleReport().targetImage;
    const report = sampleReport({ targetImage: real.subarray(0, real.length >> 1) });
    const outDir = join(root, 'late', 'out');
    await expect(writeReportFiles(outDir, report, {})).rejects.toThrow(/the target image/);
    await expect(stat(outDir)).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(root, 'late'))).toEqual([]);
  });

  it('leaves an existing report untouched when rendering fails', async () => {
    const outDir = join(root, 'keep');
    await mkdir(outDir);
    await writeFile(join(outDir, 'report.html'), 'previous report');
    await expect(writeReportFiles(outDir, brokenReport(), {})).rejects.toThrow(ReportRenderError);
    expect(await readdir(outDir)).toEqual(['report.html']);
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).toBe('previous report');
    expect((await readdir(root)).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('writes nothing when the result is not JSON-serialisable', async () => {
    const outDir = join(root, 'bigint');
    await expect(writeReportFiles(outDir, sampleReport(), { n: 1n })).rejects.toThrow(/BigInt/);
    await expect(stat(outDir)).rejects.toThrow(/ENOENT/);
  });
});
