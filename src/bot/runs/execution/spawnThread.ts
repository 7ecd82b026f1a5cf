/**
 * Starts one of the bot's threads (`runThreadEntry`, `databaseThreadEntry`)
 * from the entry module next to this one, whether the bot runs compiled
 * (`.js`) or from TypeScript sources (vitest, tsx). From sources, Node 20 does
 * not apply a worker's `--import tsx` to its entry module, so the thread
 * starts from a bootstrap that registers tsx's loader first (the same
 * approach as the bot's engine threads).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';

export type ThreadEntry = 'runThreadEntry' | 'databaseThreadEntry';

function tsxLoaderApiUrl(from: string): string {
  const require = createRequire(from);
  const packageJsonPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const entry = manifest.exports?.['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error('tsx does not export tsx/esm/api; the bot’s threads cannot load TypeScript sources.');
  return pathToFileURL(join(dirname(packageJsonPath), entry)).href;
}

export interface SpawnThreadOptions {
  readonly workerData: unknown;
  /** Moved into the thread with `workerData` (e.g. a `MessagePort` inside it). */
  readonly transferList?: readonly Transferable[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly name: string;
}

export function spawnThread(entryName: ThreadEntry, options: SpawnThreadOptions): Worker {
  const from = import.meta.url;
  const fromSources = new URL(from).pathname.endsWith('.ts');
  const entry = new URL(`./${entryName}.${fromSources ? 'ts' : 'js'}`, from);
  const workerOptions = { workerData: options.workerData, transferList: [...(options.transferList ?? [])], env: { ...options.env }, name: options.name };
  if (!fromSources) return new Worker(entry, workerOptions);
  const bootstrap = `import(${JSON.stringify(tsxLoaderApiUrl(from))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...workerOptions, eval: true });
}
