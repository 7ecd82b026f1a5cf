/**
 * The generation cache: images keyed by (generator, model, prompt, seed, size).
 * Shared across episodes within a run and, on disk, across runs, so a prompt
 * the policy samples twice is paid for once.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedImage } from '../providers/types.js';

export interface GenerationKeyParts {
  generator: string;
  model: string;
  prompt: string;
  seed: number;
  width: number;
  height: number;
}

/** sha256 (hex) of the key parts: stable, filesystem-safe, and the same in every store. */
export function generationKey(parts: GenerationKeyParts): string {
  const canonical = JSON.stringify([parts.generator, parts.model, parts.prompt, parts.seed, parts.width, parts.height]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface GenerationCache {
  get(key: string): Promise<GeneratedImage | undefined>;
  set(key: string, image: GeneratedImage): Promise<void>;
}

export class MemoryGenerationCache implements GenerationCache {
  private readonly images = new Map<string, GeneratedImage>();

  async get(key: string): Promise<GeneratedImage | undefined> {
    return this.images.get(key);
  }

  async set(key: string, image: GeneratedImage): Promise<void> {
    this.images.set(key, image);
  }

  get size(): number {
    return this.images.size;
  }
}

/** One file per image (`<key>.img`) plus its metadata (`<key>.json`), in two-level shards. */
export class DiskGenerationCache implements GenerationCache {
  constructor(readonly directory: string) {}

  private paths(key: string): { dir: string; image: string; meta: string } {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a generation key: ${key}`);
    const dir = path.join(this.directory, key.slice(0, 2));
    return { dir, image: path.join(dir, `${key}.img`), meta: path.join(dir, `${key}.json`) };
  }

  async get(key: string): Promise<GeneratedImage | undefined> {
    const p = this.paths(key);
    try {
      const meta = JSON.parse(await readFile(p.meta, 'utf8')) as { modelId: string; costUsd: number };
      const bytes = await readFile(p.image);
      return { bytes: new Uint8Array(bytes), modelId: meta.modelId, costUsd: meta.costUsd };
    } catch {
      return undefined; // missing or half-written entries are simply misses
    }
  }

  async set(key: string, image: GeneratedImage): Promise<void> {
    const p = this.paths(key);
    await mkdir(p.dir, { recursive: true });
    const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    // Image first, metadata last: a reader that finds the metadata finds the image.
    await writeFile(p.image + suffix, image.bytes);
    await rename(p.image + suffix, p.image);
    await writeFile(p.meta + suffix, JSON.stringify({ modelId: image.modelId, costUsd: image.costUsd }));
    await rename(p.meta + suffix, p.meta);
  }
}

/** Memory in front of a slower store (disk or database). */
export class LayeredGenerationCache implements GenerationCache {
  private readonly memory = new MemoryGenerationCache();

  constructor(private readonly backing: GenerationCache) {}

  async get(key: string): Promise<GeneratedImage | undefined> {
    const hit = await this.memory.get(key);
    if (hit) return hit;
    const stored = await this.backing.get(key);
    if (stored) await this.memory.set(key, stored);
    return stored;
  }

  async set(key: string, image: GeneratedImage): Promise<void> {
    await this.memory.set(key, image);
    await this.backing.set(key, image);
  }
}
