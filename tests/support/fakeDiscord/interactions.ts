/**
 * Interactions the fake dispatches: payloads a real Discord client would produce
 * (options typed from the registered command schema when there is one), and the
 * per-interaction record that a test's handle reads (acknowledgement, time to
 * acknowledge, every response).
 */
import { randomBytes } from 'node:crypto';
import {
  type APIApplicationCommand,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIApplicationCommandInteractionDataOption,
  type APIApplicationCommandOption,
  type APIInteractionDataResolved,
  ApplicationCommandOptionType,
  type GuildMemberFlags,
  type InteractionResponseType,
} from 'discord-api-types/v10';
import { type FakeMessage, attachmentJSON } from './messages.js';
import type { FakeWorld } from './world.js';

/** A file a test attaches to a slash-command option; the fake serves it over HTTP from 127.0.0.1. */
export interface FakeUpload {
  readonly name: string;
  readonly data: Uint8Array;
  /** What Discord reports as `content_type` (and the fake serves); omitted if undefined. */
  readonly contentType?: string;
  /** Declared size; defaults to `data.length`. Lets a test fake a 50 MB upload without allocating it. */
  readonly size?: number;
  /** Declared dimensions; read from a PNG header when omitted. */
  readonly width?: number;
  readonly height?: number;
}

export type CommandOptionValue = string | number | boolean;

export interface Acknowledgement {
  /** 4 reply, 5 deferred reply, 6 deferred update, 7 update, 9 modal… */
  readonly type: InteractionResponseType;
  readonly ephemeral: boolean;
  /** Milliseconds from the dispatch leaving the fake to the callback arriving. */
  readonly ms: number;
}

export interface InteractionResponse {
  readonly kind: 'callback' | 'edit-original' | 'delete-original' | 'follow-up' | 'edit-follow-up' | 'delete-follow-up';
  readonly callbackType?: InteractionResponseType;
  readonly message: FakeMessage | undefined;
  readonly at: number;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** Resolves at the interaction callback; rejects if none arrives within the ack deadline (3 s by default). */
  readonly acknowledged: Promise<Acknowledgement>;
  readonly acknowledgement: Acknowledgement | undefined;
  readonly responses: readonly InteractionResponse[];
  /** The message `@original` designates now: the reply, the deferred placeholder, or (after an update) the clicked message. */
  original(): FakeMessage | undefined;
  followUps(): FakeMessage[];
  /** The first response, past or future, that matches. */
  waitForResponse(predicate?: (response: InteractionResponse) => boolean, timeoutMs?: number): Promise<InteractionResponse>;
  /**
   * The first answer a user would see: the original once it is no longer "thinking…",
   * or a follow-up, whichever comes first. (A button acknowledged with an update
   * edits its own message instead: wait for `waitForResponse((r) => r.kind === 'edit-original')`.)
   */
  reply(timeoutMs?: number): Promise<FakeMessage>;
}

type WaitFor = <T>(probe: () => T | undefined, timeoutMs: number, description: string) => Promise<T>;

const EPHEMERAL = 1 << 6;

export class InteractionRecord implements InteractionHandle {
  readonly token = randomBytes(24).toString('base64url');
  acknowledgement: Acknowledgement | undefined;
  readonly responses: InteractionResponse[] = [];
  readonly acknowledged: Promise<Acknowledgement>;
  originalMessageId: string | undefined;
  readonly followUpIds: string[] = [];
  expired = false;
  /** performance.now() when the dispatch was handed to the gateway. */
  sentAt = 0;
  private settle: { resolve: (ack: Acknowledgement) => void; reject: (error: Error) => void } | undefined;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly channelId: string,
    readonly guildId: string,
    readonly userId: string,
    /** For component interactions: the message whose component was used (`@original` until a new reply exists). */
    readonly sourceMessageId: string | undefined,
    private readonly world: FakeWorld,
    private readonly waitFor: WaitFor,
  ) {
    this.originalMessageId = sourceMessageId;
    this.acknowledged = new Promise<Acknowledgement>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A test that never awaits `acknowledged` must not get an unhandled rejection.
    this.acknowledged.catch(() => undefined);
  }

  startDeadline(sentAt: number, deadlineMs: number, onExpire: () => void): void {
    this.sentAt = sentAt;
    this.deadline = setTimeout(() => {
      if (this.acknowledgement) return;
      this.expired = true;
      this.settle?.reject(new Error(`interaction ${this.label} was not acknowledged within ${deadlineMs} ms`));
      onExpire();
    }, deadlineMs);
    this.deadline.unref();
  }

  acknowledge(type: InteractionResponseType, flags: number, at: number): Acknowledgement {
    clearTimeout(this.deadline);
    const ack: Acknowledgement = { type, ephemeral: (flags & EPHEMERAL) !== 0, ms: at - this.sentAt };
    this.acknowledgement = ack;
    this.settle?.resolve(ack);
    return ack;
  }

  /** Nothing will ever answer (e.g. no client connected): reject `acknowledged` now. */
  fail(reason: string): void {
    clearTimeout(this.deadline);
    this.expired = true;
    this.settle?.reject(new Error(`interaction ${this.label} cannot be acknowledged: ${reason}`));
  }

  dispose(): void {
    clearTimeout(this.deadline);
  }

  original(): FakeMessage | undefined {
    return this.originalMessageId ? this.world.messages.get(this.originalMessageId) : undefined;
  }

  followUps(): FakeMessage[] {
    return this.followUpIds.flatMap((id) => this.world.messages.get(id) ?? []);
  }

  waitForResponse(predicate: (response: InteractionResponse) => boolean = () => true, timeoutMs = 5000): Promise<InteractionResponse> {
    return this.waitFor(() => this.responses.find(predicate), timeoutMs, `a response to ${this.label}`);
  }

  reply(timeoutMs = 5000): Promise<FakeMessage> {
    return this.waitFor(
      () => {
        const original = this.original();
        const answeredInPlace = original && !original.deleted && !original.loading && original.id !== this.sourceMessageId;
        if (answeredInPlace) return original;
        return this.followUps().find((message) => !message.deleted);
      },
      timeoutMs,
      `a reply to ${this.label}`,
    );
  }
}

/** Width and height from a PNG's IHDR chunk, when the bytes are a PNG. */
export function pngDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || !signature.every((byte, index) => bytes[index] === byte)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export interface CommandInput {
  readonly name: string;
  readonly subcommandGroup?: string;
  readonly subcommand?: string;
  readonly options?: Readonly<Record<string, CommandOptionValue>>;
  readonly attachments?: Readonly<Record<string, FakeUpload>>;
}

function fail(message: string): never {
  throw new Error(`fake Discord: ${message}`);
}

/** Infer option types when no schema is registered: what a user could have typed. */
function inferredSchema(input: CommandInput): APIApplicationCommandBasicOption[] {
  const basic: APIApplicationCommandBasicOption[] = Object.entries(input.options ?? {}).map(([name, value]) => {
    if (typeof value === 'boolean') return { name, description: name, type: ApplicationCommandOptionType.Boolean };
    if (typeof value === 'number') {
      return Number.isInteger(value)
        ? { name, description: name, type: ApplicationCommandOptionType.Integer }
        : { name, description: name, type: ApplicationCommandOptionType.Number };
    }
    return { name, description: name, type: ApplicationCommandOptionType.String };
  });
  for (const name of Object.keys(input.attachments ?? {})) basic.push({ name, description: name, type: ApplicationCommandOptionType.Attachment });
  return basic;
}

/** The basic options the invoked (sub)command declares. */
function declaredOptions(command: APIApplicationCommand, input: CommandInput): APIApplicationCommandBasicOption[] {
  let options: readonly APIApplicationCommandOption[] = command.options ?? [];
  const path = [input.subcommandGroup, input.subcommand].filter((part): part is string => part !== undefined);
  for (const part of path) {
    const next = options.find(
      (option) =>
        option.name === part &&
        (option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup),
    );
    if (!next) fail(`/${command.name} has no subcommand (group) "${part}"`);
    options = ('options' in next ? next.options : undefined) ?? [];
  }
  if (options.some((option) => option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup)) {
    fail(`/${command.name} needs a subcommand${input.subcommandGroup ? ' in its group' : ''}`);
  }
  return options as APIApplicationCommandBasicOption[];
}

/**
 * Build `data.options` and `data.resolved` the way the Discord client would for
 * what a user typed, refusing what the client would refuse (unknown or missing
 * required options, wrong types, values outside choices or bounds).
 */
export function buildCommandOptions(
  world: FakeWorld,
  guildId: string,
  channelId: string,
  command: APIApplicationCommand | undefined,
  input: CommandInput,
): { options: APIApplicationCommandInteractionDataOption[]; resolved: APIInteractionDataResolved | undefined } {
  const schema = command ? declaredOptions(command, input) : inferredSchema(input);
  const given = { ...(input.options ?? {}) };
  const uploads = { ...(input.attachments ?? {}) };
  const resolved: Required<APIInteractionDataResolved> = { users: {}, members: {}, roles: {}, channels: {}, attachments: {} };
  const basic: APIApplicationCommandInteractionDataBasicOption[] = [];
  for (const option of schema) {
    const value = given[option.name];
    const upload = uploads[option.name];
    delete given[option.name];
    delete uploads[option.name];
    if (value === undefined && upload === undefined) {
      if (option.required) fail(`/${input.name}: required option "${option.name}" missing`);
      continue;
    }
    const where = `/${input.name} option "${option.name}"`;
    switch (option.type) {
      case ApplicationCommandOptionType.String: {
        if (typeof value !== 'string') fail(`${where} must be a string`);
        if (option.choices && !option.choices.some((choice) => choice.value === value)) fail(`${where}: "${value}" is not one of its choices`);
        if ((option.min_length !== undefined && value.length < option.min_length) || (option.max_length !== undefined && value.length > option.max_length)) {
          fail(`${where}: length ${value.length} outside [${option.min_length ?? 0}, ${option.max_length ?? 6000}]`);
        }
        basic.push({ name: option.name, type: option.type, value });
        break;
      }
      case ApplicationCommandOptionType.Integer:
      case ApplicationCommandOptionType.Number: {
        if (typeof value !== 'number' || (option.type === ApplicationCommandOptionType.Integer && !Number.isInteger(value))) fail(`${where} must be ${option.type === ApplicationCommandOptionType.Integer ? 'an integer' : 'a number'}`);
        if (option.choices && !option.choices.some((choice) => choice.value === value)) fail(`${where}: ${value} is not one of its choices`);
        if ((option.min_value !== undefined && value < option.min_value) || (option.max_value !== undefined && value > option.max_value)) {
          fail(`${where}: ${value} outside [${option.min_value ?? '-∞'}, ${option.max_value ?? '∞'}]`);
        }
        basic.push({ name: option.name, type: option.type, value });
        break;
      }
      case ApplicationCommandOptionType.Boolean:
        if (typeof value !== 'boolean') fail(`${where} must be a boolean`);
        basic.push({ name: option.name, type: option.type, value });
        break;
      case ApplicationCommandOptionType.User:
      case ApplicationCommandOptionType.Mentionable:
      case ApplicationCommandOptionType.Role:
      case ApplicationCommandOptionType.Channel: {
        if (typeof value !== 'string') fail(`${where} must be an id`);
        const guild = world.guild(guildId);
        const user = world.users.get(value);
        const role = guild.roles.get(value);
        const channel = world.channels.get(value);
        if ((option.type === ApplicationCommandOptionType.User || option.type === ApplicationCommandOptionType.Mentionable) && user) {
          resolved.users[value] = user;
          const member = guild.members.get(value);
          if (member) resolved.members[value] = { roles: member.roles, joined_at: member.joinedAt, flags: 0 as GuildMemberFlags, permissions: world.permissionsOf(guildId, value).toString() };
        } else if ((option.type === ApplicationCommandOptionType.Role || option.type === ApplicationCommandOptionType.Mentionable) && role) {
          resolved.roles[value] = role;
        } else if (option.type === ApplicationCommandOptionType.Channel && channel) {
          resolved.channels[value] = {
            id: channel.id,
            name: channel.name ?? null,
            type: channel.type,
            permissions: world.permissionsOf(guildId, world.botUser.id).toString(),
            ...('thread_metadata' in channel ? { parent_id: channel.parent_id, thread_metadata: channel.thread_metadata } : {}),
          } as NonNullable<APIInteractionDataResolved['channels']>[string];
        } else fail(`${where}: no ${ApplicationCommandOptionType[option.type].toLowerCase()} with id ${value} in this guild`);
        basic.push({ name: option.name, type: option.type, value } as APIApplicationCommandInteractionDataBasicOption);
        break;
      }
      case ApplicationCommandOptionType.Attachment: {
        if (!upload) fail(`${where} needs an entry in \`attachments\`, not \`options\``);
        const dimensions = upload.width !== undefined && upload.height !== undefined ? { width: upload.width, height: upload.height } : pngDimensions(upload.data);
        const stored = world.storeFile(
          {
            filename: upload.name,
            contentType: upload.contentType,
            bytes: upload.data,
            size: upload.size ?? upload.data.length,
            width: dimensions?.width,
            height: dimensions?.height,
            description: undefined,
            ephemeral: true,
          },
          channelId,
        );
        resolved.attachments[stored.id] = attachmentJSON(stored);
        basic.push({ name: option.name, type: option.type, value: stored.id });
        break;
      }
    }
  }
  const unknown = [...Object.keys(given), ...Object.keys(uploads)];
  if (unknown.length > 0) fail(`/${input.name} has no option(s) ${unknown.map((name) => `"${name}"`).join(', ')}`);
  let options: APIApplicationCommandInteractionDataOption[] = basic;
  if (input.subcommand) options = [{ name: input.subcommand, type: ApplicationCommandOptionType.Subcommand, options: basic }];
  if (input.subcommandGroup && input.subcommand) {
    options = [{ name: input.subcommandGroup, type: ApplicationCommandOptionType.SubcommandGroup, options: [{ name: input.subcommand, type: ApplicationCommandOptionType.Subcommand, options: basic }] }];
  }
  const used = Object.entries(resolved).filter(([, entries]) => Object.keys(entries).length > 0);
  return { options, resolved: used.length > 0 ? (Object.fromEntries(used) as APIInteractionDataResolved) : undefined };
}
