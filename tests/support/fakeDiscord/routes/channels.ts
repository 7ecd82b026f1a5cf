/** Channel, message, thread, reaction and guild routes (all need `Authorization: Bot …`). */
import {
  type APIPartialEmoji,
  type APIThreadChannel,
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import { buildThread } from '../fixtures.js';
import type { RestRouter } from '../http.js';
import type { FakeMessage } from '../messages.js';
import { nextSnowflake } from '../snowflake.js';
import { HttpError, parseMessageBody } from '../validation.js';
import { type RouteContext, applyUploads, dispatchMessageEvent, json, logWrite, messageJSON, noContent } from './context.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `👍` or `name:id` (custom emoji), as discord.js puts them in reaction URLs. */
export function parseEmoji(raw: string): APIPartialEmoji {
  const custom = /^(?:a:)?([\w~-]+):(\d{17,20})$/.exec(raw);
  return custom ? { id: custom[2]!, name: custom[1]! } : { id: null, name: raw };
}

const AUTO_ARCHIVE = new Set([60, 1440, 4320, 10080]);

export function addReaction(context: RouteContext, message: FakeMessage, emoji: APIPartialEmoji, userId: string): boolean {
  const key = message.reactionKey(emoji);
  let state = message.reactions.get(key);
  if (!state) {
    state = { emoji, userIds: new Set() };
    message.reactions.set(key, state);
  }
  if (state.userIds.has(userId)) return false;
  state.userIds.add(userId);
  context.changed();
  return true;
}

export function removeReaction(context: RouteContext, message: FakeMessage, emoji: APIPartialEmoji, userId: string): boolean {
  const removed = message.reactions.get(message.reactionKey(emoji))?.userIds.delete(userId) ?? false;
  if (removed) context.changed();
  return removed;
}

/** MESSAGE_REACTION_ADD/REMOVE as Discord sends them to sessions with GuildMessageReactions. */
export function dispatchReaction(context: RouteContext, event: 'add' | 'remove', message: FakeMessage, emoji: APIPartialEmoji, userId: string): Promise<number> {
  const guildId = message.guildId;
  const base = { user_id: userId, channel_id: message.channelId, message_id: message.id, emoji, burst: false, type: 0, ...(guildId ? { guild_id: guildId } : {}) };
  const data =
    event === 'add'
      ? {
          ...base,
          message_author_id: message.author.id,
          burst_colors: [],
          ...(guildId ? { member: context.world.memberJSON(guildId, userId) } : {}),
        }
      : base;
  return context.gateway.dispatch(event === 'add' ? GatewayDispatchEvents.MessageReactionAdd : GatewayDispatchEvents.MessageReactionRemove, data, {
    ...(guildId ? { guildId } : {}),
    intent: GatewayIntentBits.GuildMessageReactions,
  });
}

function createThread(
  context: RouteContext,
  parentId: string,
  body: unknown,
  options: { id: string; type: APIThreadChannel['type'] },
): APIThreadChannel {
  const parent = context.world.channel(parentId);
  if (parent.type !== ChannelType.GuildText) throw new HttpError(400, 50024, 'Cannot execute action on this channel type');
  const fields = isRecord(body) ? body : {};
  const name = typeof fields.name === 'string' ? fields.name : '';
  if (name.length < 1 || name.length > 100) throw new HttpError(400, 50035, 'Invalid Form Body', { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } });
  const duration = typeof fields.auto_archive_duration === 'number' ? fields.auto_archive_duration : parent.default_auto_archive_duration ?? 1440;
  if (!AUTO_ARCHIVE.has(duration)) throw new HttpError(400, 50035, 'Invalid Form Body', { auto_archive_duration: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {60, 1440, 4320, 10080}.' }] } });
  const guildId = parent.guild_id!;
  const thread = buildThread({
    id: options.id,
    guildId,
    parentId,
    ownerId: context.world.botUser.id,
    name,
    type: options.type,
    autoArchiveDuration: duration as ThreadAutoArchiveDuration,
    createdAt: new Date().toISOString(),
  });
  context.world.channels.set(thread.id, thread);
  context.world.guild(guildId).threadIds.push(thread.id);
  void context.gateway.dispatch(GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true }, { guildId, intent: GatewayIntentBits.Guilds });
  context.changed();
  return thread;
}

export function addChannelRoutes(router: RestRouter, context: RouteContext): void {
  const { world } = context;
  /** A message as channel routes see it: ephemeral messages exist only for their interaction's webhook. */
  const channelMessage = (channelId: string, messageId: string): FakeMessage => {
    const message = world.message(channelId, messageId);
    if (message.ephemeral) throw new HttpError(404, 10008, 'Unknown Message');
    return message;
  };

  router.add('GET', '/channels/:channel', ({ params }) => json(world.channel(params.channel!)));

  router.add('PATCH', '/channels/:channel', ({ params, json: body }) => {
    const channel = world.channel(params.channel!);
    const fields = isRecord(body) ? body : {};
    if (typeof fields.name === 'string') channel.name = fields.name;
    if ('thread_metadata' in channel && channel.thread_metadata) {
      const metadata = channel.thread_metadata;
      if (typeof fields.archived === 'boolean') {
        metadata.archived = fields.archived;
        metadata.archive_timestamp = new Date().toISOString();
      }
      if (typeof fields.locked === 'boolean') metadata.locked = fields.locked;
      if (typeof fields.auto_archive_duration === 'number') metadata.auto_archive_duration = fields.auto_archive_duration as ThreadAutoArchiveDuration;
      void context.gateway.dispatch(GatewayDispatchEvents.ThreadUpdate, channel, { guildId: channel.guild_id!, intent: GatewayIntentBits.Guilds });
    }
    context.changed();
    return json(channel);
  });

  router.add('GET', '/channels/:channel/messages', ({ params, query }) => {
    world.channel(params.channel!);
    const limit = Math.min(Math.max(Number(query.get('limit') ?? 50), 1), 100);
    const before = query.get('before');
    const after = query.get('after');
    const newestFirst = world
      .channelMessages(params.channel!)
      .filter((message) => (before ? BigInt(message.id) < BigInt(before) : true) && (after ? BigInt(message.id) > BigInt(after) : true))
      .reverse();
    return json(newestFirst.slice(0, limit).map((message) => messageJSON(context, message)));
  });

  router.add('GET', '/channels/:channel/messages/:message', ({ params }) => json(messageJSON(context, channelMessage(params.channel!, params.message!))));

  router.add('POST', '/channels/:channel/messages', ({ params, json: body, files }) => {
    const channel = world.channel(params.channel!);
    if ('thread_metadata' in channel && channel.thread_metadata) {
      if (channel.thread_metadata.locked) throw new HttpError(400, 50083, 'Thread is archived');
      // Sending in an archived (unlocked) thread unarchives it, as on Discord.
      channel.thread_metadata.archived = false;
    }
    const parsed = parseMessageBody(body, files.length, 'create');
    const referenced = parsed.messageReference ? channelMessage(params.channel!, parsed.messageReference.message_id) : undefined;
    const message = world.createMessage(params.channel!, world.botUser, {
      ...(referenced ? { messageReference: { message_id: referenced.id, channel_id: referenced.channelId }, repliedUserId: referenced.author.id } : {}),
    });
    applyUploads(context, message, parsed, files);
    message.apply('create', parsed.fields, context.now());
    logWrite(context, message);
    dispatchMessageEvent(context, GatewayDispatchEvents.MessageCreate, message);
    context.changed();
    return json(messageJSON(context, message));
  });

  router.add('PATCH', '/channels/:channel/messages/:message', ({ params, json: body, files }) => {
    const message = channelMessage(params.channel!, params.message!);
    if (message.author.id !== world.botUser.id) throw new HttpError(403, 50005, 'Cannot edit a message authored by another user');
    const parsed = parseMessageBody(body, files.length, 'edit');
    applyUploads(context, message, parsed, files);
    message.apply('edit', parsed.fields, context.now());
    message.editedAt = new Date().toISOString();
    logWrite(context, message);
    dispatchMessageEvent(context, GatewayDispatchEvents.MessageUpdate, message);
    context.changed();
    return json(messageJSON(context, message));
  });

  router.add('DELETE', '/channels/:channel/messages/:message', ({ params }) => {
    channelMessage(params.channel!, params.message!).deleted = true;
    context.changed();
    return noContent;
  });

  router.add('POST', '/channels/:channel/messages/:message/threads', ({ params, json: body }) => {
    const message = channelMessage(params.channel!, params.message!);
    if (message.thread) throw new HttpError(400, 160004, 'A thread has already been created for this message');
    // A thread started from a message takes the message's id (the fake has no announcement channels).
    const thread = createThread(context, params.channel!, body, { id: message.id, type: ChannelType.PublicThread });
    message.thread = thread;
    return json(thread, 201);
  });

  router.add('POST', '/channels/:channel/threads', ({ params, json: body }) => {
    const fields = isRecord(body) ? body : {};
    const type = fields.type === ChannelType.PublicThread || fields.type === ChannelType.AnnouncementThread ? fields.type : ChannelType.PrivateThread;
    return json(createThread(context, params.channel!, body, { id: nextSnowflake(), type }), 201);
  });

  router.add('PUT', '/channels/:channel/thread-members/@me', ({ params }) => {
    world.channel(params.channel!);
    return noContent;
  });

  router.add('POST', '/channels/:channel/typing', ({ params }) => {
    world.channel(params.channel!);
    return noContent;
  });

  router.add('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', ({ params }) => {
    const message = channelMessage(params.channel!, params.message!);
    const emoji = parseEmoji(params.emoji!);
    if (addReaction(context, message, emoji, world.botUser.id)) void dispatchReaction(context, 'add', message, emoji, world.botUser.id);
    return noContent;
  });

  router.add('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/:user', ({ params }) => {
    const message = channelMessage(params.channel!, params.message!);
    const emoji = parseEmoji(params.emoji!);
    const userId = params.user === '@me' ? world.botUser.id : params.user!;
    if (removeReaction(context, message, emoji, userId)) void dispatchReaction(context, 'remove', message, emoji, userId);
    return noContent;
  });

  router.add('GET', '/channels/:channel/messages/:message/reactions/:emoji', ({ params, query }) => {
    const message = channelMessage(params.channel!, params.message!);
    const state = message.reactions.get(message.reactionKey(parseEmoji(params.emoji!)));
    const after = query.get('after');
    const limit = Math.min(Number(query.get('limit') ?? 25), 100);
    const ids = [...(state?.userIds ?? [])].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).filter((id) => (after ? BigInt(id) > BigInt(after) : true));
    return json(ids.slice(0, limit).map((id) => world.user(id)));
  });

  router.add('DELETE', '/channels/:channel/messages/:message/reactions/:emoji', ({ params }) => {
    const message = channelMessage(params.channel!, params.message!);
    message.reactions.delete(message.reactionKey(parseEmoji(params.emoji!)));
    context.changed();
    return noContent;
  });

  router.add('DELETE', '/channels/:channel/messages/:message/reactions', ({ params }) => {
    channelMessage(params.channel!, params.message!).reactions.clear();
    context.changed();
    return noContent;
  });

  router.add('GET', '/guilds/:guild', ({ params }) => json(world.guildCreate(params.guild!)));
  router.add('GET', '/guilds/:guild/roles', ({ params }) => json([...world.guild(params.guild!).roles.values()]));
  router.add('GET', '/guilds/:guild/channels', ({ params }) => json(world.guildCreate(params.guild!).channels));
  router.add('GET', '/guilds/:guild/members/:user', ({ params }) => json(world.memberJSON(params.guild!, params.user!)));
  router.add('GET', '/users/@me', () => json(world.botUser));
  router.add('GET', '/users/:user', ({ params }) => json(world.user(params.user!)));
}
