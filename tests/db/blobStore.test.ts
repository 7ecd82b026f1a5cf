import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCorruptionError, LocalDirectoryBlobStore, sha256Hex } from '../../src/db/blobStore.js';
import { readImageMetadata, UnsupportedImageError } from '../../src/db/imageMetadata.js';

describe('LocalDirectoryBlobStore', () => {
  let dir: string;
  let store: LocalDirectoryBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imageprompt-blobs-'));
    store = new LocalDirectoryBlobStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips bytes under their sha256, in a two-level sharded folder', async () => {
    const bytes = new TextEncoder().encode('a picture of a red circle');
    const sha = await store.put(bytes);
    expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await store.has(sha)).toBe(true);
    expect(Buffer.from((await store.get(sha))!)).toEqual(Buffer.from(bytes));
    expect(store.pathOf(sha)).toBe(join(dir, sha.slice(0, 2), sha.slice(2, 4), sha));
    expect(await readFile(store.pathOf(sha))).toEqual(Buffer.from(bytes));
  });

  it('stores the same bytes once and leaves no temporary files behind', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const [first, second] = await Promise.all([store.put(bytes), store.put(bytes)]);
    expect(first).toBe(second);
    expect(first).toBe(sha256Hex(bytes));
    const folder = join(dir, first.slice(0, 2), first.slice(2, 4));
    expect(await readdir(folder)).toEqual([first]);
  });

  it('answers undefined / false for bytes it never stored', async () => {
    const unknown = sha256Hex(new TextEncoder().encode('never stored'));
    expect(await store.get(unknown)).toBeUndefined();
    expect(await store.has(unknown)).toBe(false);
  });

  it('detects bytes changed on disk after they were stored', async () => {
    const sha = await store.put(new TextEncoder().encode('original bytes'));
    await writeFile(store.pathOf(sha), 'tampered bytes');
    await expect(store.get(sha)).rejects.toBeInstanceOf(BlobCorruptionError);
    await expect(store.get(sha)).rejects.toThrow(`Blob ${sha} is corrupt`);
  });

  it('refuses names that are not sha256 digests (no path tricks)', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow(TypeError);
    await expect(store.has('ABC')).rejects.toThrow('Not a sha256 hex digest');
  });
});

describe('readImageMetadata', () => {
  it.each([
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['gif', 'image/gif'],
  ] as const)('reads format and size from a real %s file', async (format, mime) => {
    const bytes = await sharp({ create: { width: 37, height: 23, channels: 3, background: '#c33' } })
      .toFormat(format)
      .toBuffer();
    expect(readImageMetadata(bytes)).toEqual({ mime, width: 37, height: 23 });
  });

  it('reads lossless and alpha (extended) WebP headers too', async () => {
    const lossless = await sharp({ create: { width: 301, height: 17, channels: 4, background: '#0f08' } })
      .webp({ lossless: true })
      .toBuffer();
    expect(readImageMetadata(lossless)).toEqual({ mime: 'image/webp', width: 301, height: 17 });
    const withAlpha = await sharp({ create: { width: 64, height: 480, channels: 4, background: '#0f08' } })
      .webp({ quality: 50 })
      .toBuffer();
    expect(readImageMetadata(withAlpha)).toEqual({ mime: 'image/webp', width: 64, height: 480 });
  });

  it('refuses bytes that are not an image it knows', () => {
    expect(() => readImageMetadata(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toThrow(
      UnsupportedImageError,
    );
    expect(() => readImageMetadata(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toThrow(UnsupportedImageError);
  });
});
