/**
 * Opening databases: the clear one-line errors for a bad DATABASE_URL, schema
 * isolation, and PGlite keeping its data on disk.
 *
 * The local PostgreSQL trusts every connection from 127.0.0.1, so it accepts
 * any password and a real "wrong password" cannot be provoked there. That
 * case runs against a minimal fake server speaking the PostgreSQL wire
 * protocol (asks for a password, answers SQLSTATE 28P01), so the real
 * `postgres` client goes through its real authentication failure path.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseConnectionError, type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { getPlayer, upsertPlayer } from '../../src/db/repositories/players.js';
import { dropTestSchema, openTestDatabase, postgresTestUrl, TEST_BACKENDS } from '../support/db.js';

const SECRET = 'hunter2-Sup3rSecret';

async function connectionFailure(url: string, connectTimeoutSeconds?: number) {
  const started = performance.now();
  const error = await openDatabase({ url, ...(connectTimeoutSeconds ? { connectTimeoutSeconds } : {}) }).then(
    async (handle) => {
      await handle.close();
      throw new Error('connected, but should have failed');
    },
    (reason: unknown) => reason,
  );
  const elapsedMs = performance.now() - started;
  expect(error).toBeInstanceOf(DatabaseConnectionError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message).not.toContain(SECRET);
  return { message, elapsedMs };
}

function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(onSocket);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One backend message: type byte, int32 length (including itself), body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

describe('openDatabase with a bad DATABASE_URL', () => {
  const sockets = new Set<Socket>();
  let passwordServer: { server: Server; port: number };
  let silentServer: { server: Server; port: number };
  const passwordsReceived: string[] = [];

  beforeAll(async () => {
    // Asks for a cleartext password, then refuses it the way PostgreSQL does.
    passwordServer = await listen((socket) => {
      sockets.add(socket);
      let startupSeen = false;
      socket.on('data', (chunk) => {
        if (!startupSeen) {
          startupSeen = true;
          const askCleartext = Buffer.alloc(4);
          askCleartext.writeInt32BE(3);
          socket.write(message('R', askCleartext));
          return;
        }
        if (chunk.subarray(0, 1).toString('latin1') === 'p') {
          passwordsReceived.push(chunk.subarray(5, chunk.length - 1).toString('utf8'));
          const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "alice"'];
          socket.end(message('E', Buffer.from(`${fields.join('\0')}\0\0`, 'utf8')));
        }
      });
    });
    // Accepts the connection and never says a word.
    silentServer = await listen((socket) => sockets.add(socket));
  });
  afterAll(async () => {
    await closeServer(passwordServer.server, sockets);
    await closeServer(silentServer.server, sockets);
  });

  it('a malformed URL or a foreign scheme fails before any connection', async () => {
    const garbage = await connectionFailure(`not a url ${SECRET}`);
    expect(garbage.message).toBe('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database).');
    const mysql = await connectionFailure(`mysql://alice:${SECRET}@127.0.0.1/game`);
    expect(mysql.message).toMatch(/^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
    expect(garbage.elapsedMs + mysql.elapsedMs).toBeLessThan(200);
  });

  it('a closed port says connection refused, at once', async () => {
    const { message, elapsedMs } = await connectionFailure(`postgres://alice:${SECRET}@127.0.0.1:1/game`);
    expect(message).toBe('Cannot connect to PostgreSQL at 127.0.0.1:1: connection refused (is the server running and listening there?).');
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('a server that never answers fails after the connect timeout', async () => {
    const { message, elapsedMs } = await connectionFailure(`postgres://alice:${SECRET}@127.0.0.1:${silentServer.port}/game`, 1);
    expect(message).toBe(`Cannot connect to PostgreSQL at 127.0.0.1:${silentServer.port}: no answer in time (check host, port and firewall).`);
    expect(elapsedMs).toBeGreaterThan(900);
    expect(elapsedMs).toBeLessThan(3000);
  });

  it('a wrong password names the user and the server, never the password', async () => {
    const { message, elapsedMs } = await connectionFailure(`postgres://alice:${SECRET}@127.0.0.1:${passwordServer.port}/game`);
    expect(passwordsReceived).toContain(SECRET); // the client really did try the password
    expect(message).toBe(`PostgreSQL at 127.0.0.1:${passwordServer.port} rejected the password for user "alice".`);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('an unknown database or role on the real server is named plainly', async () => {
    const base = new URL(await postgresTestUrl());
    const noDatabase = new URL(base);
    noDatabase.pathname = '/no_such_database_here';
    noDatabase.password = SECRET;
    const missing = await connectionFailure(noDatabase.href);
    expect(missing.message).toBe(
      `PostgreSQL at ${base.hostname}:${base.port} has no database "no_such_database_here" (create it, or fix the name in DATABASE_URL).`,
    );
    const noRole = new URL(base);
    noRole.username = 'no_such_role_here';
    noRole.password = SECRET;
    const refused = await connectionFailure(noRole.href);
    expect(refused.message).toMatch(/does not let user "no_such_role_here" in/);
    expect(missing.elapsedMs + refused.elapsedMs).toBeLessThan(1000);
  });
});

describe.each(TEST_BACKENDS)('schemas isolate suites on %s', (backend) => {
  const handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const handle of handles) await dropTestSchema(handle);
  });

  it('a row written in one schema is invisible from another', async () => {
    const first = await openTestDatabase(backend);
    handles.push(first);
    await migrate(first);
    await upsertPlayer(first.db, { id: 'isolated-player', displayName: 'Ada' });
    expect(await getPlayer(first.db, 'isolated-player')).toMatchObject({ displayName: 'Ada' });
    if (backend === 'pglite') await first.close(); // one schema at a time on a PGlite instance

    const second = await openTestDatabase(backend);
    handles.push(second);
    await migrate(second);
    expect(await getPlayer(second.db, 'isolated-player')).toBeUndefined();
  });
});

describe('PGlite on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imageprompt-pglite-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a data folder that cannot be created fails with one clear line', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const error = await openDatabase({ dataDir: join(blocker, 'db') }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DatabaseConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`^Cannot open the embedded database in ${blocker}/db: [^\\n]+$`));
  });

  it('keeps data across close and reopen', async () => {
    const dataDir = join(dir, 'nested', 'db');
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    await migrate(first);
    await upsertPlayer(first.db, { id: 'disk-player', displayName: 'Grace' });
    await first.close();

    const second = await openDatabase({ dataDir });
    try {
      await migrate(second);
      expect(await getPlayer(second.db, 'disk-player')).toMatchObject({ displayName: 'Grace', points: 0 });
    } finally {
      await second.close();
    }
  });
});

describe('embedded database ownership', () => {
  it('refuses a second process on the same PGlite folder, and takes over a stale lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imageprompt-lock-'));
    const dataDir = join(dir, 'db');
    try {
      // Another live process holds the lock.
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      await writeFile(`${dataDir}.lock`, String(other.pid));
      await expect(openDatabase({ dataDir })).rejects.toThrow(`The embedded database in ${dataDir} is in use by process ${other.pid}`);
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
      // Its process is gone: the lock is stale and taken over; closing releases it.
      const handle = await openDatabase({ dataDir });
      await handle.close();
      const reopened = await openDatabase({ dataDir });
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
