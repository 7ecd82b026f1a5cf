/**
 * `imageprompt migrate`: brings the database up to the latest migration and
 * says what it did. With DATABASE_URL: PostgreSQL, plus the job queue's own
 * tables (pg-boss); without it: the embedded database in the data folder.
 * The same migrations run on start-up of the bot and of every worker; this
 * command lets an operator do it ahead of a deployment.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadRuntimeConfig } from '../../config/runtime.js';
import { DatabaseConnectionError, openDatabase, parsePostgresUrl } from '../../db/client.js';
import { countAppliedMigrations, defaultMigrationsFolder, migrate } from '../../db/migrate.js';
import { PgBossJobQueue } from '../../jobs/pgBossQueue.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../optimize/command.js';

export function migrateUsage(): string {
  return [
    'Usage: imageprompt migrate [flags]',
    '',
    'Applies pending database migrations (PostgreSQL with DATABASE_URL, else the embedded database).',
    '',
    'Flags:',
    '  --schema NAME        PostgreSQL schema of the tables (default: the search_path)',
    '  --queue-schema NAME  PostgreSQL schema of the job queue (default pgboss)',
  ].join('\n');
}

export async function runMigrateCommand(argv: string[], io: CliIo): Promise<number> {
  let values: { schema?: string; 'queue-schema'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { schema: { type: 'string' }, 'queue-schema': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. Run "imageprompt migrate --help" for the flags.`);
  }
  if (values.help) {
    io.stdout.write(`${migrateUsage()}\n`);
    return 0;
  }
  const say = (line: string) => io.stdout.write(`${line}\n`);
  try {
    const runtime = loadRuntimeConfig(io.env);
    const url = runtime.databaseUrl;
    if (url === undefined && values.schema !== undefined) throw new UsageError('--schema needs DATABASE_URL (the embedded database has one schema).');
    const where =
      url === undefined
        ? `the embedded database in ${runtime.databaseDir}`
        : (() => {
            const target = parsePostgresUrl(url);
            return `PostgreSQL at ${target.host}:${target.port}/${target.database}${values.schema ? ` (schema ${values.schema})` : ''}`;
          })();
    const handle = await openDatabase(url === undefined ? { dataDir: runtime.databaseDir } : { url, schema: values.schema });
    try {
      const journal = await readJournal();
      const before = await countAppliedMigrations(handle);
      await migrate(handle);
      const after = await countAppliedMigrations(handle);
      const applied = journal.slice(before, after);
      say(
        applied.length === 0
          ? `${where} is up to date (${after} migration${after === 1 ? '' : 's'} applied).`
          : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${where}: ${applied.join(', ')}.`,
      );
    } finally {
      await handle.close();
    }
    if (url !== undefined) {
      const queue = new PgBossJobQueue({ connectionString: url, schema: values['queue-schema'] });
      await queue.start();
      await queue.stop({ graceful: false });
      say(`Job queue ready in schema ${queue.schema}.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DatabaseConnectionError || error instanceof ConfigError) {
      io.stderr.write(`imageprompt: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Migration names (tags) in the order they apply. */
async function readJournal(): Promise<string[]> {
  const raw = JSON.parse(await readFile(join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  return raw.entries.map((entry) => entry.tag);
}
