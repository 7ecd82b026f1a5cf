/**
 * The generation cache a run uses: memory first, then the database (images
 * any earlier run generated, on any worker). New images are written behind,
 * with the run's next batch, so a cache miss costs one read and no waiting
 * for writes.
 */
import type { GenerationCache } from '../db/repositories/generationCache.js';
import { MemoryGenerationCache } from '../engine/training/generationCache.js';
import type { GeneratedImage } from '../engine/providers/types.js';
import type { DbTimer } from './dbTimer.js';
import type { RunRecorder } from './runRecorder.js';

export class RunGenerationCache implements GenerationCache {
  private readonly memory = new MemoryGenerationCache();

  constructor(
    private readonly stored: GenerationCache,
    private readonly recorder: RunRecorder,
    private readonly timer: DbTimer,
  ) {}

  async get(key: string): Promise<GeneratedImage | undefined> {
    const hit = await this.memory.get(key);
    if (hit) return hit;
    const found = await this.timer.time('cache', () => this.stored.get(key));
    if (found) await this.memory.set(key, found);
    return found;
  }

  async set(key: string, image: GeneratedImage): Promise<void> {
    await this.memory.set(key, image);
    this.recorder.cacheEntry(key, image);
  }
}
