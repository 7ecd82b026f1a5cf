/**
 * Everything the fake Discord knows: users, guilds with roles and members,
 * channels and threads, messages, uploaded files, registered commands.
 * Pure state; the REST routes and the test API both act on it.
 */
import {
  type APIApplicationCommand,
  type APIGuildMember,
  type APIGuildTextChannel,
  type APIRole,
  type APIThreadChannel,
  type APIUser,
  type ChannelType,
  type GatewayGuildCreateDispatchData,
  PermissionFlagsBits,
} from 'discord-api-types/v10';
import { ALL_PERMISSIONS, buildGuildCreate, buildMember, buildRole, buildTextChannel, buildUser } from './fixtures.js';
import { FakeMessage, type MessageWrite, type StoredFile } from './messages.js';
import { nextSnowflake } from './snowflake.js';
import { HttpError } from './validation.js';

export type StoredChannel = APIGuildTextChannel<ChannelType.GuildText> | APIThreadChannel;

export interface GuildState {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly joinedAt: string;
  readonly roles: Map<string, APIRole>;
  readonly members: Map<string, { roles: string[]; joinedAt: string }>;
  readonly channelIds: string[];
  readonly threadIds: string[];
}

/** A guild as tests address it: its ids, ready for `sendCommand`. */
export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  /** The @everyone role (its id is the guild's id). */
  readonly everyoneRoleId: string;
  /** A role with Manage Messages, Manage Threads and Moderate Members: what the bot treats as moderators. */
  readonly moderatorRoleId: string;
  /** A role with Administrator. */
  readonly adminRoleId: string;
  /** The bot's managed role (what an invite with permissions creates): send, embed, attach, react, create and manage threads, manage messages. */
  readonly botRoleId: string;
  /** A text channel named `general`. */
  readonly channelId: string;
}

const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks;

const BOT_PERMISSIONS =
  EVERYONE_PERMISSIONS |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ManageThreads |
  PermissionFlagsBits.ManageMessages |
  PermissionFlagsBits.UseExternalEmojis;

const MODERATOR_PERMISSIONS =
  PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ManageThreads | PermissionFlagsBits.ModerateMembers | PermissionFlagsBits.KickMembers;

export class FakeWorld {
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildState>();
  readonly channels = new Map<string, StoredChannel>();
  readonly messages = new Map<string, FakeMessage>();
  readonly files = new Map<string, StoredFile>();
  readonly globalCommands = new Map<string, APIApplicationCommand>();
  readonly guildCommands = new Map<string, Map<string, APIApplicationCommand>>();
  /** Every message create and edit the bot made, in order, with its `allowed_mentions`. */
  readonly messageWrites: MessageWrite[] = [];
  readonly botUser: APIUser;
  /** Set once the server listens: `http://127.0.0.1:PORT`. */
  baseUrl = '';

  constructor(
    readonly applicationId: string,
    botUsername: string,
  ) {
    this.botUser = this.addUser(buildUser(botUsername, { id: applicationId, bot: true }));
  }

  addUser(user: APIUser): APIUser {
    this.users.set(user.id, user);
    return user;
  }

  createUser(username: string): APIUser {
    return this.addUser(buildUser(username));
  }

  createGuild(name: string, ownerName = `${name} owner`): FakeGuild {
    const id = nextSnowflake();
    const joinedAt = new Date().toISOString();
    const owner = this.createUser(ownerName);
    const everyone = buildRole({ id, name: '@everyone', permissions: EVERYONE_PERMISSIONS, position: 0 });
    const moderator = buildRole({ name: 'Moderator', permissions: MODERATOR_PERMISSIONS, position: 1 });
    const admin = buildRole({ name: 'Admin', permissions: PermissionFlagsBits.Administrator, position: 2 });
    const botRole = { ...buildRole({ name: this.botUser.username, permissions: BOT_PERMISSIONS, position: 3 }), managed: true, tags: { bot_id: this.botUser.id } };
    const general = buildTextChannel(id, 'general', 0);
    this.channels.set(general.id, general);
    const guild: GuildState = {
      id,
      name,
      ownerId: owner.id,
      joinedAt,
      roles: new Map([everyone, moderator, admin, botRole].map((role) => [role.id, role])),
      members: new Map([
        [owner.id, { roles: [], joinedAt }],
        [this.botUser.id, { roles: [botRole.id], joinedAt }],
      ]),
      channelIds: [general.id],
      threadIds: [],
    };
    this.guilds.set(id, guild);
    return { id, name, ownerId: owner.id, everyoneRoleId: id, moderatorRoleId: moderator.id, adminRoleId: admin.id, botRoleId: botRole.id, channelId: general.id };
  }

  guild(guildId: string): GuildState {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new HttpError(404, 10004, 'Unknown Guild');
    return guild;
  }

  channel(channelId: string): StoredChannel {
    const channel = this.channels.get(channelId);
    if (!channel) throw new HttpError(404, 10003, 'Unknown Channel');
    return channel;
  }

  message(channelId: string, messageId: string): FakeMessage {
    const message = this.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId) throw new HttpError(404, 10008, 'Unknown Message');
    return message;
  }

  user(userId: string): APIUser {
    const user = this.users.get(userId);
    if (!user) throw new HttpError(404, 10013, 'Unknown User');
    return user;
  }

  ensureMember(guildId: string, userId: string, roles: readonly string[] = []): void {
    const guild = this.guild(guildId);
    const existing = guild.members.get(userId);
    if (existing) {
      for (const role of roles) if (!existing.roles.includes(role)) existing.roles.push(role);
      return;
    }
    guild.members.set(userId, { roles: [...roles], joinedAt: new Date().toISOString() });
  }

  memberJSON(guildId: string, userId: string): APIGuildMember {
    const member = this.guild(guildId).members.get(userId);
    if (!member) throw new HttpError(404, 10007, 'Unknown Member');
    return buildMember(this.user(userId), member.roles, member.joinedAt);
  }

  /** Guild-level permissions: the owner and administrators have all; others the OR of @everyone and their roles. */
  permissionsOf(guildId: string, userId: string): bigint {
    const guild = this.guild(guildId);
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const roleIds = [guildId, ...(guild.members.get(userId)?.roles ?? [])];
    const permissions = roleIds.reduce((bits, roleId) => bits | BigInt(guild.roles.get(roleId)?.permissions ?? '0'), 0n);
    return (permissions & PermissionFlagsBits.Administrator) !== 0n ? ALL_PERMISSIONS : permissions;
  }

  guildOfChannel(channelId: string): string | undefined {
    return this.channels.get(channelId)?.guild_id;
  }

  guildCreate(guildId: string): GatewayGuildCreateDispatchData {
    const guild = this.guild(guildId);
    return buildGuildCreate({
      id: guild.id,
      name: guild.name,
      ownerId: guild.ownerId,
      joinedAt: guild.joinedAt,
      roles: [...guild.roles.values()],
      members: [...guild.members.keys()].map((userId) => this.memberJSON(guildId, userId)),
      channels: guild.channelIds.flatMap((id) => {
        const channel = this.channels.get(id);
        return channel && !('thread_metadata' in channel) ? [channel as APIGuildTextChannel<ChannelType.GuildText>] : [];
      }),
      threads: guild.threadIds.flatMap((id) => {
        const thread = this.channels.get(id);
        return thread && 'thread_metadata' in thread && thread.thread_metadata?.archived === false ? [thread as APIThreadChannel] : [];
      }),
    });
  }

  createMessage(channelId: string, author: APIUser, extra: ConstructorParameters<typeof FakeMessage>[5] = {}): FakeMessage {
    const channel = this.channel(channelId);
    const message = new FakeMessage(nextSnowflake(), channelId, channel.guild_id, author, new Date().toISOString(), extra);
    this.messages.set(message.id, message);
    channel.last_message_id = message.id;
    if ('thread_metadata' in channel) {
      channel.message_count = (channel.message_count ?? 0) + 1;
      channel.total_message_sent = (channel.total_message_sent ?? 0) + 1;
    }
    return message;
  }

  /** Messages in a channel, oldest first. */
  channelMessages(channelId: string, options: { includeEphemeral?: boolean; includeDeleted?: boolean } = {}): FakeMessage[] {
    return [...this.messages.values()].filter(
      (message) =>
        message.channelId === channelId && (options.includeEphemeral || !message.ephemeral) && (options.includeDeleted || !message.deleted),
    );
  }

  storeFile(file: Omit<StoredFile, 'id' | 'url'>, channelId: string): StoredFile {
    const id = nextSnowflake();
    const stored: StoredFile = { ...file, id, url: `${this.baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}` };
    this.files.set(id, stored);
    return stored;
  }

  commandsFor(guildId: string | undefined): Map<string, APIApplicationCommand> {
    if (guildId === undefined) return this.globalCommands;
    let commands = this.guildCommands.get(guildId);
    if (!commands) {
      commands = new Map();
      this.guildCommands.set(guildId, commands);
    }
    return commands;
  }

  /** The command a user in `guildId` would invoke by this name: guild commands shadow global ones. */
  findCommand(guildId: string, name: string): APIApplicationCommand | undefined {
    return this.guildCommands.get(guildId)?.get(name) ?? this.globalCommands.get(name);
  }
}
