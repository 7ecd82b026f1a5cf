/**
 * Test databases: every repository suite runs once on PGlite and once on the
 * real PostgreSQL at 127.0.0.1:5432 (database `test`). Each suite gets a
 * schema of its own, created, migrated and dropped here, so suites and test
 * files running at the same time never see each other's rows. PGlite boots in
 * seconds, so one in-memory instance is shared by all suites of a test file.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { type Database, DatabaseConnectionError, type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

export type TestBackend = 'pglite' | 'postgres';
export const TEST_BACKENDS: readonly TestBackend[] = ['pglite', 'postgres'];

/** Trust authentication: the user must exist; `postgres` on most machines, `root` on some. */
const CANDIDATE_POSTGRES_URLS = process.env.TEST_DATABASE_URL
  ? [process.env.TEST_DATABASE_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

let postgresUrl: Promise<string> | undefined;

/** The first candidate URL PostgreSQL accepts (fails the suite if PostgreSQL is not running). */
export function postgresTestUrl(): Promise<string> {
  postgresUrl ??= (async () => {
    const failures: string[] = [];
    for (const url of CANDIDATE_POSTGRES_URLS) {
      try {
        const handle = await openDatabase({ url, maxConnections: 1 });
        await handle.close();
        return url;
      } catch (error) {
        if (!(error instanceof DatabaseConnectionError)) throw error;
        failures.push(error.message);
      }
    }
    throw new Error(
      `No test PostgreSQL (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start). ${failures.join(' ')}`,
    );
  })();
  return postgresUrl;
}

let sharedPglite: Promise<PGlite> | undefined;

/** The test file's in-memory PGlite, booted on first use. */
export function sharedPgliteInstance(): Promise<PGlite> {
  sharedPglite ??= PGlite.create();
  return sharedPglite;
}

// Registered while the test file is being collected, so it runs once, after all its suites.
afterAll(async () => {
  if (sharedPglite !== undefined) await (await sharedPglite).close();
  sharedPglite = undefined;
});

/** A fresh schema name: lowercase, unique across processes and runs. */
export function uniqueSchemaName(prefix = 't'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Opens (without migrating) a handle on `backend` in a new schema; the caller drops it with `dropTestSchema`. */
export async function openTestDatabase(backend: TestBackend, schema = uniqueSchemaName()): Promise<DatabaseHandle> {
  return backend === 'pglite'
    ? openDatabase({ pglite: await sharedPgliteInstance(), schema })
    : openDatabase({ url: await postgresTestUrl(), schema, maxConnections: 4 });
}

/** Drops the handle's schema with everything in it, then closes the handle. */
export async function dropTestSchema(handle: DatabaseHandle): Promise<void> {
  try {
    if (handle.schema !== undefined) await handle.db.execute(sql.raw(`drop schema if exists "${handle.schema}" cascade`));
  } finally {
    await handle.close();
  }
}

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  readonly db: Database;
}

/**
 * Call inside a `describe`: before its tests, a migrated database in a schema
 * of its own on `backend`; after them, the schema is dropped.
 */
export function useTestDatabase(backend: TestBackend): TestDatabase {
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    handle = await openTestDatabase(backend);
    await migrate(handle);
  });
  afterAll(async () => {
    if (handle !== undefined) await dropTestSchema(handle);
    handle = undefined;
  });
  return {
    get handle() {
      if (handle === undefined) throw new Error('The test database is only open inside the suite’s tests.');
      return handle;
    },
    get db() {
      return this.handle.db;
    },
  };
}

/**
 * Bytes that read as a `width`×`height` PNG (signature and IHDR chunk; the
 * rest is `salt`, so distinct salts give distinct sha256s). Enough for the
 * image table, which reads only the header.
 */
export function pngLikeBytes(width: number, height: number, salt: string): Uint8Array {
  const header = new Uint8Array(24);
  header.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(header.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  const tail = new TextEncoder().encode(salt);
  const bytes = new Uint8Array(header.length + tail.length);
  bytes.set(header);
  bytes.set(tail, header.length);
  return bytes;
}
