/**
 * Opens the database: embedded PGlite on disk by default, PostgreSQL (through
 * `postgres`) when a URL is given. Both come back as the same drizzle type, so
 * repositories take either. Connection problems fail at once with one clear
 * line (`DatabaseConnectionError`) that never contains the password.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { DataDirectoryInUseError, lockDataDirectory } from './processLock.js';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

/** The drizzle database both drivers produce; transactions (`db.transaction(tx => …)`) are one too. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DatabaseKind = 'pglite' | 'postgres';

export const DEFAULT_DATA_DIR = '.imageprompt/db';
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;
const DEFAULT_MAX_CONNECTIONS = 10;
/** Any key works as long as every process uses the same one: "ImgP" in ASCII. */
const EXCLUSIVE_LOCK_KEY = 0x496d6750;

export interface OpenDatabaseOptions {
  /** `postgres://user:password@host:port/database`: use PostgreSQL. Without it, PGlite. */
  url?: string;
  /** PGlite data folder (created if missing); `memory://` keeps the database in memory. */
  dataDir?: string;
  /**
   * PostgreSQL schema to keep the tables in (created if missing; becomes the
   * connection's whole `search_path`). Lets test suites share one database.
   */
  schema?: string;
  /** PostgreSQL: seconds to wait for the server before giving up. */
  connectTimeoutSeconds?: number;
  /** PostgreSQL: connections in the pool. */
  maxConnections?: number;
  /**
   * An already-open PGlite instance to use instead of opening `dataDir`
   * (tests share one per file, since booting takes seconds). `close()` leaves
   * it open. PGlite is a single connection: only one `schema` is active on it
   * at a time.
   */
  pglite?: PGlite;
}

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: DatabaseKind;
  /** The schema given to `openDatabase`, if any (`undefined` means the default search_path). */
  readonly schema: string | undefined;
  /**
   * Runs `task` on a single connection that holds a database-wide lock, so
   * two processes doing the same thing (e.g. migrating at start-up) take turns.
   */
  withExclusiveConnection<T>(task: (db: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class DatabaseConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseConnectionError';
  }
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  return options.url === undefined ? openPglite(options) : openPostgres(options.url, options);
}

async function openPglite(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const ownsClient = options.pglite === undefined;
  let client: PGlite;
  let unlock = async (): Promise<void> => undefined;
  if (options.pglite !== undefined) {
    client = options.pglite;
  } else {
    const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
    try {
      if (!dataDir.startsWith('memory://')) {
        await mkdir(dataDir, { recursive: true });
        unlock = await lockDataDirectory(dataDir);
      }
      client = await PGlite.create(dataDir);
    } catch (error) {
      await unlock();
      if (error instanceof DataDirectoryInUseError) throw error;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new DatabaseConnectionError(`Cannot open the embedded database in ${dataDir}: ${reason}`, { cause: error });
    }
  }
  if (options.schema !== undefined) {
    const name = quoteIdentifier(options.schema);
    await client.exec(`create schema if not exists ${name}; set search_path to ${name};`);
  }
  const db: Database = drizzlePglite({ client, schema });
  return {
    db,
    kind: 'pglite',
    schema: options.schema,
    // One connection, one process: nobody else can run at the same time.
    withExclusiveConnection: (task) => task(db),
    async close() {
      if (ownsClient) {
        if (!client.closed) await client.close();
        await unlock();
      } else if (options.schema !== undefined) await client.exec('reset search_path;');
    },
  };
}

interface PostgresTarget {
  user: string;
  host: string;
  port: string;
  database: string;
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const target = parsePostgresUrl(url);
  const connect = (max: number) =>
    postgres(url, {
      max,
      connect_timeout: options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
      onnotice: () => {},
      // The schema must be the whole search_path, so nothing leaks in from `public`.
      ...(options.schema !== undefined ? { connection: { search_path: quoteIdentifier(options.schema) } } : {}),
    });

  const client = connect(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  try {
    await client`select 1`;
    if (options.schema !== undefined) await client.unsafe(`create schema if not exists ${quoteIdentifier(options.schema)}`);
  } catch (error) {
    await client.end({ timeout: 0 });
    throw new DatabaseConnectionError(describeConnectionFailure(error, target), { cause: error });
  }

  return {
    db: drizzlePostgres({ client, schema }),
    kind: 'postgres',
    schema: options.schema,
    async withExclusiveConnection(task) {
      const single = connect(1);
      try {
        // A session lock: released by the unlock below, or by PostgreSQL when the connection ends, whatever happens.
        await single`select pg_advisory_lock(${EXCLUSIVE_LOCK_KEY})`;
        const result = await task(drizzlePostgres({ client: single, schema }));
        await single`select pg_advisory_unlock(${EXCLUSIVE_LOCK_KEY})`;
        return result;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Checks the URL's shape without echoing it (it may hold a password). */
export function parsePostgresUrl(url: string): PostgresTarget {
  const expected = 'expected postgres://user:password@host:port/database';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConnectionError(`DATABASE_URL is not a valid URL (${expected}).`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseConnectionError(`DATABASE_URL must start with postgres:// or postgresql:// (got ${parsed.protocol}//; ${expected}).`);
  }
  if (parsed.hostname === '') {
    throw new DatabaseConnectionError(`DATABASE_URL names no host (${expected}).`);
  }
  const user = decodeURIComponent(parsed.username) || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  return { user, host: parsed.hostname, port: parsed.port || '5432', database };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** One line saying what went wrong and where, in words a user can act on. */
export function describeConnectionFailure(error: unknown, target: PostgresTarget): string {
  const where = `${target.host}:${target.port}`;
  switch (errorCode(error)) {
    case 'ECONNREFUSED':
      return `Cannot connect to PostgreSQL at ${where}: connection refused (is the server running and listening there?).`;
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `Cannot connect to PostgreSQL at ${where}: no answer in time (check host, port and firewall).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot connect to PostgreSQL: host "${target.host}" not found.`;
    case '28P01':
      return `PostgreSQL at ${where} rejected the password for user "${target.user}".`;
    case '28000':
      return `PostgreSQL at ${where} does not let user "${target.user}" in (unknown role or not allowed by pg_hba.conf).`;
    case '3D000':
      return `PostgreSQL at ${where} has no database "${target.database}" (create it, or fix the name in DATABASE_URL).`;
    case '3F000':
      return `PostgreSQL at ${where}: the schema could not be used.`;
    default: {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return `Cannot use PostgreSQL at ${where} as "${target.user}": ${reason}`;
    }
  }
}

function assertSchemaName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new DatabaseConnectionError(`Schema name "${name}" must be lowercase letters, digits and underscores (at most 63).`);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
