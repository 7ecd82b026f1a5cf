/**
 * Entry point of the database thread: opens the embedded database (PGlite)
 * and the image store, migrates, and serves storage requests — the main
 * thread's on the parent port, each run thread's on a port of its own. Each
 * connection has its own `StorageServer`, so a run thread that dies has its
 * open transaction rolled back without touching the others.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { LocalDirectoryBlobStore } from '../../../db/blobStore.js';
import { openDatabase } from '../../../db/client.js';
import { migrate } from '../../../db/migrate.js';
import type { DatabaseThreadData, FromDatabaseThread, StorageRequest, ToDatabaseThread } from './protocol.js';
import { StorageServer, toWireError } from './storageBridge.js';

if (isMainThread || parentPort === null) throw new Error('databaseThreadEntry runs only as a worker thread (see databaseThread.ts).');
const parent = parentPort;
const data = workerData as DatabaseThreadData;

type Connection = Pick<MessagePort, 'postMessage'>;

function serve(connection: Connection, server: StorageServer, id: number, request: StorageRequest): void {
  server.handle(request).then(
    ({ value, transfer }) => connection.postMessage({ kind: 'reply', id, ok: true, value }, transfer),
    (error: unknown) => connection.postMessage({ kind: 'reply', id, ok: false, error: toWireError(error) }),
  );
}

async function main(): Promise<void> {
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(data.dataDir);
    const handle = await openDatabase({ pglite });
    await migrate(handle);
  } catch (error) {
    parent.postMessage({ kind: 'failed-to-start', error: toWireError(error) } satisfies FromDatabaseThread);
    return;
  }
  const blobs = new LocalDirectoryBlobStore(data.imagesDir);
  const servers = new Set<StorageServer>();
  const mainServer = new StorageServer(pglite, blobs);
  servers.add(mainServer);

  parent.on('message', (message: ToDatabaseThread) => {
    switch (message.kind) {
      case 'storage':
        serve(parent, mainServer, message.id, message.request);
        break;
      case 'connect': {
        const server = new StorageServer(pglite, blobs);
        servers.add(server);
        const port = message.port;
        port.on('message', (request: { kind: 'storage'; id: number; request: StorageRequest }) => serve(port, server, request.id, request.request));
        port.on('close', () => {
          servers.delete(server);
          void server.close();
        });
        break;
      }
      case 'close':
        void (async () => {
          await Promise.allSettled([...servers].map((server) => server.close()));
          await pglite.close();
          parent.postMessage({ kind: 'closed' } satisfies FromDatabaseThread);
          parent.close();
        })();
        break;
    }
  });
  parent.postMessage({ kind: 'ready' } satisfies FromDatabaseThread);
}

void main();
