/** Images: bytes in the blob store, metadata in the database, both keyed by sha256. */
import { eq } from 'drizzle-orm';
import type { BlobStore } from '../blobStore.js';
import type { Database } from '../client.js';
import { type ImageMetadata, readImageMetadata } from '../imageMetadata.js';
import { type Image, images, type NewImage } from '../schema.js';

/**
 * Stores the bytes (blob first, so a row never points at missing bytes) and
 * their metadata, read from the header unless given. Storing the same bytes
 * twice returns the same row.
 */
export async function storeImage(db: Database, blobs: BlobStore, bytes: Uint8Array, metadata?: ImageMetadata): Promise<Image> {
  const { mime, width, height } = metadata ?? readImageMetadata(bytes);
  const sha256 = await blobs.put(bytes);
  const [inserted] = await db
    .insert(images)
    .values({ sha256, mime, width, height, byteSize: bytes.byteLength })
    .onConflictDoNothing({ target: images.sha256 })
    .returning();
  return inserted ?? (await getImage(db, sha256))!;
}

/** Image metadata rows for bytes already in the blob store, in one statement; rows that exist stay as they are. */
export async function insertImageRows(db: Database, rows: readonly NewImage[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(images).values([...rows]).onConflictDoNothing({ target: images.sha256 });
}

export async function getImage(db: Database, sha256: string): Promise<Image | undefined> {
  const [row] = await db.select().from(images).where(eq(images.sha256, sha256));
  return row;
}

/** The image's metadata and bytes, or `undefined` if either is missing. */
export async function readImage(
  db: Database,
  blobs: BlobStore,
  sha256: string,
): Promise<{ image: Image; bytes: Uint8Array } | undefined> {
  const image = await getImage(db, sha256);
  if (image === undefined) return undefined;
  const bytes = await blobs.get(sha256);
  return bytes === undefined ? undefined : { image, bytes };
}
