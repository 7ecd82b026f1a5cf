/**
 * Applies the SQL migrations drizzle-kit generated into `migrations/`, with
 * drizzle's own migrators (PGlite and postgres-js). The migrator runs every
 * pending migration inside one transaction, so a migration that fails leaves
 * the tables as they were; only drizzle's bookkeeping table (created first,
 * outside the transaction) may appear. Applying twice is a no-op.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count } from 'drizzle-orm';
import { integer, pgSchema } from 'drizzle-orm/pg-core';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database, DatabaseHandle } from './client.js';
import type * as schema from './schema.js';

/** `migrations/` at the package root: two levels up from both src/db/ and dist/db/. */
export function defaultMigrationsFolder(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');
}

export interface MigrateOptions {
  /** Folder holding the `.sql` files and `meta/_journal.json` (default: the package's `migrations/`). */
  migrationsFolder?: string;
}

/** Brings the database up to the latest migration; safe to call on every start-up and from several processes. */
export async function migrate(handle: DatabaseHandle, options: MigrateOptions = {}): Promise<void> {
  const sourceFolder = options.migrationsFolder ?? defaultMigrationsFolder();
  const targetSchema = handle.schema;
  // drizzle-kit qualifies foreign keys with "public"; a handle kept in another
  // schema needs them to point at its own tables instead.
  const folder = targetSchema === undefined ? sourceFolder : await retargetMigrations(sourceFolder, targetSchema);
  const config = {
    migrationsFolder: folder,
    // Each schema keeps its own bookkeeping, so isolated suites do not see each other's history.
    ...(targetSchema === undefined ? {} : { migrationsSchema: targetSchema }),
  };
  try {
    await handle.withExclusiveConnection(async (db: Database) => {
      if (handle.kind === 'pglite') await migratePglite(db as PgliteDatabase<typeof schema>, config);
      else await migratePostgres(db as PostgresJsDatabase<typeof schema>, config);
    });
  } finally {
    if (folder !== sourceFolder) await rm(folder, { recursive: true, force: true });
  }
}

/** How many migrations drizzle has recorded as applied (0 before the first). */
export async function countAppliedMigrations(handle: DatabaseHandle): Promise<number> {
  // drizzle keeps its bookkeeping in "drizzle", or in the handle's schema (see `migrate` above).
  const bookkeeping = pgSchema(handle.schema ?? 'drizzle').table('__drizzle_migrations', { id: integer('id') });
  try {
    const [row] = await handle.db.select({ applied: count() }).from(bookkeeping);
    return row?.applied ?? 0;
  } catch (error) {
    if (isUndefinedTable(error)) return 0;
    throw error;
  }
}

function isUndefinedTable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    if ('code' in current && current.code === '42P01') return true;
    current = 'cause' in current ? current.cause : undefined;
  }
  return false;
}

/** A temporary copy of the migrations with `"public".` replaced by the target schema. */
async function retargetMigrations(sourceFolder: string, targetSchema: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'imageprompt-migrations-'));
  await mkdir(join(folder, 'meta'));
  await writeFile(join(folder, 'meta', '_journal.json'), await readFile(join(sourceFolder, 'meta', '_journal.json')));
  for (const name of await readdir(sourceFolder)) {
    if (!name.endsWith('.sql')) continue;
    const sqlText = await readFile(join(sourceFolder, name), 'utf8');
    await writeFile(join(folder, name), sqlText.replaceAll('"public".', `"${targetSchema}".`));
  }
  return folder;
}
