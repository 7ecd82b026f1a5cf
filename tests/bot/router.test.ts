import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationCommandOptionType, ButtonStyle, ComponentType, InteractionResponseType, PermissionFlagsBits } from 'discord-api-types/v10';
import type { Attachment, RateLimitData } from 'discord.js';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { helpCommand } from '../../src/bot/commands/help.js';
import { type CommandArgs, type CommandData, defineCommand } from '../../src/bot/commands/types.js';
import { defineButton } from '../../src/bot/interactions/buttons.js';
import { decodeCustomId, encodeCustomId } from '../../src/bot/interactions/customId.js';
import { UserFacingError } from '../../src/bot/interactions/errors.js';
import { administratorOnly, ownerOrModerator } from '../../src/bot/interactions/preconditions.js';
import { type BotHarness, startBotHarness } from './harness.js';

interface Services {
  challengeOwnerId: string | undefined;
  readonly ran: string[];
  readonly clicks: Array<{ args: readonly string[]; userId: string }>;
}

const services: Services = { challengeOwnerId: undefined, ran: [], clicks: [] };
const SECRET = 'postgres://app:hunter2@db/imageprompt';

const boom = defineCommand({
  data: { name: 'boom', description: 'Fails (public reply)' },
  visibility: 'public',
  async execute() {
    throw new Error(`could not connect to ${SECRET}`);
  },
});

const boomPrivate = defineCommand({
  data: { name: 'boom-private', description: 'Fails (ephemeral reply)' },
  visibility: 'ephemeral',
  async execute() {
    throw new Error(`could not connect to ${SECRET}`);
  },
});

const refuse = defineCommand({
  data: { name: 'refuse', description: 'Refuses with a message for the user' },
  visibility: 'public',
  async execute() {
    throw new UserFacingError('That image is too large: the limit is 10 MB.');
  },
});

// A command that uses services names both type arguments (TypeScript infers all or none).
const closeData = { name: 'close', description: 'Close the challenge (owner or moderators)' } as const satisfies CommandData;
const close = defineCommand<typeof closeData, Services>({
  data: closeData,
  visibility: 'public',
  preconditions: [ownerOrModerator<Services>({ what: 'challenge', ownerIdOf: (_interaction, s) => s.challengeOwnerId, missing: 'This is not a challenge thread.' })],
  async execute(interaction, _args, context) {
    context.services.ran.push('close');
    await interaction.editReply('Challenge closed.');
  },
});

const settingsData = { name: 'settings', description: 'Server settings (administrators)' } as const satisfies CommandData;
const settings = defineCommand<typeof settingsData, Services>({
  data: settingsData,
  visibility: 'ephemeral',
  preconditions: [administratorOnly],
  async execute(interaction, _args, context) {
    context.services.ran.push('settings');
    await interaction.editReply('Settings: vote weight 0.5');
  },
});

const postData = {
  name: 'post',
  description: 'Posts a vote message',
  options: [
    { type: ApplicationCommandOptionType.String, name: 'label', description: 'Label', required: true, max_length: 50 },
    { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'Count', required: true, min_value: 1, max_value: 4 },
    { type: ApplicationCommandOptionType.String, name: 'mode', description: 'Mode', choices: [{ name: 'Fast', value: 'fast' }, { name: 'Slow', value: 'slow' }] },
    { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'An image' },
  ],
} as const satisfies CommandData;

const post = defineCommand({
  data: postData,
  visibility: 'public',
  async execute(interaction, args) {
    expectTypeOf(args).toEqualTypeOf<{
      readonly label: string;
      readonly count: number;
      readonly mode: 'fast' | 'slow' | undefined;
      readonly image: Attachment | undefined;
    }>();
    const image = args.image ? ` ${args.image.name} ${args.image.contentType} ${args.image.size}` : '';
    await interaction.editReply({
      content: `${args.label} ×${args.count} ${args.mode ?? 'default'}${image}`,
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Success, label: 'Up', custom_id: encodeCustomId('vote', 'a1b2c3', 'up') },
            { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Down', custom_id: encodeCustomId('vote', 'a1b2c3', 'down') },
            { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Old', custom_id: encodeCustomId('retired', 'x') },
          ],
        },
      ],
    });
  },
});

const gameData = {
  name: 'game',
  description: 'Subcommands',
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'start', description: 'Start', options: [{ type: ApplicationCommandOptionType.Number, name: 'weight', description: 'λ', required: true }] },
    { type: ApplicationCommandOptionType.Subcommand, name: 'stop', description: 'Stop' },
  ],
} as const satisfies CommandData;

const game = defineCommand({
  data: gameData,
  visibility: 'ephemeral',
  async execute(interaction, args) {
    expectTypeOf(args).toEqualTypeOf<
      { readonly subcommand: 'start'; readonly options: { readonly weight: number } } | { readonly subcommand: 'stop'; readonly options: Record<never, never> }
    >();
    await interaction.editReply(JSON.stringify(args));
  },
});

const slow = defineCommand({
  data: { name: 'slow', description: 'Takes longer than the acknowledgement deadline' },
  visibility: 'public',
  async execute(interaction) {
    await sleep(1500);
    await interaction.editReply('finally');
  },
});

const silent = defineCommand({
  data: { name: 'silent', description: 'Forgets to reply' },
  visibility: 'public',
  async execute() {},
});

const vote = defineButton<Services>({
  prefix: 'vote',
  ack: 'update',
  async execute(interaction, args, context) {
    context.services.clicks.push({ args, userId: interaction.user.id });
    await interaction.editReply({ content: `last vote: ${args[1]} by ${interaction.user.username}` });
  },
});

describe('interaction router on a real client', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await startBotHarness<Services>({
      commands: [helpCommand, boom, boomPrivate, refuse, close, settings, post, game, slow, silent],
      buttons: [vote],
      services,
      // A short deadline makes "deferred before the handler runs" observable with a 1.5 s handler.
      fakeOptions: { ackDeadlineMs: 1000 },
    });
  });
  afterAll(async () => bot?.close());

  describe('error boundary', () => {
    it('turns a crash in a public command into a private generic message: no stack, no secret, with a logged reference', async () => {
      const handle = bot.fake.sendCommand({ name: 'boom' });
      expect((await handle.acknowledged).ephemeral).toBe(false);
      const reply = await handle.reply();
      expect(reply.ephemeral).toBe(true);
      const reference = /logged as ([0-9a-f]{8})/.exec(reply.content)?.[1];
      expect(reply.content).toMatch(/^Something went wrong with \/boom\./);
      expect(reply.content).not.toContain('hunter2');
      expect(reply.content).not.toMatch(/\bat .*\.(ts|js)/);
      // The public "thinking…" placeholder was removed, so the failure is not shown to the channel.
      expect(handle.original()?.deleted).toBe(true);
      expect(bot.fake.messages(bot.fake.guild.channelId).filter((message) => message.id === handle.original()?.id)).toEqual([]);
      const logged = bot.logs.find((line) => line.details.reference === reference);
      expect(logged?.level).toBe('error');
      expect(logged?.details.interaction).toBe('/boom');
      expect(JSON.stringify(logged?.details.error)).toContain('hunter2'); // the operator's log keeps the detail
    });

    it('answers in place when the command was deferred ephemerally', async () => {
      const handle = bot.fake.sendCommand({ name: 'boom-private' });
      const reply = await handle.reply();
      expect(reply.id).toBe(handle.original()?.id);
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toMatch(/^Something went wrong with \/boom-private\./);
      expect(handle.followUps()).toEqual([]);
    });

    it('shows a UserFacingError as written, privately', async () => {
      const reply = await bot.fake.sendCommand({ name: 'refuse' }).reply();
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toBe('That image is too large: the limit is 10 MB.');
      expect(reply.allowedMentions).toEqual({ parse: [] });
    });

    it('defers before the handler runs, so a slow handler still beats the deadline', async () => {
      const handle = bot.fake.sendCommand({ name: 'slow' });
      const ack = await handle.acknowledged;
      expect(ack.ms).toBeLessThan(1000);
      expect((await handle.reply(5000)).content).toBe('finally');
    });

    it('ends the "thinking…" state when a handler forgets to reply', async () => {
      const reply = await bot.fake.sendCommand({ name: 'silent' }).reply();
      expect(reply.content).toBe('Done.');
      expect(bot.logs.some((line) => line.level === 'warn' && line.message === 'command finished without replying')).toBe(true);
    });
  });

  describe('preconditions', () => {
    it('denies a member who is neither owner nor moderator, privately, without running the handler', async () => {
      services.challengeOwnerId = bot.fake.createUser('owner').id;
      const ranBefore = services.ran.length;
      const handle = bot.fake.sendCommand({ name: 'close' });
      const reply = await handle.reply();
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toBe('Only the owner of this challenge or a moderator can do this.');
      expect(services.ran.length).toBe(ranBefore);
      expect(bot.fake.messages(bot.fake.guild.channelId).some((message) => message.content.includes('Only the owner'))).toBe(false);
    });

    it('lets the owner and moderators through', async () => {
      const owner = bot.fake.createUser('challenge-owner');
      services.challengeOwnerId = owner.id;
      const byOwner = await bot.fake.sendCommand({ name: 'close', user: owner }).reply();
      expect(byOwner).toMatchObject({ content: 'Challenge closed.', ephemeral: false });
      const moderator = bot.fake.createUser('mod');
      const byModerator = await bot.fake.sendCommand({ name: 'close', user: moderator, roles: [bot.fake.guild.moderatorRoleId] }).reply();
      expect(byModerator.content).toBe('Challenge closed.');
    });

    it('says why when there is nothing to own here', async () => {
      services.challengeOwnerId = undefined;
      expect((await bot.fake.sendCommand({ name: 'close' }).reply()).content).toBe('This is not a challenge thread.');
    });

    it('reads permissions from the interaction (administrator role, explicit permissions, guild owner)', async () => {
      const denied = await bot.fake.sendCommand({ name: 'settings' }).reply();
      expect(denied.content).toBe('Only server administrators (Manage Server permission) can do this.');
      const admin = bot.fake.createUser('admin');
      expect((await bot.fake.sendCommand({ name: 'settings', user: admin, roles: [bot.fake.guild.adminRoleId] }).reply()).content).toBe('Settings: vote weight 0.5');
      const manager = bot.fake.createUser('manager');
      expect((await bot.fake.sendCommand({ name: 'settings', user: manager, permissions: PermissionFlagsBits.ManageGuild }).reply()).content).toBe('Settings: vote weight 0.5');
      const owner = bot.client.users.cache.get(bot.fake.guild.ownerId);
      expect(owner).toBeDefined();
      const ownerReply = await bot.fake.sendCommand({ name: 'settings', user: { id: bot.fake.guild.ownerId, username: 'Test Guild owner', discriminator: '0', global_name: null, avatar: null } }).reply();
      expect(ownerReply.content).toBe('Settings: vote weight 0.5');
    });
  });

  describe('arguments and buttons', () => {
    it('reads typed options, choices and an attachment the fake serves over HTTP', async () => {
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 3]);
      const handle = bot.fake.sendCommand({ name: 'post', options: { label: 'cats', count: 3, mode: 'slow' }, attachments: { image: { name: 'target.png', contentType: 'image/png', data: png } } });
      const reply = await handle.reply();
      expect(reply.content).toBe(`cats ×3 slow target.png image/png ${png.length}`);
      expect(reply.ephemeral).toBe(false);
      expect(reply.customIds()).toEqual(['vote:a1b2c3:up', 'vote:a1b2c3:down', 'retired:x']);
    });

    it('refuses, like the Discord client, input the schema does not allow', () => {
      expect(() => bot.fake.sendCommand({ name: 'post', options: { label: 'x', count: 9 } })).toThrow(/outside \[1, 4\]/);
      expect(() => bot.fake.sendCommand({ name: 'post', options: { label: 'x' } })).toThrow(/required option "count" missing/);
      expect(() => bot.fake.sendCommand({ name: 'post', options: { label: 'x', count: 1, mode: 'warp' } })).toThrow(/not one of its choices/);
    });

    it('reads subcommands as a discriminated union', async () => {
      const started = await bot.fake.sendCommand({ name: 'game', subcommand: 'start', options: { weight: 0.25 } }).reply();
      expect(JSON.parse(started.content)).toEqual({ subcommand: 'start', options: { weight: 0.25 } });
      const stopped = await bot.fake.sendCommand({ name: 'game', subcommand: 'stop' }).reply();
      expect(JSON.parse(stopped.content)).toEqual({ subcommand: 'stop', options: {} });
    });

    it('routes a button by custom-id prefix, acknowledging with a deferred update of its message', async () => {
      const posted = await bot.fake.sendCommand({ name: 'post', options: { label: 'dogs', count: 1 } }).reply();
      const voter = bot.fake.createUser('voter');
      const click = bot.fake.clickButton(posted.id, 'vote:a1b2c3:down', voter);
      expect((await click.acknowledged).type).toBe(InteractionResponseType.DeferredMessageUpdate);
      await click.waitForResponse((response) => response.kind === 'edit-original');
      expect(services.clicks.at(-1)).toEqual({ args: ['a1b2c3', 'down'], userId: voter.id });
      expect(bot.fake.message(posted.id)?.content).toBe('last vote: down by voter');
      // The vote buttons stay on the message.
      expect(bot.fake.message(posted.id)?.customIds()).toContain('vote:a1b2c3:up');
    });

    it('tells the user privately when a button has no handler any more, leaving the message alone', async () => {
      const posted = await bot.fake.sendCommand({ name: 'post', options: { label: 'birds', count: 2 } }).reply();
      const reply = await bot.fake.clickButton(posted.id, 'retired:x').reply();
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toBe('This button is no longer active.');
      expect(bot.fake.message(posted.id)?.content).toBe('birds ×2 default');
    });
  });

  it('waits out a 429 on the reply route and still delivers the reply', async () => {
    const rateLimits: RateLimitData[] = [];
    const onRateLimited = (data: RateLimitData): void => void rateLimits.push(data);
    bot.client.rest.on('rateLimited', onRateLimited);
    const since = performance.now();
    bot.fake.rateLimitNext('PATCH /webhooks/:app/:token/messages/@original', 400);
    const reply = await bot.fake.sendCommand({ name: 'help' }).reply(5000);
    bot.client.rest.off('rateLimited', onRateLimited);
    expect(reply.embeds[0]?.title).toBe('ImagePrompt');
    const edits = bot.fake.requests.filter((request) => request.at >= since && request.method === 'PATCH' && request.path.endsWith('/messages/@original'));
    expect(edits.map((request) => request.status)).toEqual([429, 200]);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(395);
    expect(rateLimits).toHaveLength(1);
    expect(rateLimits[0]).toMatchObject({ scope: 'user', global: false });
    // @discordjs/rest adds its own safety offset to the server's retry_after.
    expect(rateLimits[0]!.retryAfter).toBeGreaterThanOrEqual(400);
  });

  it('never asked the fake for a route it does not know', () => {
    expect(bot.fake.unhandledRequests()).toEqual([]);
    expect(bot.fake.faults).toEqual([]);
  });
});

describe('custom ids', () => {
  it('round-trip and respect Discord limits', () => {
    const sha = 'f'.repeat(64);
    expect(decodeCustomId(encodeCustomId('vote', sha, 5))).toEqual({ prefix: 'vote', args: [sha, '5'] });
    expect(() => encodeCustomId('vote', 'a:b')).toThrow(RangeError);
    expect(() => encodeCustomId('vote', 'x'.repeat(100))).toThrow(/Discord allows 100/);
  });

  it('types args of a command without options as empty', () => {
    expectTypeOf<CommandArgs<{ readonly name: 'x'; readonly description: 'y' }>>().toEqualTypeOf<Record<never, never>>();
  });
});
