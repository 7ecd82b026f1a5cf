/**
 * Where a worker keeps things, from the runtime configuration:
 *
 *   - `DATABASE_URL` set: PostgreSQL for the tables and pg-boss for the queue.
 *     Any number of worker processes, on any number of machines, can share
 *     them (the image store, a local folder by default, must then be shared
 *     storage too).
 *   - no `DATABASE_URL`: embedded PGlite in the data folder and the in-process
 *     queue. PGlite is a single-process database — one process opens the
 *     folder at a time — so in this mode the runs are enqueued and executed by
 *     the same process (the bot with its worker, or one `imageprompt worker`).
 *
 * The tables are migrated on start-up (safe from several processes at once).
 */
import { type BlobStore, LocalDirectoryBlobStore } from '../db/blobStore.js';
import { type DatabaseHandle, openDatabase, parsePostgresUrl } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import type { RuntimeConfig } from '../config/runtime.js';
import { InProcessJobQueue } from '../jobs/inProcessQueue.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import { PgBossJobQueue } from '../jobs/pgBossQueue.js';
import type { Logger } from '../observability/logger.js';

export interface WorkerEnvironmentOptions {
  runtime: RuntimeConfig;
  /** PostgreSQL schema for the tables (default: the connection's search_path). */
  schema?: string;
  /** PostgreSQL schema for pg-boss (default `pgboss`). */
  queueSchema?: string;
  /** Seconds between an idle worker's looks for jobs (PostgreSQL; default 1). */
  pollingIntervalSeconds?: number;
  /** PostgreSQL: seconds to wait for the server at start-up (default 5). */
  connectTimeoutSeconds?: number;
  logger?: Logger;
}

export interface WorkerEnvironment {
  readonly mode: 'postgres' | 'embedded';
  /** Where the data lives, without credentials, for the start-up log line. */
  readonly description: string;
  readonly handle: DatabaseHandle;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
  /** Closes the database (stop the queue first). */
  close(): Promise<void>;
}

/** Opens and migrates the database; a server that does not answer fails here with a `DatabaseConnectionError`. */
export async function openWorkerEnvironment(options: WorkerEnvironmentOptions): Promise<WorkerEnvironment> {
  const { runtime, logger } = options;
  const blobs = new LocalDirectoryBlobStore(runtime.imagesDir);
  if (runtime.databaseUrl !== undefined) {
    const url = runtime.databaseUrl;
    const target = parsePostgresUrl(url);
    const handle = await openDatabase({ url, schema: options.schema, connectTimeoutSeconds: options.connectTimeoutSeconds });
    try {
      await migrate(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const queue = new PgBossJobQueue({
      connectionString: url,
      schema: options.queueSchema,
      pollingIntervalSeconds: options.pollingIntervalSeconds,
      onError: (error) => logger?.warn({ err: error }, 'job queue error'),
    });
    return {
      mode: 'postgres',
      description: `PostgreSQL at ${target.host}:${target.port}/${target.database}${options.schema ? ` (schema ${options.schema})` : ''}`,
      handle,
      blobs,
      queue,
      close: () => handle.close(),
    };
  }
  const handle = await openDatabase({ dataDir: runtime.databaseDir });
  try {
    await migrate(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    mode: 'embedded',
    description: `embedded database in ${runtime.databaseDir}`,
    handle,
    blobs,
    queue: new InProcessJobQueue(),
    close: () => handle.close(),
  };
}
