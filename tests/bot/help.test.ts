import { InteractionResponseType } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpCommand, helpEmbed, helpEntries } from '../../src/bot/commands/help.js';
import type { CommandData } from '../../src/bot/commands/types.js';
import { type BotHarness, startBotHarness } from './harness.js';

describe('/help against a real discord.js client on the fake Discord', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await startBotHarness({ commands: [helpCommand], services: {} });
  });
  afterAll(async () => bot?.close());

  it('is deferred (ephemeral) well within 3 s, then answered with the command list', async () => {
    const handle = bot.fake.sendCommand({ name: 'help' });
    const ack = await handle.acknowledged;
    expect(ack.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect(ack.ephemeral).toBe(true);
    expect(ack.ms).toBeLessThan(3000);
    const reply = await handle.reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.embeds).toHaveLength(1);
    expect(reply.embeds[0]!.title).toBe('ImagePrompt');
    expect(reply.embeds[0]!.description).toContain('**/help [command]** — How ImagePrompt works');
    // Ephemeral: nobody else sees it in the channel.
    expect(bot.fake.messages(bot.fake.guild.channelId).map((message) => message.id)).not.toContain(reply.id);
    expect(bot.acks.at(-1)).toMatchObject({ kind: 'command', name: 'help' });
    expect(bot.acks.at(-1)!.ms).toBeLessThan(3000);
    expect(bot.fake.unhandledRequests()).toEqual([]);
    expect(bot.logs).toEqual([]);
  });

  it('sends every message with allowed_mentions.parse empty, so echoed text cannot ping', async () => {
    const echoed = '<@&123456789012345678> @everyone <@123456789012345678>';
    const handle = bot.fake.sendCommand({ name: 'help', options: { command: echoed.slice(0, 32) } });
    const reply = await handle.reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('There is no /<@&123456789012345678> @everyone');
    expect(reply.allowedMentions).toEqual({ parse: [] });
    expect(reply.pings).toEqual({ users: [], roles: [], everyone: false });
    expect(bot.fake.messageWrites.length).toBeGreaterThan(0);
    for (const write of bot.fake.messageWrites) expect(write.allowedMentions?.parse).toEqual([]);
  });

  it('shows one command in detail', async () => {
    const reply = await bot.fake.sendCommand({ name: 'help', options: { command: '/help' } }).reply();
    expect(reply.embeds[0]).toEqual({ title: '/help', description: '**/help [command]** — How ImagePrompt works and what each command does', type: 'rich' });
  });
});

describe('help text from command schemas', () => {
  const challenge = {
    name: 'challenge',
    description: 'Challenges',
    options: [
      { type: 1, name: 'create', description: 'Post a target image', options: [{ type: 11, name: 'image', description: 'The target', required: true }, { type: 3, name: 'title', description: 'A title' }] },
      { type: 1, name: 'list', description: 'Open challenges' },
    ],
  } as const satisfies CommandData;

  it('lists each subcommand with required and [optional] options', () => {
    expect(helpEntries([challenge])).toEqual([
      { usage: '/challenge create', description: 'Post a target image', options: ['image', '[title]'] },
      { usage: '/challenge list', description: 'Open challenges', options: [] },
    ]);
    expect(helpEmbed([challenge], 'challenge').description).toBe('**/challenge create image [title]** — Post a target image\n**/challenge list** — Open challenges');
  });
});
