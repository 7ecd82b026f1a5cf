/**
 * Migrations: the committed SQL matches the schema, applying is idempotent,
 * and a failing migration leaves the database as it was — on both backends.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { and, asc, eq } from 'drizzle-orm';
import { bigint, integer, pgSchema, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { defaultMigrationsFolder, migrate } from '../../src/db/migrate.js';
import { getPlayer, upsertPlayer } from '../../src/db/repositories/players.js';
import { dropTestSchema, openTestDatabase, TEST_BACKENDS } from '../support/db.js';

const informationSchema = pgSchema('information_schema');
const tables = informationSchema.table('tables', { tableSchema: text('table_schema'), tableName: text('table_name') });
const columns = informationSchema.table('columns', {
  tableSchema: text('table_schema'),
  tableName: text('table_name'),
  columnName: text('column_name'),
});

const APP_TABLES = [
  'challenges',
  'episodes',
  'generation_cache',
  'guilds',
  'human_submissions',
  'images',
  'players',
  'points_ledger',
  'prompt_spaces',
  'run_evaluations',
  'run_events',
  'runs',
  'steps',
  'votes',
];

async function tablesIn(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db
    .select({ name: tables.tableName })
    .from(tables)
    .where(eq(tables.tableSchema, handle.schema!))
    .orderBy(asc(tables.tableName));
  return rows.map((row) => row.name!);
}

async function appliedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const bookkeeping = pgSchema(handle.schema!).table('__drizzle_migrations', {
    id: integer('id'),
    hash: text('hash'),
    createdAt: bigint('created_at', { mode: 'number' }),
  });
  const rows = await handle.db.select({ hash: bookkeeping.hash }).from(bookkeeping).orderBy(asc(bookkeeping.id));
  return rows.map((row) => row.hash!);
}

async function playerColumns(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db
    .select({ name: columns.columnName })
    .from(columns)
    .where(and(eq(columns.tableSchema, handle.schema!), eq(columns.tableName, 'players')));
  return rows.map((row) => row.name!).sort();
}

interface Journal {
  entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
}

/** A copy of the real migrations plus one that creates a table, alters another, then fails. */
async function migrationsWithABrokenOne(dir: string): Promise<string> {
  const folder = join(dir, `broken-${Math.random().toString(36).slice(2)}`);
  await cp(defaultMigrationsFolder(), folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_broken' });
  await writeFile(journalPath, JSON.stringify(journal));
  await writeFile(
    join(folder, '9999_broken.sql'),
    [
      'CREATE TABLE "should_not_exist" ("id" integer);',
      'ALTER TABLE "players" ADD COLUMN "nickname" text;',
      'INSERT INTO "no_such_table" VALUES (1);',
    ].join('\n--> statement-breakpoint\n'),
  );
  return folder;
}

describe('committed migrations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imageprompt-kit-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('match src/db/schema.ts (drizzle-kit generate finds nothing to add)', async () => {
    const out = join(dir, 'migrations');
    await cp(defaultMigrationsFolder(), out, { recursive: true });
    const before = await readdir(out);
    const root = join(import.meta.dirname, '../..');
    // drizzle-kit reads `--out` relative to the working folder, even when absolute.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['node_modules/drizzle-kit/bin.cjs', 'generate', '--dialect', 'postgresql', '--schema', 'src/db/schema.ts', '--out', relative(root, out)],
      { cwd: root },
    );
    expect(stdout).toContain('No schema changes');
    expect(await readdir(out)).toEqual(before);
  });
});

describe.each(TEST_BACKENDS)('migrate() on %s', (backend) => {
  let dir: string;
  const handles: DatabaseHandle[] = [];
  const open = async () => {
    // PGlite is one connection with one search_path: give the previous suite's schema back first.
    if (backend === 'pglite') for (const previous of handles) await previous.close();
    const handle = await openTestDatabase(backend);
    handles.push(handle);
    return handle;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imageprompt-migrations-test-'));
  });
  afterAll(async () => {
    for (const handle of handles) {
      if (backend === 'pglite') {
        // Reopen on the shared instance to drop each schema in turn.
        const again = await openTestDatabase(backend, handle.schema);
        await dropTestSchema(again);
      } else {
        await dropTestSchema(handle);
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every table, and applying again changes nothing', async () => {
    const handle = await open();
    expect(await tablesIn(handle)).toEqual([]);
    await migrate(handle);
    expect(await tablesIn(handle)).toEqual(['__drizzle_migrations', ...APP_TABLES].sort());
    const applied = await appliedMigrations(handle);
    const journal = JSON.parse(await readFile(join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as Journal;
    expect(applied).toHaveLength(journal.entries.length);

    await upsertPlayer(handle.db, { id: 'kept', displayName: 'Kept' });
    await migrate(handle);
    await migrate(handle);
    expect(await appliedMigrations(handle)).toEqual(applied);
    expect(await tablesIn(handle)).toEqual(['__drizzle_migrations', ...APP_TABLES].sort());
    expect(await getPlayer(handle.db, 'kept')).toMatchObject({ displayName: 'Kept' });
  });

  it('several processes migrating at once take turns: one applies, the others find nothing to do', async () => {
    const first = await open();
    const others = await Promise.all([1, 2].map(() => openTestDatabase(backend, first.schema)));
    try {
      await Promise.all([migrate(first), ...others.map((handle) => migrate(handle))]);
    } finally {
      for (const handle of others) if (backend === 'postgres') await handle.close();
    }
    expect(await tablesIn(first)).toEqual(['__drizzle_migrations', ...APP_TABLES].sort());
    const journal = JSON.parse(await readFile(join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as Journal;
    expect(await appliedMigrations(first)).toHaveLength(journal.entries.length);
  });

  it('a failing migration on a migrated database leaves tables, columns, rows and history as they were', async () => {
    const handle = await open();
    await migrate(handle);
    await upsertPlayer(handle.db, { id: 'survivor', displayName: 'Survivor' });
    const tablesBefore = await tablesIn(handle);
    const columnsBefore = await playerColumns(handle);
    const historyBefore = await appliedMigrations(handle);

    await expect(migrate(handle, { migrationsFolder: await migrationsWithABrokenOne(dir) })).rejects.toThrow(/no_such_table/);

    expect(await tablesIn(handle)).toEqual(tablesBefore);
    expect(await tablesIn(handle)).not.toContain('should_not_exist');
    expect(await playerColumns(handle)).toEqual(columnsBefore);
    expect(columnsBefore).not.toContain('nickname');
    expect(await appliedMigrations(handle)).toEqual(historyBefore);
    expect(await getPlayer(handle.db, 'survivor')).toMatchObject({ displayName: 'Survivor' });
  });

  it('a failing migration on an empty database rolls back the good ones before it too', async () => {
    const handle = await open();
    await expect(migrate(handle, { migrationsFolder: await migrationsWithABrokenOne(dir) })).rejects.toThrow(/no_such_table/);
    // Only drizzle's bookkeeping table (created before the transaction) remains, and it is empty.
    expect(await tablesIn(handle)).toEqual(['__drizzle_migrations']);
    expect(await appliedMigrations(handle)).toEqual([]);
    // The real migrations still apply afterwards.
    await migrate(handle);
    expect(await tablesIn(handle)).toEqual(['__drizzle_migrations', ...APP_TABLES].sort());
  });
});
