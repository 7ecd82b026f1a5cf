/**
 * `imageprompt migrate` and `imageprompt worker` at start-up: they say what
 * they did, and a database that does not answer gives one clear line and a
 * non-zero exit, never the password.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrateCommand } from '../../src/cli/commands/migrate.js';
import { runWorkerCommand } from '../../src/cli/commands/worker.js';
import { openDatabase } from '../../src/db/client.js';
import { postgresTestUrl, uniqueSchemaName } from '../support/db.js';

interface CapturedIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  out: () => string;
  err: () => string;
}

function captureIo(env: NodeJS.ProcessEnv): CapturedIo {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        append(String(chunk));
        callback();
      },
    });
  return {
    stdout: sink((text) => {
      out += text;
    }),
    stderr: sink((text) => {
      err += text;
    }),
    env: { LOG_LEVEL: 'info', ...env },
    out: () => out,
    err: () => err,
  };
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SECRET = 'hunter2-not-echoed';

describe('imageprompt migrate', () => {
  const schema = uniqueSchemaName('mig');
  const queueSchema = `${schema}_q`;
  let url: string;
  beforeAll(async () => {
    url = await postgresTestUrl();
  });
  afterAll(async () => {
    const handle = await openDatabase({ url, maxConnections: 1 });
    await handle.db.execute(sql.raw(`drop schema if exists "${schema}" cascade; drop schema if exists "${queueSchema}" cascade`));
    await handle.close();
  });

  it('applies the migrations and installs the job queue, then finds nothing to do', async () => {
    const first = captureIo({ DATABASE_URL: url });
    expect(await runMigrateCommand(['--schema', schema, '--queue-schema', queueSchema], first)).toBe(0);
    expect(first.out()).toMatch(new RegExp(`^Applied 1 migration to PostgreSQL at 127\\.0\\.0\\.1:5432/test \\(schema ${schema}\\): 0000_init\\.$`, 'm'));
    expect(first.out()).toContain(`Job queue ready in schema ${queueSchema}.`);
    const second = captureIo({ DATABASE_URL: url });
    expect(await runMigrateCommand(['--schema', schema, '--queue-schema', queueSchema], second)).toBe(0);
    expect(second.out()).toContain('is up to date (1 migration applied).');
    expect(first.err() + second.err()).toBe('');
  });

  it('fails with one line when PostgreSQL refuses the connection', async () => {
    const port = await closedPort();
    const io = captureIo({ DATABASE_URL: `postgres://someone:${SECRET}@127.0.0.1:${port}/test` });
    expect(await runMigrateCommand([], io)).toBe(1);
    expect(io.err()).toBe(`imageprompt: Cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused (is the server running and listening there?).\n`);
    expect(io.out()).toBe('');
  });

  it('fails with one line for a URL that is not PostgreSQL', async () => {
    const io = captureIo({ DATABASE_URL: `mysql://root:${SECRET}@127.0.0.1/test` });
    expect(await runMigrateCommand([], io)).toBe(1);
    expect(io.err()).toMatch(/^imageprompt: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ .*\n$/);
    expect(io.err()).not.toContain(SECRET);
  });
});

describe('imageprompt worker at start-up', () => {
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imageprompt-worker-cli-'));
    // Accepts connections and never says a word: a server that does not answer.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails with one line, exit 1, when PostgreSQL refuses the connection', async () => {
    const port = await closedPort();
    const io = captureIo({ DATABASE_URL: `postgres://someone:${SECRET}@127.0.0.1:${port}/test`, IMAGEPROMPT_DATA_DIR: dataDir });
    expect(await runWorkerCommand(['--concurrency', '2'], io)).toBe(1);
    expect(io.err()).toBe(`imageprompt: Cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused (is the server running and listening there?).\n`);
    expect(io.out()).not.toContain(SECRET);
  });

  it('fails with one line, exit 1, when the server does not answer', async () => {
    const io = captureIo({ DATABASE_URL: `postgres://someone:${SECRET}@127.0.0.1:${silentPort}/test`, IMAGEPROMPT_DATA_DIR: dataDir });
    const started = Date.now();
    expect(await runWorkerCommand([], io)).toBe(1);
    expect(io.err()).toBe(`imageprompt: Cannot connect to PostgreSQL at 127.0.0.1:${silentPort}: no answer in time (check host, port and firewall).\n`);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('rejects bad flags before touching the database', async () => {
    const io = captureIo({ DATABASE_URL: `postgres://someone:${SECRET}@127.0.0.1:1/test` });
    await expect(runWorkerCommand(['--concurrency', '0'], io)).rejects.toThrow('--concurrency takes a whole number of at least 1 (got "0").');
    await expect(runWorkerCommand(['--stale-after-seconds', '5', '--heartbeat-seconds', '10'], io)).rejects.toThrow(/must exceed --heartbeat-seconds/);
    await expect(runWorkerCommand(['--bogus'], io)).rejects.toThrow(/Unknown option '--bogus'/);
  });

  it('runs on the embedded database without DATABASE_URL and stops cleanly', async () => {
    const io = captureIo({ IMAGEPROMPT_DATA_DIR: dataDir });
    const stop = new AbortController();
    const status = await runWorkerCommand([], io, { stopSignal: stop.signal, onReady: () => stop.abort() });
    expect(status).toBe(0);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; queue?: string; database?: string });
    expect(lines.map((line) => line.msg)).toEqual([
      expect.stringContaining('worker started (embedded database'),
      'stopping: runs in progress checkpoint and go back to the queue',
      'worker stopped',
    ]);
    expect(lines[0]).toMatchObject({ queue: 'in-process', database: `embedded database in ${join(dataDir, 'db')}` });
  }, 30_000);
});
