/**
 * The embedded database in a thread of its own. PGlite executes every
 * statement synchronously in WebAssembly on the thread that opened it; run
 * threads that checkpoint (megabytes of JSON per iteration) would otherwise
 * keep the bot's main thread busy and its interactions waiting. Here the main
 * thread and every run thread are clients: drizzle on a stand-in PGlite
 * client whose statements run in the database thread (`storageBridge.ts`).
 */
import { mkdir } from 'node:fs/promises';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { type BlobStore, LocalDirectoryBlobStore } from '../../../db/blobStore.js';
import { type Database, DatabaseConnectionError, type DatabaseHandle } from '../../../db/client.js';
import * as schema from '../../../db/schema.js';
import type { DatabaseThreadData, FromDatabaseThread, ToDatabaseThread } from './protocol.js';
import { spawnThread } from './spawnThread.js';
import { StorageClient } from './storageBridge.js';

export interface DatabaseThread {
  /** The main thread's database; `close()` closes PGlite and ends the thread. */
  readonly handle: DatabaseHandle;
  /** The image store, used directly from this thread (a folder; writes are atomic renames). */
  readonly blobs: BlobStore;
  /** A new connection for a run thread (move it into the thread). */
  connect(): MessagePort;
  readonly threadId: number;
}

export async function startDatabaseThread(options: { dataDir: string; imagesDir: string; env?: Readonly<Record<string, string | undefined>> }): Promise<DatabaseThread> {
  if (!options.dataDir.startsWith('memory://')) await mkdir(options.dataDir, { recursive: true });
  const data: DatabaseThreadData = { dataDir: options.dataDir, imagesDir: options.imagesDir };
  const worker = spawnThread('databaseThreadEntry', { workerData: data, env: options.env ?? process.env, name: 'imageprompt-database' });
  const post = (message: ToDatabaseThread, transfer: MessagePort[] | ArrayBuffer[] = []): void => worker.postMessage(message, transfer);
  const client = new StorageClient((message, transfer) => post(message, transfer));
  let closed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });

  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: FromDatabaseThread) => {
      switch (message.kind) {
        case 'reply':
          client.receive(message);
          break;
        case 'ready':
          resolve();
          break;
        case 'failed-to-start':
          reject(new DatabaseConnectionError(`Cannot open the embedded database in ${options.dataDir}: ${message.error.message.split('\n')[0]}`));
          break;
        case 'closed':
          closed();
          break;
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      client.failAll({ name: 'Error', message: `the database thread exited (code ${code})` });
      closed();
      reject(new Error(`the database thread exited while starting (code ${code})`));
    });
  });
  try {
    await started;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  // drizzle's PGlite driver only calls `query` and `transaction`, which the stand-in answers.
  const db: Database = drizzle({ client: client.pgliteClient() as PGlite, schema });
  let closing: Promise<void> | undefined;
  const handle: DatabaseHandle = {
    db,
    kind: 'pglite',
    schema: undefined,
    // One database thread, one PGlite connection: statements already take turns there.
    withExclusiveConnection: (task) => task(db),
    close() {
      closing ??= (async () => {
        post({ kind: 'close' });
        await whenClosed;
        await worker.terminate();
      })();
      return closing;
    },
  };
  return {
    handle,
    blobs: new LocalDirectoryBlobStore(options.imagesDir),
    threadId: worker.threadId,
    connect() {
      const { port1, port2 } = new MessageChannel();
      post({ kind: 'connect', port: port2 }, [port2]);
      return port1;
    },
  };
}
