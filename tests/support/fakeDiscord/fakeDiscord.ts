/**
 * An in-process fake Discord for tests: REST under `/api/v10` and a WebSocket
 * gateway on one random 127.0.0.1 port, holding guilds, channels, threads,
 * roles, members, messages and reactions. A real discord.js Client logs in to
 * it (`rest.api = fake.apiBase`); the test drives users through `sendCommand`,
 * `clickButton` and `react`, and asserts on what the bot sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type APIApplicationCommand,
  type APIButtonComponent,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIInteractionGuildMember,
  type APIMessageComponentGuildInteraction,
  type APIRole,
  type APIThreadChannel,
  type APIUser,
  ApplicationCommandType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionContextType,
  InteractionType,
  Locale,
} from 'discord-api-types/v10';
import { buildRole, buildTextChannel } from './fixtures.js';
import { FakeGateway, type GatewayStats } from './gateway.js';
import {
  API_PREFIX,
  type RecordedRequest,
  RestRouter,
  authorizationOf,
  decodePath,
  parseBody,
  sendError,
  sendResult,
} from './http.js';
import { type CommandInput, type InteractionHandle, InteractionRecord, buildCommandOptions } from './interactions.js';
import type { FakeMessage, MessageWrite } from './messages.js';
import { type RateLimitOptions, RateLimitRules, type RoutePattern } from './rateLimits.js';
import { addApplicationRoutes } from './routes/application.js';
import { addChannelRoutes, addReaction, dispatchReaction, parseEmoji, removeReaction } from './routes/channels.js';
import type { RouteContext } from './routes/context.js';
import { addInteractionRoutes } from './routes/interactions.js';
import { nextSnowflake } from './snowflake.js';
import { HttpError } from './validation.js';
import { type FakeGuild, FakeWorld } from './world.js';

export interface FakeDiscordOptions {
  /** Also the bot user's id, as for real applications. Default: a fresh snowflake. */
  readonly applicationId?: string;
  readonly botUsername?: string;
  /** When set, REST and gateway reject any other bot token (401 / close 4004). Default: any non-empty token. */
  readonly token?: string;
  /** Interactions not called back within this many ms expire (10062), as Discord's 3 s. Default 3000. */
  readonly ackDeadlineMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Per-file upload limit (413 above it). Default 10 MiB, Discord's limit for unboosted guilds. */
  readonly maxUploadBytes?: number;
  /** Shard count `GET /gateway/bot` recommends. Default 1. */
  readonly shards?: number;
}

/** Who is acting in a `sendCommand` / `clickButton` / `react`. */
export interface Actor {
  /** Default: `fake.player`, an ordinary member of the default guild. */
  readonly user?: APIUser;
  readonly guildId?: string;
  readonly channelId?: string;
  /** Extra roles given to the member (added to the guild's state). */
  readonly roles?: readonly string[];
  /** Override the member's computed permissions (default: from @everyone and their roles; owner/admin: all). */
  readonly permissions?: bigint;
  readonly locale?: Locale;
}

export interface SendCommandInput extends CommandInput, Actor {}

function isButton(node: unknown): node is APIButtonComponent & { custom_id: string } {
  return typeof node === 'object' && node !== null && 'type' in node && node.type === ComponentType.Button && 'custom_id' in node;
}

export class FakeDiscord {
  readonly world: FakeWorld;
  /** Every REST request the bot made, in order (Authorization never stored). */
  readonly requests: RecordedRequest[] = [];
  /** Handler crashes inside the fake (500s): a test should assert this stays empty. */
  readonly faults: Error[] = [];
  /** The guild every fake starts with. */
  readonly guild: FakeGuild;
  /** An ordinary member of the default guild, the default actor. */
  readonly player: APIUser;
  private readonly server: Server;
  private readonly router = new RestRouter();
  private readonly gateway: FakeGateway;
  private readonly rateLimits = new RateLimitRules();
  private readonly interactionsById = new Map<string, InteractionRecord>();
  private readonly interactionsByToken = new Map<string, InteractionRecord>();
  private readonly waiters = new Set<() => void>();
  private readonly ackDeadlineMs: number;
  private readonly context: RouteContext;
  private port = 0;
  private activeRequests = 0;

  private constructor(private readonly options: FakeDiscordOptions) {
    this.world = new FakeWorld(options.applicationId ?? nextSnowflake(), options.botUsername ?? 'ImagePrompt');
    this.ackDeadlineMs = options.ackDeadlineMs ?? 3000;
    this.guild = this.world.createGuild('Test Guild');
    this.player = this.world.createUser('player');
    this.world.ensureMember(this.guild.id, this.player.id);
    this.gateway = new FakeGateway(
      {
        token: options.token,
        applicationId: this.world.applicationId,
        botUser: () => this.world.botUser,
        guildIds: () => [...this.world.guilds.keys()],
        guildCreate: (guildId) => this.world.guildCreate(guildId),
        changed: () => this.changed(),
      },
      () => this.gatewayUrl,
      options.heartbeatIntervalMs ?? 41_250,
    );
    const context: RouteContext = {
      world: this.world,
      gateway: this.gateway,
      interactionsById: this.interactionsById,
      interactionsByToken: this.interactionsByToken,
      maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
      shards: options.shards ?? 1,
      // Inside a request, waiters re-check once the response is complete (see `handle`), so they see its final status.
      changed: () => {
        if (this.activeRequests === 0) this.changed();
      },
      now: () => performance.now(),
    };
    addApplicationRoutes(this.router, context, () => this.gatewayUrl);
    addChannelRoutes(this.router, context);
    addInteractionRoutes(this.router, context);
    this.context = context;
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('upgrade', (request, socket, head) => this.gateway.handleUpgrade(request, socket, head));
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.world.baseUrl = fake.url;
    return fake;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What discord.js takes as `rest.api` and the bot as `DISCORD_API_BASE`: `http://127.0.0.1:PORT/api`. */
  get apiBase(): string {
    return `${this.url}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get applicationId(): string {
    return this.world.applicationId;
  }

  get botUser(): APIUser {
    return this.world.botUser;
  }

  get gatewayStats(): Readonly<GatewayStats> {
    return this.gateway.stats;
  }

  /** Every message create and edit the bot made, with its `allowed_mentions` and resulting pings. */
  get messageWrites(): readonly MessageWrite[] {
    return this.world.messageWrites;
  }

  // ---- world setup -------------------------------------------------------

  createUser(username: string): APIUser {
    return this.world.createUser(username);
  }

  /** A new guild (with @everyone, Moderator and Admin roles and a #general channel); a connected client gets its GUILD_CREATE, as when the bot joins a server. */
  createGuild(name: string): FakeGuild {
    const guild = this.world.createGuild(name);
    void this.gateway.dispatch(GatewayDispatchEvents.GuildCreate, this.world.guildCreate(guild.id), { guildId: guild.id, intent: GatewayIntentBits.Guilds });
    this.changed();
    return guild;
  }

  addMember(guildId: string, user: APIUser, roles: readonly string[] = []): void {
    this.world.ensureMember(guildId, user.id, roles);
  }

  createRole(guildId: string, options: { name: string; permissions?: bigint; mentionable?: boolean }): APIRole {
    const guild = this.world.guild(guildId);
    const role = buildRole({ name: options.name, permissions: options.permissions ?? 0n, position: guild.roles.size, ...(options.mentionable !== undefined ? { mentionable: options.mentionable } : {}) });
    guild.roles.set(role.id, role);
    void this.gateway.dispatch(GatewayDispatchEvents.GuildRoleCreate, { guild_id: guildId, role }, { guildId, intent: GatewayIntentBits.Guilds });
    return role;
  }

  createTextChannel(guildId: string, name: string): string {
    const guild = this.world.guild(guildId);
    const channel = buildTextChannel(guildId, name, guild.channelIds.length);
    this.world.channels.set(channel.id, channel);
    guild.channelIds.push(channel.id);
    void this.gateway.dispatch(GatewayDispatchEvents.ChannelCreate, channel, { guildId, intent: GatewayIntentBits.Guilds });
    return channel.id;
  }

  // ---- reading state -----------------------------------------------------

  /** Messages visible in a channel or thread, oldest first (ephemeral ones only when asked). */
  messages(channelId: string, options: { includeEphemeral?: boolean; includeDeleted?: boolean } = {}): FakeMessage[] {
    return this.world.channelMessages(channelId, options);
  }

  message(messageId: string): FakeMessage | undefined {
    return this.world.messages.get(messageId);
  }

  /** Threads (optionally only those under one parent channel). */
  threads(parentId?: string): APIThreadChannel[] {
    return [...this.world.channels.values()].filter(
      (channel): channel is APIThreadChannel => 'thread_metadata' in channel && (parentId === undefined || channel.parent_id === parentId),
    );
  }

  registeredCommands(guildId?: string): APIApplicationCommand[] {
    return [...this.world.commandsFor(guildId).values()];
  }

  /** Requests that matched no route (the fake answered 404): a gap in the fake or a wrong URL in the bot. */
  unhandledRequests(): RecordedRequest[] {
    return this.requests.filter((request) => !request.handled);
  }

  // ---- acting as users ---------------------------------------------------

  /**
   * A user runs a slash command. Options are typed from the registered schema
   * (guild, then global) when there is one, else inferred; attachments are
   * served by the fake from 127.0.0.1. Throws at once for input the Discord
   * client would not let a user send (unknown or missing options, wrong types).
   */
  sendCommand(input: SendCommandInput): InteractionHandle {
    const actor = this.resolveActor(input);
    const command = this.world.findCommand(actor.guildId, input.name);
    const { options, resolved } = buildCommandOptions(this.world, actor.guildId, actor.channelId, command, input);
    const label = `/${[input.name, input.subcommandGroup, input.subcommand].filter(Boolean).join(' ')}`;
    const record = this.newRecord(label, actor, undefined);
    const payload: APIChatInputApplicationCommandGuildInteraction = {
      ...this.interactionBase(record, actor),
      type: InteractionType.ApplicationCommand,
      data: {
        id: command?.id ?? nextSnowflake(),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
        ...(options.length > 0 ? { options } : {}),
        ...(resolved ? { resolved } : {}),
      },
    };
    this.dispatchInteraction(record, payload, actor.guildId);
    return record;
  }

  /** A user clicks a button (by custom_id) on a message; throws if the message has no such enabled button. */
  clickButton(messageId: string, customId: string, user?: APIUser, actor: Omit<Actor, 'user' | 'channelId' | 'guildId'> = {}): InteractionHandle {
    const message = this.world.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`fake Discord: no message ${messageId}`);
    const buttons: Array<APIButtonComponent & { custom_id: string }> = [];
    const visit = (node: unknown): void => {
      if (isButton(node)) buttons.push(node);
      if (typeof node === 'object' && node !== null) {
        for (const key of ['components', 'accessory']) {
          const child = (node as Record<string, unknown>)[key];
          if (Array.isArray(child)) child.forEach(visit);
          else visit(child);
        }
      }
    };
    message.components.forEach(visit);
    const button = buttons.find((candidate) => candidate.custom_id === customId);
    if (!button) throw new Error(`fake Discord: message ${messageId} has no button "${customId}" (has: ${message.customIds().join(', ') || 'none'})`);
    if (button.disabled) throw new Error(`fake Discord: button "${customId}" is disabled`);
    const resolvedActor = this.resolveActor({ ...actor, ...(user ? { user } : {}), channelId: message.channelId, ...(message.guildId ? { guildId: message.guildId } : {}) });
    const record = this.newRecord(`button ${customId}`, resolvedActor, message.id);
    const payload: APIMessageComponentGuildInteraction = {
      ...this.interactionBase(record, resolvedActor),
      type: InteractionType.MessageComponent,
      message: message.toJSON(this.world.botUser.id, this.world.users),
      data: { custom_id: customId, component_type: ComponentType.Button },
    };
    this.dispatchInteraction(record, payload, resolvedActor.guildId);
    return record;
  }

  /** A user adds a reaction (`'👍'` or `{ id, name }` for a custom emoji); resolves once the dispatch is sent. */
  async react(messageId: string, emoji: string | { id: string; name: string }, user: APIUser = this.player): Promise<void> {
    const message = this.requireMessage(messageId);
    const partial = typeof emoji === 'string' ? parseEmoji(emoji) : emoji;
    if (message.guildId) this.world.ensureMember(message.guildId, user.id);
    if (addReaction(this.context, message, partial, user.id)) await dispatchReaction(this.context, 'add', message, partial, user.id);
  }

  async unreact(messageId: string, emoji: string | { id: string; name: string }, user: APIUser = this.player): Promise<void> {
    const message = this.requireMessage(messageId);
    const partial = typeof emoji === 'string' ? parseEmoji(emoji) : emoji;
    if (removeReaction(this.context, message, partial, user.id)) await dispatchReaction(this.context, 'remove', message, partial, user.id);
  }

  // ---- faults --------------------------------------------------------------

  /** Answer the next matching REST request(s) with a real 429 (see `RoutePattern`). */
  rateLimitNext(route: RoutePattern, retryAfterMs: number, options: RateLimitOptions = {}): void {
    this.rateLimits.add(route, retryAfterMs, options);
  }

  /**
   * Drop every gateway connection; resolves once each dropped client has resumed
   * (or, with `resumable: false`, identified again — discord.js waits ~5 s between identifies).
   */
  async restartGateway(options: { resumable?: boolean; code?: number; timeoutMs?: number } = {}): Promise<void> {
    const before = this.gateway.stats.readyOrResumed;
    const dropped = this.gateway.restart(options);
    await this.waitFor(() => (this.gateway.stats.readyOrResumed >= before + dropped ? true : undefined), options.timeoutMs ?? 15_000, 'the client to reconnect');
  }

  // ---- waiting and lifecycle ---------------------------------------------

  /** Resolves with the probe's first value other than `undefined`, re-checking on every state change. */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 5000, description = 'a condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = (): void => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (value !== undefined) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${description}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const record of this.interactionsById.values()) record.dispose();
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals -----------------------------------------------------------

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private requireMessage(messageId: string): FakeMessage {
    const message = this.world.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`fake Discord: no message ${messageId}`);
    return message;
  }

  private resolveActor(actor: Actor): { user: APIUser; guildId: string; channelId: string; permissions: bigint; locale: Locale } {
    const user = actor.user ?? this.player;
    this.world.addUser(user);
    const guildId = actor.guildId ?? (actor.channelId ? this.world.guildOfChannel(actor.channelId) : undefined) ?? this.guild.id;
    const channelId = actor.channelId ?? this.world.guild(guildId).channelIds[0]!;
    this.world.channel(channelId);
    this.world.ensureMember(guildId, user.id, actor.roles ?? []);
    return { user, guildId, channelId, permissions: actor.permissions ?? this.world.permissionsOf(guildId, user.id), locale: actor.locale ?? Locale.EnglishUS };
  }

  private newRecord(label: string, actor: { user: APIUser; guildId: string; channelId: string }, sourceMessageId: string | undefined): InteractionRecord {
    const record = new InteractionRecord(nextSnowflake(), label, actor.channelId, actor.guildId, actor.user.id, sourceMessageId, this.world, (probe, timeoutMs, description) =>
      this.waitFor(probe, timeoutMs, description),
    );
    this.interactionsById.set(record.id, record);
    this.interactionsByToken.set(record.token, record);
    return record;
  }

  private interactionBase(record: InteractionRecord, actor: { user: APIUser; guildId: string; channelId: string; permissions: bigint; locale: Locale }) {
    const channel = this.world.channel(actor.channelId);
    const member: APIInteractionGuildMember = { ...this.world.memberJSON(actor.guildId, actor.user.id), user: actor.user, permissions: actor.permissions.toString() };
    return {
      id: record.id,
      application_id: this.world.applicationId,
      token: record.token,
      version: 1 as const,
      guild_id: actor.guildId,
      guild: { id: actor.guildId, features: [], locale: Locale.EnglishUS },
      channel_id: actor.channelId,
      channel: {
        id: channel.id,
        type: channel.type,
        name: channel.name,
        guild_id: actor.guildId,
        ...('thread_metadata' in channel ? { parent_id: channel.parent_id, thread_metadata: channel.thread_metadata } : {}),
      },
      member,
      app_permissions: this.world.permissionsOf(actor.guildId, this.world.botUser.id).toString(),
      locale: actor.locale,
      guild_locale: Locale.EnglishUS,
      entitlements: [],
      authorizing_integration_owners: { 0: actor.guildId },
      context: InteractionContextType.Guild,
      attachment_size_limit: this.context.maxUploadBytes,
    };
  }

  private dispatchInteraction(record: InteractionRecord, payload: unknown, guildId: string): void {
    record.startDeadline(performance.now(), this.ackDeadlineMs, () => this.changed());
    void this.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload, { guildId }).then((recipients) => {
      if (recipients === 0) record.fail('no gateway session is connected to receive it (is the client logged in?)');
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    if (request.method === 'GET' && url.pathname.startsWith('/attachments/')) {
      this.serveAttachment(url.pathname, response);
      return;
    }
    if (!url.pathname.startsWith(API_PREFIX)) {
      sendError(response, new HttpError(404, 0, '404: Not Found'));
      return;
    }
    const method = request.method ?? 'GET';
    const path = decodePath(url.pathname.slice(API_PREFIX.length));
    let body: Awaited<ReturnType<typeof parseBody>>;
    try {
      body = await parseBody(request, url.href);
    } catch {
      sendError(response, new HttpError(400, 50109, 'The request body contains invalid JSON.'));
      return;
    }
    const record: RecordedRequest = {
      method,
      path,
      query: url.searchParams,
      json: body.json,
      files: body.files,
      authorization: authorizationOf(request.headers.authorization, this.options.token),
      at: performance.now(),
      status: 0,
      rateLimited: false,
      handled: true,
    };
    this.requests.push(record);
    this.activeRequests += 1;
    try {
      const limited = this.rateLimits.take(method, path);
      if (limited) {
        record.rateLimited = true;
        record.status = limited.status;
        sendResult(response, limited);
        return;
      }
      const match = this.router.match(method, path);
      if (!match) {
        record.handled = false;
        throw new HttpError(404, 0, '404: Not Found');
      }
      if (match.route.auth && record.authorization !== 'bot') throw new HttpError(401, 0, '401: Unauthorized');
      const result = await match.route.handler({ params: match.params, query: url.searchParams, json: body.json, files: body.files, record });
      record.status = result.status;
      sendResult(response, result);
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, 0, '500: Internal Server Error');
      if (!(error instanceof HttpError)) this.faults.push(error instanceof Error ? error : new Error(String(error)));
      record.status = httpError.status;
      sendError(response, httpError);
    } finally {
      this.activeRequests -= 1;
      this.changed();
    }
  }

  private serveAttachment(pathname: string, response: ServerResponse): void {
    const [, , , id] = pathname.split('/');
    const file = id ? this.world.files.get(id) : undefined;
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.contentType ?? 'application/octet-stream', 'content-length': String(file.bytes.length) }).end(Buffer.from(file.bytes));
  }
}

export function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return FakeDiscord.start(options);
}
