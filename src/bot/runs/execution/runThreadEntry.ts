/**
 * Entry point of a run thread: executes training runs with the worker's own
 * `executeRun`, one at a time, off the bot's main thread. Storage goes to the
 * database thread (embedded database), to the main thread when the PGlite
 * instance lives there, or straight to PostgreSQL when the thread is given a
 * URL. Log lines go to the main thread's logger.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { BlobStore } from '../../../db/blobStore.js';
import { type Database, openDatabase } from '../../../db/client.js';
import * as schema from '../../../db/schema.js';
import { createLogger } from '../../../observability/logger.js';
import { executeRun } from '../../../worker/executeRun.js';
import { type FromRunThread, type RunThreadData, type ToRunThread, toWireError } from './protocol.js';
import { StorageClient } from './storageBridge.js';

if (isMainThread || parentPort === null) throw new Error('runThreadEntry runs only as a worker thread (see embeddedExecution.ts).');
const port = parentPort;
const data = workerData as RunThreadData;

const post = (message: FromRunThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
// Storage requests go to the database thread when there is one, else to the parent (which then holds the database).
const storagePort = data.storagePort;
const storage = new StorageClient((message, transfer) => (storagePort ?? port).postMessage(message, transfer));
storagePort?.on('message', (reply: Extract<ToRunThread, { kind: 'reply' }>) => storage.receive(reply));
const shutdown = new AbortController();
const logger = createLogger({ name: 'run-thread', level: data.logLevel, destination: { write: (line: string) => post({ kind: 'log', line }) } });

async function openStorage(): Promise<{ db: Database; blobs: BlobStore }> {
  const blobs = storage.blobStore();
  if (data.databaseUrl !== undefined) {
    const handle = await openDatabase({ url: data.databaseUrl, schema: data.databaseSchema, maxConnections: 4 });
    return { db: handle.db, blobs };
  }
  // drizzle's PGlite driver only calls `query` and `transaction`, which the stand-in answers.
  const db: Database = drizzle({ client: storage.pgliteClient() as PGlite, schema });
  return { db, blobs };
}

const storageReady = openStorage();

async function execute(id: number, runId: number): Promise<void> {
  try {
    const { db, blobs } = await storageReady;
    const report = await executeRun(runId, { db, blobs, workerId: data.workerId, logger, env: process.env }, { ...data.execution, stopSignal: shutdown.signal });
    post({ kind: 'report', id, report });
  } catch (error) {
    post({ kind: 'failed', id, error: toWireError(error) });
  }
}

port.on('message', (message: ToRunThread) => {
  switch (message.kind) {
    case 'reply':
      storage.receive(message);
      break;
    case 'execute':
      void execute(message.id, message.runId);
      break;
    case 'shutdown':
      shutdown.abort();
      break;
  }
});
