/**
 * Storage across threads. The embedded database (PGlite) can only be used
 * from the thread that opened it, so a run thread gets:
 *
 *   - a stand-in PGlite client (`query`, `transaction`: all drizzle's PGlite
 *     driver calls) whose statements run on the main thread's PGlite, and
 *   - a blob store whose bytes are kept by the main thread's store.
 *
 * drizzle and the worker code above it are unchanged: they see a database.
 * A transaction opened by the thread holds PGlite's lock on the main thread
 * until the thread commits or rolls back (PGlite runs one transaction at a
 * time anyway); if the thread dies, `StorageServer.close` rolls it back.
 */
import { type PGlite, type Results, type Transaction, types } from '@electric-sql/pglite';
import type { BlobStore } from '../../../db/blobStore.js';
import { fromWireError, type RowMode, type StorageRequest, type ToRunThread, type WireError, toWireError } from './protocol.js';

/** drizzle's PGlite driver keeps dates, intervals and numeric arrays as the server's text; so must we, since it maps them itself. */
const TEXT_AS_IS = (value: string): string => value;
const DRIZZLE_PARSERS = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, TEXT_AS_IS]),
);

/** Own copy, exactly as long as the bytes, so it can be moved to the other thread. */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

class Rollback extends Error {}

interface OpenTransaction {
  readonly tx: Transaction;
  readonly decide: (commit: boolean) => void;
  readonly done: Promise<void>;
}

/** The main thread's side: runs a thread's storage requests on the real database and blob store. */
export class StorageServer {
  private readonly transactions = new Map<number, OpenTransaction>();
  private nextTransactionId = 1;
  private closed = false;

  constructor(
    private readonly pglite: PGlite | undefined,
    private readonly blobs: BlobStore,
  ) {}

  /** Answers one request; `transfer` lists buffers to move with the reply. */
  async handle(request: StorageRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
    if (this.closed) throw new Error('storage is closed');
    switch (request.op) {
      case 'query': {
        const options = { rowMode: request.rowMode, parsers: DRIZZLE_PARSERS };
        const params = [...request.params];
        const result: Results = request.txId === undefined ? await this.database().query(request.sql, params, options) : await this.transaction(request.txId).tx.query(request.sql, params, options);
        return { value: { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows }, transfer: [] };
      }
      case 'begin':
        return { value: await this.begin(), transfer: [] };
      case 'end': {
        const open = this.transaction(request.txId);
        this.transactions.delete(request.txId);
        open.decide(request.commit);
        await open.done;
        return { value: null, transfer: [] };
      }
      case 'blob-put':
        return { value: await this.blobs.put(new Uint8Array(request.bytes)), transfer: [] };
      case 'blob-get': {
        const bytes = await this.blobs.get(request.sha);
        if (bytes === undefined) return { value: null, transfer: [] };
        const buffer = ownBuffer(bytes);
        return { value: buffer, transfer: [buffer] };
      }
      case 'blob-has':
        return { value: await this.blobs.has(request.sha), transfer: [] };
    }
  }

  /** Rolls back whatever the thread left open (it died or is being replaced). */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.transactions.values()];
    this.transactions.clear();
    for (const transaction of open) transaction.decide(false);
    await Promise.allSettled(open.map((transaction) => transaction.done));
  }

  private database(): PGlite {
    if (this.pglite === undefined) throw new Error('this run thread has no embedded database to use');
    return this.pglite;
  }

  private transaction(txId: number): OpenTransaction {
    const open = this.transactions.get(txId);
    if (open === undefined) throw new Error(`transaction ${txId} is not open`);
    return open;
  }

  private async begin(): Promise<number> {
    let decide: (commit: boolean) => void = () => undefined;
    const decision = new Promise<boolean>((resolve) => {
      decide = resolve;
    });
    let opened: (tx: Transaction) => void = () => undefined;
    const ready = new Promise<Transaction>((resolve) => {
      opened = resolve;
    });
    const done = this.database()
      .transaction(async (tx) => {
        opened(tx);
        if (!(await decision)) throw new Rollback('rolled back by the run thread');
      })
      .then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        },
      );
    const tx = await Promise.race([ready, done.then(() => Promise.reject(new Error('the transaction ended before it began')))]);
    const txId = this.nextTransactionId++;
    this.transactions.set(txId, { tx, decide, done });
    return txId;
  }
}

/** The thread's side: sends requests, matches replies. */
export class StorageClient {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;

  constructor(private readonly send: (message: { kind: 'storage'; id: number; request: StorageRequest }, transfer: ArrayBuffer[]) => void) {}

  request(request: StorageRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ kind: 'storage', id, request }, transfer);
    });
  }

  /** A reply from the main thread; false if it was not for a storage request. */
  receive(message: Extract<ToRunThread, { kind: 'reply' }>): boolean {
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return false;
    this.pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(fromWireError(message.error));
    return true;
  }

  /** Fails every request still waiting (the main thread went away). */
  failAll(error: WireError): void {
    for (const waiter of this.pending.values()) waiter.reject(fromWireError(error));
    this.pending.clear();
  }

  /** What drizzle's PGlite driver calls on its client, answered by the main thread. */
  pgliteClient(): Pick<PGlite, 'query' | 'transaction'> {
    const query = (txId: number | undefined) =>
      async function query<T>(sql: string, params: unknown[] = [], options: { rowMode?: RowMode } = {}): Promise<Results<T>> {
        return (await client.request({ op: 'query', sql, params, rowMode: options.rowMode ?? 'object', ...(txId !== undefined ? { txId } : {}) })) as Results<T>;
      };
    const client = this;
    return {
      query: query(undefined),
      async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
        const txId = (await client.request({ op: 'begin' })) as number;
        const tx = { query: query(txId) } as unknown as Transaction; // drizzle's driver only queries through it
        let result: T;
        try {
          result = await callback(tx);
        } catch (error) {
          await client.request({ op: 'end', txId, commit: false }).catch(() => undefined);
          throw error;
        }
        await client.request({ op: 'end', txId, commit: true });
        return result;
      },
    } as Pick<PGlite, 'query' | 'transaction'>;
  }

  blobStore(): BlobStore {
    return {
      put: async (bytes) => {
        const buffer = ownBuffer(bytes);
        return (await this.request({ op: 'blob-put', bytes: buffer }, [buffer])) as string;
      },
      get: async (sha) => {
        const buffer = (await this.request({ op: 'blob-get', sha })) as ArrayBuffer | null;
        return buffer === null ? undefined : new Uint8Array(buffer);
      },
      has: async (sha) => (await this.request({ op: 'blob-has', sha })) as boolean,
    };
  }
}

export { toWireError };
