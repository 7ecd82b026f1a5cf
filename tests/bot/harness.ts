/**
 * A real discord.js client (from `createBotClient`) logged in to the fake
 * Discord, with the interaction router attached and the commands registered in
 * the fake's guild (so the fake types options from the real schemas).
 */
import { once } from 'node:events';
import { type Client, Events } from 'discord.js';
import { createBotClient } from '../../src/bot/client.js';
import type { Command } from '../../src/bot/commands/types.js';
import { type BotConfig, loadBotConfig } from '../../src/bot/config.js';
import type { ButtonHandler } from '../../src/bot/interactions/buttons.js';
import { createInteractionRouter } from '../../src/bot/interactions/router.js';
import type { BotLogger } from '../../src/bot/logger.js';
import { registerCommands } from '../../src/bot/registerCommands.js';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from '../support/fakeDiscord/index.js';

export interface LoggedLine {
  readonly level: 'error' | 'warn' | 'info';
  readonly details: Record<string, unknown>;
  readonly message: string;
}

export interface BotHarness {
  readonly fake: FakeDiscord;
  readonly client: Client;
  readonly config: BotConfig;
  readonly logs: LoggedLine[];
  /** What the router's `onAcknowledged` reported. */
  readonly acks: Array<{ kind: 'command' | 'button'; name: string; ms: number }>;
  close(): Promise<void>;
}

export const TEST_TOKEN = 'fake-bot-token.for-tests.only';

export function recordingLogger(logs: LoggedLine[]): BotLogger {
  return {
    error: (details, message) => logs.push({ level: 'error', details, message }),
    warn: (details, message) => logs.push({ level: 'warn', details, message }),
    info: (details, message) => logs.push({ level: 'info', details, message }),
  };
}

export async function startBotHarness<Services>(options: {
  readonly commands: readonly Command<Services>[];
  readonly buttons?: readonly ButtonHandler<Services>[];
  readonly services: Services;
  readonly fakeOptions?: FakeDiscordOptions;
}): Promise<BotHarness> {
  const fake = await startFakeDiscord({ token: TEST_TOKEN, ...options.fakeOptions });
  const config = loadBotConfig({ DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase });
  await registerCommands({ config, guildId: fake.guild.id, commands: options.commands.map((command) => command.data) });
  const logs: LoggedLine[] = [];
  const acks: BotHarness['acks'] = [];
  const client = createBotClient(config);
  createInteractionRouter({
    commands: options.commands,
    buttons: options.buttons ?? [],
    services: options.services,
    logger: recordingLogger(logs),
    onAcknowledged: (ack) => acks.push({ ...ack }),
  }).attach(client);
  const ready = once(client, Events.ClientReady);
  await client.login(config.token);
  await ready;
  return {
    fake,
    client,
    config,
    logs,
    acks,
    async close() {
      await client.destroy();
      await fake.close();
    },
  };
}
