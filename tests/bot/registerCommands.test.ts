import { ApplicationCommandOptionType, InteractionContextType } from 'discord-api-types/v10';
import { DiscordAPIError } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/bot/commands/index.js';
import type { CommandData } from '../../src/bot/commands/types.js';
import { BotConfigError, type BotConfig } from '../../src/bot/config.js';
import { registerCommands } from '../../src/bot/registerCommands.js';
import { type FakeDiscord, startFakeDiscord } from '../support/fakeDiscord/index.js';
import { TEST_TOKEN } from './harness.js';

const extra = {
  name: 'guess',
  description: 'Write a prompt for the target image',
  contexts: [InteractionContextType.Guild],
  options: [{ type: ApplicationCommandOptionType.String, name: 'prompt', description: 'Your prompt', required: true, max_length: 300 }],
} as const satisfies CommandData;

describe('registerCommands', () => {
  let fake: FakeDiscord;
  let config: BotConfig;
  beforeAll(async () => {
    fake = await startFakeDiscord({ token: TEST_TOKEN });
    config = { token: TEST_TOKEN, applicationId: fake.applicationId, apiBase: fake.apiBase };
  });
  afterAll(async () => fake?.close());

  it('bulk-overwrites the global commands with every command module by default', async () => {
    const registered = await registerCommands({ config });
    const request = fake.requests.at(-1)!;
    expect(request.method).toBe('PUT');
    expect(request.path).toBe(`/applications/${fake.applicationId}/commands`);
    expect(request.authorization).toBe('bot');
    expect(request.json).toEqual(commands.map((command) => command.data));
    const names = commands.map((command) => command.data.name);
    expect(names).toEqual(expect.arrayContaining(['help', 'challenge', 'guess', 'train', 'stop', 'leaderboard', 'profile', 'settings']));
    expect(registered.map((command) => command.name)).toEqual(names);
    expect(fake.registeredCommands().map((command) => command.name)).toEqual(names);
  });

  it('bulk-overwrites one guild, keeping ids of commands that stay and dropping the rest', async () => {
    const first = await registerCommands({ config, guildId: fake.guild.id, commands: [commands[0]!.data, extra] });
    expect(fake.requests.at(-1)!.path).toBe(`/applications/${fake.applicationId}/guilds/${fake.guild.id}/commands`);
    expect(fake.requests.at(-1)!.json).toEqual([commands[0]!.data, extra]);
    expect(first.map((command) => command.name)).toEqual(['help', 'guess']);
    const second = await registerCommands({ config, guildId: fake.guild.id, commands: [extra] });
    expect(second).toHaveLength(1);
    expect(second[0]!.id).toBe(first[1]!.id);
    expect(fake.registeredCommands(fake.guild.id).map((command) => command.name)).toEqual(['guess']);
  });

  it('refuses a malformed guild id before sending anything', async () => {
    const before = fake.requests.length;
    await expect(registerCommands({ config, guildId: 'my-server' })).rejects.toBeInstanceOf(BotConfigError);
    expect(fake.requests.length).toBe(before);
  });

  it('surfaces Discord rejecting a schema (Invalid Form Body)', async () => {
    const invalid = { name: 'Guess', description: 'Upper-case names are invalid' } as const satisfies CommandData;
    const error = await registerCommands({ config, commands: [invalid] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50035);
  });

  it('is refused with a wrong token', async () => {
    const error = await registerCommands({ config: { ...config, token: 'wrong' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(401);
  });
});
