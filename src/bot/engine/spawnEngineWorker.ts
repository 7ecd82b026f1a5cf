/**
 * Starts one engine thread from the worker file next to this module, whether
 * the bot runs compiled (`dist/…/engineWorker.js`) or from TypeScript sources
 * (vitest, tsx: `src/…/engineWorker.ts`).
 *
 * From sources the thread must load TypeScript. Node 20 does not apply a
 * worker's `execArgv: ['--import', 'tsx']` to the worker's own entry module
 * (measured on 20.20: "Unknown file extension .ts"), so the thread starts from
 * a two-line bootstrap that registers tsx's loader, then imports the entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER_BASENAME = 'engineWorker';

/** `file:` URL of tsx's ESM loader API (`tsx/esm/api`, import condition), resolved from this module. */
function tsxLoaderApiUrl(from: string): string {
  const require = createRequire(from);
  const packageJsonPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const entry = manifest.exports?.['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error('tsx does not export tsx/esm/api; engine threads cannot load TypeScript sources.');
  return pathToFileURL(join(dirname(packageJsonPath), entry)).href;
}

export interface SpawnOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The module the worker file sits next to (default: this one). */
  readonly from?: string;
}

export function spawnEngineWorker(options: SpawnOptions): Worker {
  const from = options.from ?? import.meta.url;
  const fromSources = new URL(from).pathname.endsWith('.ts');
  const entry = new URL(`./${WORKER_BASENAME}.${fromSources ? 'ts' : 'js'}`, from);
  // Unset variables stay unset (a Worker would turn `undefined` into the string "undefined").
  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (!fromSources) return new Worker(entry, { env, name: 'imageprompt-engine' });
  const loader = tsxLoaderApiUrl(from);
  const bootstrap = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, env, name: 'imageprompt-engine' });
}
