/**
 * Image bytes live outside the database, addressed by their sha256. The
 * interface lets another store (S3, …) replace the local directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BlobStore {
  /** Stores `bytes` (once; storing the same bytes again is a no-op) and returns their sha256 in hex. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes whose sha256 is `sha`, or `undefined` if the store has none. Throws `BlobCorruptionError` if they no longer match. */
  get(sha: string): Promise<Uint8Array | undefined>;
  has(sha: string): Promise<boolean>;
}

export class BlobCorruptionError extends Error {
  constructor(readonly sha: string, readonly actualSha: string) {
    super(`Blob ${sha} is corrupt: its bytes now hash to ${actualSha}.`);
    this.name = 'BlobCorruptionError';
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

function assertSha256(sha: string): void {
  // Also what keeps a caller-supplied string from naming a path outside the store.
  if (!isSha256Hex(sha)) throw new TypeError(`Not a sha256 hex digest: ${JSON.stringify(sha)}.`);
}

/**
 * Blobs as files `<dir>/ab/cd/<sha>`: two levels of 256 folders keep folders
 * small. Writes go to a temporary file renamed into place, so a reader never
 * sees half a blob and a crash never leaves one.
 */
export class LocalDirectoryBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha: string): string {
    assertSha256(sha);
    return join(this.dir, sha.slice(0, 2), sha.slice(2, 4), sha);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const sha = sha256Hex(bytes);
    const path = this.pathOf(sha);
    if (await this.has(sha)) return sha;
    const folder = join(this.dir, sha.slice(0, 2), sha.slice(2, 4));
    await mkdir(folder, { recursive: true });
    const temporary = join(folder, `.${sha}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, bytes, { flush: true });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return sha;
  }

  async get(sha: string): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(sha));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha) throw new BlobCorruptionError(sha, actual);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(sha: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}
