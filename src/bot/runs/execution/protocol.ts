/**
 * What the bot's threads say to each other (types only; every side imports
 * this file). A run thread owns no storage: every SQL statement and every
 * blob goes to whoever holds the embedded database (PGlite lives in one
 * thread of one process) — the database thread, or the main thread when the
 * PGlite instance was opened there.
 */
import type { MessagePort } from 'node:worker_threads';
import type { RunExecutionReport } from '../../../worker/executeRun.js';

/** Passed as `workerData`. */
export interface RunThreadData {
  /** The claim on runs is held in this name. */
  readonly workerId: string;
  /** PostgreSQL URL: the thread opens its own connection instead of sending SQL to the main thread. */
  readonly databaseUrl?: string;
  /** With `databaseUrl`: the schema of the tables. */
  readonly databaseSchema?: string;
  /** A connection to the database thread (moved in the transfer list); without it, storage requests go to the parent. */
  readonly storagePort?: MessagePort;
  readonly logLevel: string;
  /** Heartbeat, cancel polling and batching (milliseconds), as `executeRun` takes them. */
  readonly execution: {
    readonly heartbeatMs?: number;
    readonly staleAfterMs?: number;
    readonly cancelPollMs?: number;
    readonly flushIntervalMs?: number;
    readonly feedbackPollMs?: number;
    readonly shutdownGraceMs?: number;
  };
}

export type RowMode = 'array' | 'object';

/** Passed as `workerData` to the database thread. */
export interface DatabaseThreadData {
  /** PGlite data folder (created if missing), or `memory://…`. */
  readonly dataDir: string;
  /** The blob store's folder (a `LocalDirectoryBlobStore` there). */
  readonly imagesDir: string;
}

export type ToDatabaseThread =
  | { readonly kind: 'storage'; readonly id: number; readonly request: StorageRequest }
  /** Serve storage requests arriving on this port too (a run thread's connection). */
  | { readonly kind: 'connect'; readonly port: MessagePort }
  | { readonly kind: 'close' };

export type FromDatabaseThread =
  | Extract<ToRunThread, { kind: 'reply' }>
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed-to-start'; readonly error: WireError }
  | { readonly kind: 'closed' };

/** A request the thread makes of the main thread; each gets one `Reply` with the same id. */
export type StorageRequest =
  | { readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[]; readonly rowMode: RowMode; readonly txId?: number }
  | { readonly op: 'begin' }
  | { readonly op: 'end'; readonly txId: number; readonly commit: boolean }
  | { readonly op: 'blob-put'; readonly bytes: ArrayBuffer }
  | { readonly op: 'blob-get'; readonly sha: string }
  | { readonly op: 'blob-has'; readonly sha: string };

/** An error as it crosses threads: what callers look at (a PostgreSQL error's SQLSTATE `code`). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type FromRunThread =
  | { readonly kind: 'storage'; readonly id: number; readonly request: StorageRequest }
  | { readonly kind: 'report'; readonly id: number; readonly report: RunExecutionReport }
  | { readonly kind: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly kind: 'log'; readonly line: string };

export type ToRunThread =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly kind: 'execute'; readonly id: number; readonly runId: number }
  /** The bot is shutting down: runs checkpoint, go back to the queue, and report `released`. */
  | { readonly kind: 'shutdown' };

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  return error;
}
