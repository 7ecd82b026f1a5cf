/**
 * The fake Discord's own contract, exercised through a real discord.js client
 * (createBotClient): what later command tests rely on.
 */
import { once } from 'node:events';
import { type APIMessage, InteractionResponseType, Routes } from 'discord-api-types/v10';
import {
  type ChatInputCommandInteraction,
  type Client,
  DiscordAPIError,
  Events,
  type Interaction,
  MessageFlags,
  type MessageReaction,
  PermissionFlagsBits,
  type PartialMessageReaction,
  type TextChannel,
  type User,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBotClient } from '../../src/bot/client.js';
import { loadBotConfig } from '../../src/bot/config.js';
import { type FakeDiscord, startFakeDiscord } from '../support/fakeDiscord/index.js';
import { TEST_TOKEN } from './harness.js';

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let fake: FakeDiscord;
let client: Client;
let channel: TextChannel;
let onCommand: (interaction: ChatInputCommandInteraction) => Promise<void> = async () => undefined;

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TEST_TOKEN, ackDeadlineMs: 600 });
  client = createBotClient(loadBotConfig({ DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase }));
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (interaction.isChatInputCommand()) void onCommand(interaction).catch(() => undefined);
  });
  const ready = once(client, Events.ClientReady);
  await client.login(TEST_TOKEN);
  await ready;
  channel = client.channels.cache.get(fake.guild.channelId) as TextChannel;
});
afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe('gateway', () => {
  it('gives the client the guild, its channel, roles and members at login', () => {
    const guild = client.guilds.cache.get(fake.guild.id);
    expect(guild?.name).toBe('Test Guild');
    expect(channel.name).toBe('general');
    expect(guild?.roles.cache.has(fake.guild.moderatorRoleId)).toBe(true);
    expect(guild?.members.cache.has(fake.player.id)).toBe(true);
    // The bot's managed role lets it create threads; @everyone alone would not.
    expect(guild?.members.me?.permissions.has(PermissionFlagsBits.CreatePublicThreads)).toBe(true);
    expect(fake.gatewayStats.identifies).toBe(1);
  });

  it('replays what the client missed when it resumes after a dropped connection', async () => {
    let handled = 0;
    onCommand = async (interaction) => {
      handled += 1;
      await interaction.reply({ content: 'after resume', flags: MessageFlags.Ephemeral });
    };
    const restarting = fake.restartGateway();
    // Sent while the client is disconnected: buffered by the session and replayed on RESUME.
    const handle = fake.sendCommand({ name: 'ping' });
    await restarting;
    expect((await handle.reply()).content).toBe('after resume');
    expect(handled).toBe(1);
    expect(fake.gatewayStats.resumes).toBe(1);
    expect(fake.gatewayStats.identifies).toBe(1);
  });
});

describe('interactions', () => {
  it('serves slash-command attachments over HTTP from 127.0.0.1, typed without a registered schema', async () => {
    let downloaded: { bytes: Buffer; type: string | null; width: number | null } | undefined;
    onCommand = async (interaction) => {
      await interaction.deferReply();
      const attachment = interaction.options.getAttachment('image', true);
      const response = await fetch(attachment.url);
      downloaded = { bytes: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type'), width: attachment.width };
      await interaction.editReply(`${interaction.options.getInteger('count')} ${interaction.options.getBoolean('public')}`);
    };
    const handle = fake.sendCommand({ name: 'upload', options: { count: 2, public: true }, attachments: { image: { name: 'a.png', contentType: 'image/png', data: PNG_1x1 } } });
    expect((await handle.reply()).content).toBe('2 true');
    expect(downloaded?.bytes.equals(PNG_1x1)).toBe(true);
    expect(downloaded?.type).toBe('image/png');
    expect(downloaded?.width).toBe(1);
  });

  it('expires an interaction not acknowledged in time, like Discord (10062)', async () => {
    let lateError: unknown;
    onCommand = async (interaction) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      lateError = await interaction.deferReply().catch((error: unknown) => error);
    };
    const handle = fake.sendCommand({ name: 'late' });
    await expect(handle.acknowledged).rejects.toThrow(/not acknowledged within 600 ms/);
    await vi.waitFor(() => expect(lateError).toBeDefined(), { timeout: 3000 });
    expect(lateError).toBeInstanceOf(DiscordAPIError);
    expect((lateError as DiscordAPIError).code).toBe(10062);
  });

  it('refuses a second acknowledgement (40060)', async () => {
    let secondError: unknown;
    onCommand = async (interaction) => {
      await interaction.deferReply();
      secondError = await client.rest
        .post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: InteractionResponseType.DeferredChannelMessageWithSource }, auth: false })
        .catch((error: unknown) => error);
      await interaction.editReply('done');
    };
    await fake.sendCommand({ name: 'twice' }).reply();
    expect((secondError as DiscordAPIError).code).toBe(40060);
  });

  it('makes the first follow-up after a public defer replace the "thinking…" message, public despite its ephemeral flag', async () => {
    onCommand = async (interaction) => {
      await interaction.deferReply();
      await interaction.followUp({ content: 'meant to be private', flags: MessageFlags.Ephemeral });
    };
    const handle = fake.sendCommand({ name: 'trap' });
    const reply = await handle.reply();
    expect(reply.id).toBe(handle.original()?.id);
    expect(reply.ephemeral).toBe(false);
    expect(fake.messages(fake.guild.channelId).some((message) => message.content === 'meant to be private')).toBe(true);
  });
});

describe('messages, threads, files and reactions', () => {
  it('starts a thread from a message (same id), caches it via THREAD_CREATE, and stores multipart uploads', async () => {
    const starter = await channel.send('A new challenge');
    const thread = await starter.startThread({ name: 'Challenge #1' });
    expect(thread.id).toBe(starter.id);
    expect(fake.threads(channel.id).map((candidate) => candidate.name)).toEqual(['Challenge #1']);
    await fake.waitFor(() => client.channels.cache.get(thread.id), 2000, 'the client to cache the thread');
    const sent = await thread.send({ content: 'grid', files: [{ attachment: PNG_1x1, name: 'grid.png', description: 'a 2x2 grid' }] });
    const stored = fake.messages(thread.id).find((message) => message.id === sent.id)!;
    expect(stored.files).toHaveLength(1);
    expect(Buffer.from(stored.files[0]!.bytes).equals(PNG_1x1)).toBe(true);
    expect(stored.files[0]).toMatchObject({ filename: 'grid.png', contentType: 'image/png', description: 'a 2x2 grid' });
    const served = await fetch(sent.attachments.first()!.url);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG_1x1)).toBe(true);
    // Editing keeps the file unless told otherwise, and replaces it when given new ones.
    await sent.edit({ content: 'grid (scored)' });
    expect(fake.message(sent.id)?.files).toHaveLength(1);
    const channelThread = await channel.threads.create({ name: 'Standalone' });
    expect(fake.threads(channel.id).map((candidate) => candidate.id)).toContain(channelThread.id);
  });

  it('delivers reactions on an uncached message to the client (partials) and records the bot\'s own', async () => {
    const message = await channel.send('vote with reactions');
    channel.messages.cache.delete(message.id);
    const voter = fake.createUser('voter');
    const added = once(client, Events.MessageReactionAdd) as Promise<[MessageReaction | PartialMessageReaction, User]>;
    await fake.react(message.id, '👍', voter);
    const [reaction, user] = await added;
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe('👍');
    expect(user.id).toBe(voter.id);
    const fetched = await reaction.message.fetch();
    expect(fetched.content).toBe('vote with reactions');
    const removed = once(client, Events.MessageReactionRemove);
    await fake.unreact(message.id, '👍', voter);
    await removed;
    await fetched.react('🔥');
    expect([...(fake.message(message.id)?.reactions.get('🔥')?.userIds ?? [])]).toEqual([fake.botUser.id]);
  });

  it('computes pings as Discord would: a body without allowed_mentions pings everyone it names', async () => {
    const raw = (await client.rest.post(Routes.channelMessages(channel.id), { body: { content: `hi <@${fake.player.id}> @everyone` } })) as APIMessage;
    expect(fake.message(raw.id)?.pings).toEqual({ users: [fake.player.id], roles: [], everyone: true });
    expect(raw.mentions.map((user) => user.id)).toEqual([fake.player.id]);
    const safe = await channel.send(`hi <@${fake.player.id}> @everyone`);
    expect(fake.message(safe.id)?.pings).toEqual({ users: [], roles: [], everyone: false });
  });

  it('rejects what Discord rejects: over-long content (50035), an empty message (50006)', async () => {
    const tooLong = await channel.send('x'.repeat(2001)).catch((error: unknown) => error);
    expect((tooLong as DiscordAPIError).code).toBe(50035);
    const empty = await client.rest.post(Routes.channelMessages(channel.id), { body: { content: '' } }).catch((error: unknown) => error);
    expect((empty as DiscordAPIError).code).toBe(50006);
  });

  it('sends GUILD_CREATE when a guild is added after login (the bot joined a server)', async () => {
    const joined = once(client, Events.GuildCreate);
    const guild = fake.createGuild('Second Guild');
    await joined;
    expect(client.guilds.cache.get(guild.id)?.channels.cache.has(guild.channelId)).toBe(true);
  });

  it('asked for no route the fake lacks and crashed nothing', () => {
    expect(fake.unhandledRequests()).toEqual([]);
    expect(fake.faults).toEqual([]);
  });
});

describe('a bot restart', () => {
  it('lets a new client log in after the old one is destroyed, keeping every message, and routes interactions to it', async () => {
    const before = await channel.send('posted before the restart');
    await client.destroy();
    client = createBotClient(loadBotConfig({ DISCORD_TOKEN: TEST_TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase }));
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      if (interaction.isChatInputCommand()) void interaction.reply({ content: 'new process', flags: MessageFlags.Ephemeral });
    });
    const ready = once(client, Events.ClientReady);
    await client.login(TEST_TOKEN);
    await ready;
    expect(fake.gatewayStats.identifies).toBe(2);
    expect((await fake.sendCommand({ name: 'status' }).reply()).content).toBe('new process');
    const refetched = await (client.channels.cache.get(fake.guild.channelId) as TextChannel).messages.fetch(before.id);
    expect(refetched.content).toBe('posted before the restart');
  });
});
