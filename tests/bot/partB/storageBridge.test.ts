/**
 * The storage a run thread sees, driven here in one thread (client and server
 * wired back to back): drizzle over the stand-in client reads and writes the
 * real PGlite, transactions commit or roll back as a whole, and statements
 * from outside wait while a bridged transaction is open.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageRequest, ToRunThread } from '../../../src/bot/runs/execution/protocol.js';
import { StorageClient, StorageServer, toWireError } from '../../../src/bot/runs/execution/storageBridge.js';
import { LocalDirectoryBlobStore } from '../../../src/db/blobStore.js';
import { type Database, type DatabaseHandle, openDatabase } from '../../../src/db/client.js';
import { appendRunEvent, createRun, getRun, listRunEventsSince, storeImage, upsertPlayer } from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import * as schema from '../../../src/db/schema.js';
import { resolveHyperparameters } from '../../../src/engine/training/hyperparameters.js';
import { pngLikeBytes, sharedPgliteInstance, uniqueSchemaName } from '../../support/db.js';

let pglite: PGlite;
let handle: DatabaseHandle;
let blobsDir: string;
let server: StorageServer;
let bridged: Database;
let client: StorageClient;

beforeAll(async () => {
  pglite = await sharedPgliteInstance();
  handle = await openDatabase({ pglite, schema: uniqueSchemaName('bridge') });
  await migrate(handle);
  blobsDir = await mkdtemp(join(tmpdir(), 'imageprompt-bridge-'));
  server = new StorageServer(pglite, new LocalDirectoryBlobStore(blobsDir));
  const deliver = (id: number, request: StorageRequest): void => {
    server.handle(request).then(
      ({ value }) => client.receive({ kind: 'reply', id, ok: true, value } satisfies ToRunThread),
      (error: unknown) => client.receive({ kind: 'reply', id, ok: false, error: toWireError(error) }),
    );
  };
  // Structured clone, as postMessage would: nothing shared by reference.
  client = new StorageClient((message) => queueMicrotask(() => deliver(message.id, structuredClone(message.request))));
  bridged = drizzle({ client: client.pgliteClient() as PGlite, schema });
});

afterAll(async () => {
  await server?.close();
  await handle?.close();
  await rm(blobsDir, { recursive: true, force: true });
});

describe('storage bridge', () => {
  it('runs the repositories over the bridge, with transactions that commit', async () => {
    await upsertPlayer(bridged, { id: '100000000000000001', displayName: 'ada' });
    const target = await storeImage(bridged, client.blobStore(), pngLikeBytes(8, 8, 'bridge'));
    const run = await createRun(bridged, { targetImageSha: target.sha256, preset: 'efficient', hyperparameters: resolveHyperparameters('efficient') });
    const event = await appendRunEvent(bridged, { runId: run.id, type: 'phase', payload: { phase: 'training' } });
    expect(event.seq).toBe(1);
    // Seen from the main thread's own handle: the same rows, dates and JSON intact.
    const [stored] = await listRunEventsSince(handle.db, run.id);
    expect(stored).toMatchObject({ seq: 1, type: 'phase', payload: { phase: 'training' } });
    expect(stored!.createdAt).toBeInstanceOf(Date);
    expect((await getRun(bridged, run.id))?.createdAt.getTime()).toBe((await getRun(handle.db, run.id))?.createdAt.getTime());
    expect(await client.blobStore().get(target.sha256)).toEqual(pngLikeBytes(8, 8, 'bridge'));
  });

  it('rolls a failed transaction back, and makes outside statements wait for it', async () => {
    const target = await storeImage(handle.db, new LocalDirectoryBlobStore(blobsDir), pngLikeBytes(8, 8, 'rollback'));
    const run = await createRun(handle.db, { targetImageSha: target.sha256, preset: 'efficient', hyperparameters: resolveHyperparameters('efficient') });
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await expect(
      bridged.transaction(async (tx) => {
        await tx.insert(schema.runEvents).values({ runId: run.id, seq: 1, type: 'a', payload: {} });
        outside = listRunEventsSince(handle.db, run.id).then((rows) => order.push(`outside saw ${rows.length}`));
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('transaction failing');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await outside;
    expect(order).toEqual(['transaction failing', 'outside saw 0']);
    expect(await listRunEventsSince(handle.db, run.id)).toEqual([]);
  });

  it('passes PostgreSQL errors through with their SQLSTATE code', async () => {
    await expect(bridged.insert(schema.players).values({ id: '100000000000000001', displayName: 'twice' })).rejects.toMatchObject({ cause: { code: '23505' } });
  });
});

describe('database thread', () => {
  it('holds the embedded database for the main thread and for run threads that train through it', async () => {
    const { startDatabaseThread } = await import('../../../src/bot/runs/execution/databaseThread.js');
    const { startEmbeddedExecution } = await import('../../../src/bot/runs/execution/embeddedExecution.js');
    const { InProcessJobQueue } = await import('../../../src/jobs/inProcessQueue.js');
    const { newTinyRun, storeTarget } = await import('../../worker/fixtures.js');
    const imagesDir = await mkdtemp(join(tmpdir(), 'imageprompt-dbthread-'));
    const database = await startDatabaseThread({ dataDir: 'memory://', imagesDir });
    const queue = new InProcessJobQueue();
    const reports: string[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const execution = await startEmbeddedExecution({
      db: database.handle.db,
      connectStorage: () => database.connect(),
      blobs: database.blobs,
      queue,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      execution: { flushIntervalMs: 50, cancelPollMs: 200 },
      onRunFinished: (report) => {
        reports.push(report.outcome);
        finished();
      },
    });
    try {
      // Migrated by the thread; written and read from here through it.
      const target = await storeTarget(database.handle.db, database.blobs);
      const run = await newTinyRun(database.handle.db, target);
      await queue.enqueue(run.id);
      await done;
      expect(reports).toEqual(['completed']);
      expect((await getRun(database.handle.db, run.id))?.status).toBe('completed');
      const events = await listRunEventsSince(database.handle.db, run.id, 0, 1000);
      expect(events.filter((event) => event.type === 'iteration-finished')).toHaveLength(3);
      expect(execution.threadIds).not.toContain(database.threadId);
    } finally {
      await execution.stop();
      await database.handle.close();
      await rm(imagesDir, { recursive: true, force: true });
    }
  });
});
