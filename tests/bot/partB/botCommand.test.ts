/**
 * `imageprompt bot` and `imageprompt register-commands`: settings checked
 * before anything starts (one line, the token never echoed), a token Discord
 * rejects, a full start and graceful stop against the fake Discord, and
 * registering the commands in a guild.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBotCommand } from '../../../src/cli/commands/bot.js';
import { runRegisterCommandsCommand } from '../../../src/cli/commands/registerCommands.js';
import type { CliIo } from '../../../src/cli/optimize/command.js';
import { type FakeDiscord, startFakeDiscord } from '../../support/fakeDiscord/index.js';
import { TEST_TOKEN } from '../harness.js';

class Captured {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

function io(env: Record<string, string | undefined>): CliIo & { out: Captured; err: Captured } {
  const out = new Captured();
  const err = new Captured();
  return { stdout: out as unknown as CliIo['stdout'], stderr: err as unknown as CliIo['stderr'], env, out, err };
}

let fake: FakeDiscord;
let dataDir: string;

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TEST_TOKEN });
  dataDir = await mkdtemp(join(tmpdir(), 'imageprompt-botcmd-'));
});

afterAll(async () => {
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const SECRET = 'MTIz.secret-part.Abc';

describe('imageprompt bot: settings', () => {
  it('stops with one line naming every missing setting', async () => {
    const cli = io({});
    expect(await runBotCommand([], cli)).toBe(1);
    expect(cli.err.text).toBe(
      'imageprompt: Bot configuration: DISCORD_TOKEN is not set: put the bot token from the Developer Portal (Bot page) in it; DISCORD_APPLICATION_ID is not set: copy the Application ID from the Developer Portal.\n',
    );
  });

  it('refuses a malformed token, id or API base without echoing them', async () => {
    const cli = io({ DISCORD_TOKEN: `Bot ${SECRET}`, DISCORD_APPLICATION_ID: '12ab', DISCORD_API_BASE: `https://user:${SECRET}@example.org/api/v10` });
    expect(await runBotCommand([], cli)).toBe(1);
    const lines = cli.err.text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DISCORD_TOKEN contains whitespace');
    expect(lines[0]).toContain('DISCORD_APPLICATION_ID must be a Discord id');
    expect(lines[0]).toContain('DISCORD_API_BASE must not end with a version');
    expect(cli.err.text).not.toContain('secret-part');
    expect(cli.out.text).toBe('');
  });

  it('prints its flags with --help and rejects unknown ones', async () => {
    const cli = io({});
    expect(await runBotCommand(['--help'], cli)).toBe(0);
    expect(cli.out.text).toContain('--run-threads N');
    await expect(runBotCommand(['--run-threads', 'many'], io({}))).rejects.toThrow('--run-threads takes a whole number from 0 to 16 (got "many").');
  });
});

describe('imageprompt bot: against a Discord', () => {
  const env = (token: string, logLevel = 'warn') => ({
    DISCORD_TOKEN: token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_BASE: fake.apiBase,
    IMAGEPROMPT_DATA_DIR: dataDir,
    LOG_LEVEL: logLevel,
  });

  it('says in one line that Discord rejected the token, without echoing it', async () => {
    const cli = io(env('wrong.token-value.xyz'));
    expect(await runBotCommand(['--engine-threads', '1'], cli)).toBe(1);
    expect(cli.err.text).toMatch(/^imageprompt: Discord rejected DISCORD_TOKEN(?: \(401 Unauthorized\))?: copy the bot token again from the Developer Portal \(Bot page\)\.\n$/);
    expect(cli.out.text).not.toContain('wrong.token-value');
  });

  it('starts, answers a command, and stops gracefully on the stop signal', async () => {
    const cli = io(env(TEST_TOKEN, 'info'));
    const stop = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const exit = runBotCommand(['--engine-threads', '1'], cli, { stopSignal: stop.signal, onReady: ready });
    await Promise.race([isReady, exit.then((code) => Promise.reject(new Error(`exited with ${code}: ${cli.err.text}`)))]);
    // /train outside a challenge thread: the bot answers privately (commands are routed without registration in the fake).
    const reply = await fake.sendCommand({ name: 'train', channelId: fake.guild.channelId }).reply(10_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('Use /train inside a challenge’s thread (start one with /challenge create).');
    stop.abort();
    expect(await exit).toBe(0);
    expect(cli.err.text).toBe('');
    expect(cli.out.text).toContain('bot stopped');
    expect(cli.out.text).not.toContain(TEST_TOKEN);
  });
});

describe('imageprompt register-commands', () => {
  it('registers every command in a guild', async () => {
    const cli = io({ DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase });
    expect(await runRegisterCommandsCommand(['--guild', fake.guild.id], cli)).toBe(0);
    const names = fake.registeredCommands(fake.guild.id).map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(['help', 'train', 'stop']));
    expect(cli.out.text).toMatch(new RegExp(`^Registered ${names.length} commands in server ${fake.guild.id} \\(.*/train.*\\)\\.\\n$`));
  });

  it('fails in one line for a bad guild id or missing settings', async () => {
    const env = { DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase };
    const badGuild = io(env);
    expect(await runRegisterCommandsCommand(['--guild', 'general'], badGuild)).toBe(1);
    expect(badGuild.err.text).toBe('imageprompt: --guild must be a Discord server id (17 to 20 digits).\n');
    const missing = io({});
    expect(await runRegisterCommandsCommand([], missing)).toBe(1);
    expect(missing.err.text.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('sharded entry point', () => {
  it('needs DATABASE_URL, and starts `imageprompt bot` per shard with the validated token', async () => {
    const { createShardManager, ShardSetupError } = await import('../../../src/bot/shard.js');
    const base = { DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId };
    expect(() => createShardManager({ env: base })).toThrow(ShardSetupError);
    expect(() => createShardManager({ env: { ...base, DISCORD_TOKEN: 'has space' } })).toThrow('DISCORD_TOKEN contains whitespace');
    const manager = createShardManager({ env: { ...base, DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }, totalShards: 2, botArgs: ['--run-threads', '1'] });
    expect(manager.totalShards).toBe(2);
    expect(manager.shardArgs).toEqual(['bot', '--run-threads', '1']);
    expect(manager.file).toMatch(/src\/cli\/bin\.ts$/);
  });
});
