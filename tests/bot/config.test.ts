import { describe, expect, it } from 'vitest';
import { BotConfigError, DEFAULT_DISCORD_API_BASE, loadBotConfig } from '../../src/bot/config.js';

const TOKEN = 'MTIz.NDU2.secret-token-value';
const APP_ID = '123456789012345678';

function errorOf(env: Record<string, string | undefined>): BotConfigError {
  try {
    loadBotConfig(env);
  } catch (error) {
    if (error instanceof BotConfigError) return error;
    throw error;
  }
  throw new Error('expected a BotConfigError');
}

describe('loadBotConfig', () => {
  it('accepts a valid environment and defaults the API base to Discord', () => {
    expect(loadBotConfig({ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID })).toEqual({ token: TOKEN, applicationId: APP_ID, apiBase: DEFAULT_DISCORD_API_BASE });
    expect(DEFAULT_DISCORD_API_BASE).toBe('https://discord.com/api');
  });

  it('normalises DISCORD_API_BASE (trailing slash) and keeps its path', () => {
    const config = loadBotConfig({ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_BASE: 'http://127.0.0.1:4000/api/' });
    expect(config.apiBase).toBe('http://127.0.0.1:4000/api');
  });

  it.each([
    [{ DISCORD_APPLICATION_ID: APP_ID }, 'DISCORD_TOKEN is not set'],
    [{ DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: APP_ID }, 'DISCORD_TOKEN is not set'],
    [{ DISCORD_TOKEN: `Bot ${TOKEN}`, DISCORD_APPLICATION_ID: APP_ID }, 'DISCORD_TOKEN contains whitespace'],
    [{ DISCORD_TOKEN: `${TOKEN}\n`, DISCORD_APPLICATION_ID: APP_ID }, 'DISCORD_TOKEN contains whitespace'],
    [{ DISCORD_TOKEN: TOKEN }, 'DISCORD_APPLICATION_ID is not set'],
    [{ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: 'my-bot' }, 'DISCORD_APPLICATION_ID must be a Discord id'],
    [{ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: '1234' }, 'DISCORD_APPLICATION_ID must be a Discord id'],
    [{ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_BASE: 'not a url' }, 'DISCORD_API_BASE is not a URL'],
    [{ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_BASE: 'ftp://example.com/api' }, 'DISCORD_API_BASE must be an http(s) URL'],
    [{ DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_BASE: 'https://discord.com/api/v10' }, 'must not end with a version'],
  ])('refuses %j with one clear line (%s) that never echoes the token', (env, expected) => {
    const error = errorOf(env);
    expect(error.message).toContain(expected);
    expect(error.message).toMatch(/^Bot configuration: /);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('secret-token-value');
  });

  it('reports every problem at once, still on one line', () => {
    const error = errorOf({ DISCORD_TOKEN: ' secret-token-value ', DISCORD_APPLICATION_ID: 'x', DISCORD_API_BASE: 'https://user:hunter2@example.com/api?x=1' });
    expect(error.message.split('; ')).toHaveLength(3);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('secret-token-value');
    expect(error.message).not.toContain('hunter2');
  });
});
