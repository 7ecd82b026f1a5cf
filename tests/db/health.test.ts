/**
 * What `imageprompt health` and `imageprompt migrate` ask the database: does
 * it answer, does a schema exist, how many migrations are applied — on PGlite
 * and on PostgreSQL.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countAppliedMigrations, defaultMigrationsFolder, migrate, pingDatabase, queueSchemaExists } from '../../src/db/index.js';
import { dropTestSchema, openTestDatabase, TEST_BACKENDS, uniqueSchemaName } from '../support/db.js';

async function journalLength(): Promise<number> {
  const journal = JSON.parse(await readFile(join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

describe.each(TEST_BACKENDS)('health reads on %s', (backend) => {
  it('answers a ping, tells existing schemas from missing ones, and counts applied migrations', async () => {
    const handle = await openTestDatabase(backend);
    try {
      await expect(pingDatabase(handle.db)).resolves.toBeUndefined();
      expect(await queueSchemaExists(handle.db, handle.schema!)).toBe(true);
      expect(await queueSchemaExists(handle.db, uniqueSchemaName('absent'))).toBe(false);

      expect(await countAppliedMigrations(handle)).toBe(0);
      await migrate(handle);
      expect(await countAppliedMigrations(handle)).toBe(await journalLength());
    } finally {
      await dropTestSchema(handle);
    }
  });

  it.runIf(backend === 'postgres')('a ping on a closed connection fails', async () => {
    const handle = await openTestDatabase(backend);
    await dropTestSchema(handle);
    await expect(pingDatabase(handle.db)).rejects.toThrow();
  });
});
