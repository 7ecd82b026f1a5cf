import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from '../support/fakeDiscord/index.js';
import { postgresTestUrl } from '../support/db.js';
import { runCli } from '../support/cli.js';

let discord: FakeDiscord;
let liveUrl: string;

beforeAll(async () => {
  discord = await startFakeDiscord();
  liveUrl = await postgresTestUrl();
});

afterAll(async () => {
  await discord.close();
});

describe('imageprompt health', () => {
  it('reports a live database and a reachable Discord', async () => {
    const run = await runCli(['health', '--role', 'bot'], {
      env: { DATABASE_URL: liveUrl, DISCORD_TOKEN: 'test-token', DISCORD_APPLICATION_ID: discord.applicationId, DISCORD_API_BASE: discord.apiBase },
    });
    expect(run.stdout).toMatch(/^ok +database +PostgreSQL answered in \d+ ms$/m);
    expect(run.stdout).toMatch(/^ok +discord +reachable in \d+ ms$/m);
    expect(run.stdout).toMatch(/^ok +providers/m);
  });

  it('fails with a clear line when the database does not answer', async () => {
    const run = await runCli(['health', '--role', 'worker'], { env: { DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/test' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL +database +.*refused/m);
    expect(run.stdout).not.toContain('hunter2');
    // A worker does not need Discord.
    expect(run.stdout).not.toContain('discord');
  });

  it('fails the bot role when Discord is not configured, naming the variable but never the token', async () => {
    const run = await runCli(['health', '--role', 'bot'], { env: { DATABASE_URL: liveUrl, DISCORD_TOKEN: 'has whitespace secret', DISCORD_APPLICATION_ID: '' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL +discord .*DISCORD_/m);
    expect(run.stdout).not.toContain('secret');
  });
});
