/**
 * The generation cache in the database: key → image (bytes in the blob store).
 * `createGenerationCache` adapts it to the small interface the engine's
 * trainer consumes, so a run reuses images any earlier run generated.
 */
import { eq, inArray } from 'drizzle-orm';
import type { GeneratedImage } from '../../engine/providers/types.js';
import type { BlobStore } from '../blobStore.js';
import type { Database } from '../client.js';
import { type GenerationCacheEntry, generationCache, type NewGenerationCacheEntry } from '../schema.js';
import { storeImage } from './images.js';

/** What the trainer needs from a cache (kept here so the database does not depend on trainer internals). */
export interface GenerationCache {
  get(key: string): Promise<GeneratedImage | undefined>;
  set(key: string, image: GeneratedImage): Promise<void>;
}

/** What the key was computed from; stored for inspection when the caller knows it. */
export interface GenerationRequestDescription {
  generatorId: string;
  prompt: string;
  seed: number;
  width: number;
  height: number;
}

/** A `GenerationCache` that also records what a key stands for when told. */
export interface DatabaseGenerationCache extends GenerationCache {
  set(key: string, image: GeneratedImage, request?: GenerationRequestDescription): Promise<void>;
}

export async function getCachedGeneration(db: Database, key: string): Promise<GenerationCacheEntry | undefined> {
  const [row] = await db.select().from(generationCache).where(eq(generationCache.key, key));
  return row;
}

/** The entries stored under any of `keys`, in one query (keys without one are absent). */
export async function getCachedGenerations(
  db: Database,
  keys: readonly string[],
): Promise<Array<Pick<GenerationCacheEntry, 'key' | 'imageSha' | 'model'>>> {
  if (keys.length === 0) return [];
  return db
    .select({ key: generationCache.key, imageSha: generationCache.imageSha, model: generationCache.model })
    .from(generationCache)
    .where(inArray(generationCache.key, [...keys]));
}

/** Generation-cache rows for images already stored, in one statement; the first image stored under a key stays. */
export async function insertGenerationCacheRows(db: Database, rows: readonly NewGenerationCacheEntry[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(generationCache).values([...rows]).onConflictDoNothing({ target: generationCache.key });
}

/** Stores the image and maps `key` to it; the first image stored under a key stays. */
export async function putCachedGeneration(
  db: Database,
  blobs: BlobStore,
  key: string,
  image: GeneratedImage,
  request?: GenerationRequestDescription,
): Promise<void> {
  const stored = await storeImage(db, blobs, image.bytes);
  await db
    .insert(generationCache)
    .values({
      key,
      imageSha: stored.sha256,
      model: image.modelId,
      costUsd: image.costUsd,
      generator: request?.generatorId ?? null,
      prompt: request?.prompt ?? null,
      seed: request?.seed ?? null,
      width: request?.width ?? null,
      height: request?.height ?? null,
    })
    .onConflictDoNothing({ target: generationCache.key });
}

/**
 * A `GenerationCache` over the database. A hit reports `costUsd: 0` — reusing
 * an image costs nothing; the original price stays in the row. A row whose
 * bytes have left the blob store counts as a miss.
 */
export function createGenerationCache(db: Database, blobs: BlobStore): DatabaseGenerationCache {
  return {
    async get(key) {
      const entry = await getCachedGeneration(db, key);
      if (entry === undefined) return undefined;
      const bytes = await blobs.get(entry.imageSha);
      return bytes === undefined ? undefined : { bytes, modelId: entry.model, costUsd: 0 };
    },
    set: (key, image, request) => putCachedGeneration(db, blobs, key, image, request),
  };
}
