/**
 * The generation cache a run uses: memory first, then the database (images
 * any earlier run generated, on any worker). Lookups made together (the K
 * evaluation images of a prompt, the images of concurrent episodes) go to the
 * database as one query. New images are written behind, with the run's next
 * batch, so a miss costs one read and no waiting for writes.
 */
import type { BlobStore } from '../db/blobStore.js';
import type { Database } from '../db/client.js';
import { getCachedGenerations } from '../db/repositories/generationCache.js';
import { MemoryGenerationCache } from '../engine/training/generationCache.js';
import type { GenerationCache } from '../engine/training/generationCache.js';
import type { GeneratedImage } from '../engine/providers/types.js';
import type { DbTimer } from './dbTimer.js';
import type { RunRecorder } from './runRecorder.js';

export class RunGenerationCache implements GenerationCache {
  private readonly memory = new MemoryGenerationCache();
  /** Lookups waiting for the next batched query, by key. */
  private waiting = new Map<string, Array<(image: GeneratedImage | undefined) => void>>();

  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly recorder: RunRecorder,
    private readonly timer: DbTimer,
  ) {}

  async get(key: string): Promise<GeneratedImage | undefined> {
    const hit = await this.memory.get(key);
    if (hit) return hit;
    const found = await new Promise<GeneratedImage | undefined>((resolve) => {
      const first = this.waiting.size === 0;
      const callbacks = this.waiting.get(key) ?? [];
      callbacks.push(resolve);
      this.waiting.set(key, callbacks);
      // Everything asked for in this turn of the event loop goes in one query.
      if (first) setImmediate(() => void this.lookUp());
    });
    if (found) await this.memory.set(key, found);
    return found;
  }

  private async lookUp(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    try {
      const rows = await this.timer.time('cache', () => getCachedGenerations(this.db, [...batch.keys()]));
      const found = new Map(rows.map((row) => [row.key, row]));
      await Promise.all(
        [...batch].map(async ([key, callbacks]) => {
          const row = found.get(key);
          // A row whose bytes have left the blob store counts as a miss; a hit costs nothing again.
          const bytes = row === undefined ? undefined : await this.blobs.get(row.imageSha);
          const image = row === undefined || bytes === undefined ? undefined : { bytes, modelId: row.model, costUsd: 0 };
          for (const resolve of callbacks) resolve(image);
        }),
      );
    } catch {
      // A failed lookup is a miss: the image is generated again rather than the run failing
      // (a database that is really gone fails the run's next write).
      for (const callbacks of batch.values()) for (const resolve of callbacks) resolve(undefined);
    }
  }

  async set(key: string, image: GeneratedImage): Promise<void> {
    await this.memory.set(key, image);
    this.recorder.cacheEntry(key, image);
  }
}
