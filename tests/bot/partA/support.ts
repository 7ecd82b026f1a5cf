/**
 * Shared fixtures for the game (part A) tests: an HTTP server on 127.0.0.1
 * that serves attachments the way Discord's CDN would (and misbehaves on
 * demand), an engine-thread environment with no provider keys, a movable
 * clock, and a completed machine run to put on leaderboards.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database } from '../../../src/db/client.js';
import { recordRunEvaluation } from '../../../src/db/repositories/runEvaluations.js';
import { createRun, updateRunStatus } from '../../../src/db/repositories/runs.js';
import type { EvaluationMethod } from '../../../src/db/schema.js';
import { PRESETS } from '../../../src/engine/training/hyperparameters.js';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples', import.meta.url));

export function readSample(name: string): Promise<Uint8Array> {
  return readFile(join(SAMPLES_DIR, name));
}

/**
 * The engine threads' environment: no API keys whatever the developer's shell
 * has, so nothing can reach a real provider, and never a model download.
 */
export function offlineEngineEnv(modelsDir: string): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, IMAGEPROMPT_OFFLINE: '1', IMAGEPROMPT_MODELS_DIR: modelsDir };
}

/** The system clock, moved forward by `advance` (the database still stamps real time). */
export function movableClock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
}

export interface ServedFile {
  readonly body: Uint8Array;
  readonly contentType?: string;
  /** Milliseconds to wait before answering. */
  readonly delayMs?: number;
  /** Send no content-length (chunked), so only the running count can stop an oversized body. */
  readonly chunked?: boolean;
  readonly status?: number;
}

export interface AttachmentServer {
  readonly url: (path: string) => string;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  serve(path: string, file: ServedFile): void;
  close(): Promise<void>;
}

export async function startAttachmentServer(): Promise<AttachmentServer> {
  const files = new Map<string, ServedFile>();
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const send = () => {
      if (response.destroyed) return;
      const headers: Record<string, string> = { 'content-type': file.contentType ?? 'application/octet-stream' };
      if (!file.chunked) headers['content-length'] = String(file.body.byteLength);
      response.writeHead(file.status ?? 200, headers);
      if (file.chunked) {
        for (let offset = 0; offset < file.body.byteLength; offset += 64 * 1024) response.write(file.body.subarray(offset, offset + 64 * 1024));
        response.end();
      } else {
        response.end(file.body);
      }
    };
    if (file.delayMs) setTimeout(send, file.delayMs).unref();
    else send();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    serve: (path, file) => files.set(path, file),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A completed run of the challenge whose evaluations are the machine's leaderboard entries. */
export async function seedMachineRun(
  db: Database,
  challenge: { id: number; targetImageSha: string },
  evaluations: ReadonlyArray<readonly [EvaluationMethod, string, number]>,
): Promise<number> {
  const run = await createRun(db, { challengeId: challenge.id, targetImageSha: challenge.targetImageSha, preset: 'efficient', hyperparameters: PRESETS.efficient });
  for (const [method, prompt, mean] of evaluations) {
    await recordRunEvaluation(db, { runId: run.id, method, prompt, meanSimilarity: mean, sdSimilarity: 0.01, imageShas: [] });
  }
  await updateRunStatus(db, run.id, 'completed');
  return run.id;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
