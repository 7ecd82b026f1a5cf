/**
 * Writes report.html, report.png and result.json all-or-nothing: everything
 * is rendered into a temporary sibling directory first and only then moved
 * into place, so a failure leaves the output directory as it was.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { compactReport } from './compactReport.js';
import { renderReportHtml } from './reportHtml.js';
import { renderReportPng } from './reportPng.js';
import type { RunReport } from './types.js';

export const REPORT_FILE_NAMES = ['report.html', 'report.png', 'result.json'] as const;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves `from` to `to`; false if `to` appeared meanwhile (then the caller moves file by file). */
async function renameDirectory(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') {
      await mkdir(to, { recursive: true });
      return false;
    }
    throw error;
  }
}

/**
 * Renders and writes the three report files into `outDir` (created if needed);
 * returns their absolute paths. Sample images go in as thumbnails (see compactReport).
 */
export async function writeReportFiles(outDir: string, report: RunReport, resultJson: unknown): Promise<{ files: string[] }> {
  const target = resolve(outDir);
  const files = REPORT_FILE_NAMES.map((name) => join(target, name));
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // A sibling, not os.tmpdir(): same filesystem, so rename() is atomic and never copies.
  // mkdir (not mkdtemp, which makes it 0700) so a directory renamed into place gets the usual permissions.
  const staging = join(parent, `.${basename(target)}.partial-${randomUUID()}`);
  await mkdir(staging);
  try {
    const json = JSON.stringify(resultJson, null, 2);
    if (json === undefined) throw new TypeError('writeReportFiles: resultJson is not JSON-serialisable (got undefined or a function).');
    const compact = await compactReport(report);
    const html = renderReportHtml(compact);
    const png = await renderReportPng(compact);
    await Promise.all([
      writeFile(join(staging, 'report.html'), html),
      writeFile(join(staging, 'report.png'), png),
      writeFile(join(staging, 'result.json'), `${json}\n`),
    ]);
    // Fresh directory: one rename publishes all three files at once. Existing one: each file is replaced atomically.
    if (!(await exists(target)) && (await renameDirectory(staging, target))) return { files };
    for (const name of REPORT_FILE_NAMES) await rename(join(staging, name), join(target, name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { files };
}
