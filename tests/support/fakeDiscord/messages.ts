/**
 * Messages as the fake stores them: the Discord fields plus what tests assert on
 * (every write's `allowed_mentions`, who would actually have been pinged, the
 * uploaded bytes, whether only the invoking user could see it).
 */
import {
  type APIAllowedMentions,
  type APIAttachment,
  type APIChannel,
  type APIEmbed,
  type APIMessage,
  type APIMessageInteractionMetadata,
  type APIMessageReference,
  type APIMessageTopLevelComponent,
  type APIPartialEmoji,
  type APIUser,
  AllowedMentionsTypes,
  MessageFlags,
  MessageType,
} from 'discord-api-types/v10';

/** A file the fake holds: uploaded by the bot, or attached by a test to a slash command. */
export interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly contentType: string | undefined;
  readonly bytes: Uint8Array;
  /** What Discord reports; tests may declare a size other than `bytes.length` to fake a huge upload cheaply. */
  readonly size: number;
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly description: string | undefined;
  readonly url: string;
  readonly ephemeral: boolean;
}

export function attachmentJSON(file: StoredFile): APIAttachment {
  return {
    id: file.id,
    filename: file.filename,
    size: file.size,
    url: file.url,
    proxy_url: `${file.url}?proxy=1`,
    ...(file.contentType ? { content_type: file.contentType } : {}),
    ...(file.width !== undefined && file.height !== undefined ? { width: file.width, height: file.height } : {}),
    ...(file.description ? { description: file.description } : {}),
    ...(file.ephemeral ? { ephemeral: true } : {}),
  };
}

/** Who a message would notify, after Discord applies `allowed_mentions` to its content. */
export interface Pings {
  readonly users: readonly string[];
  readonly roles: readonly string[];
  readonly everyone: boolean;
}

const USER_MENTION = /<@!?(\d{17,20})>/g;
const ROLE_MENTION = /<@&(\d{17,20})>/g;
const EVERYONE_MENTION = /@(everyone|here)\b/;

/**
 * Discord's rules: with no `allowed_mentions` every mention in the content pings;
 * with one, only the `parse` types and the listed ids do. Embeds never ping.
 */
export function resolvePings(content: string, allowed: APIAllowedMentions | undefined, repliedUserId?: string): Pings {
  const users = new Set([...content.matchAll(USER_MENTION)].map((match) => match[1]!));
  const roles = new Set([...content.matchAll(ROLE_MENTION)].map((match) => match[1]!));
  const everyone = EVERYONE_MENTION.test(content);
  if (allowed === undefined) {
    if (repliedUserId) users.add(repliedUserId);
    return { users: [...users], roles: [...roles], everyone };
  }
  const parse = new Set(allowed.parse ?? []);
  const allowedUsers = new Set(allowed.users ?? []);
  const allowedRoles = new Set(allowed.roles ?? []);
  const pingedUsers = [...users].filter((id) => parse.has(AllowedMentionsTypes.User) || allowedUsers.has(id));
  if (repliedUserId && allowed.replied_user) pingedUsers.push(repliedUserId);
  return {
    users: pingedUsers,
    roles: [...roles].filter((id) => parse.has(AllowedMentionsTypes.Role) || allowedRoles.has(id)),
    everyone: everyone && parse.has(AllowedMentionsTypes.Everyone),
  };
}

/** One create or edit of a message, as the bot sent it. */
export interface MessageWrite {
  readonly kind: 'create' | 'edit';
  readonly messageId: string;
  readonly channelId: string;
  readonly content: string;
  /** `undefined` when the body carried no `allowed_mentions` (Discord then pings everything in the content). */
  readonly allowedMentions: APIAllowedMentions | undefined;
  readonly pings: Pings;
  readonly at: number;
}

export interface ReactionState {
  readonly emoji: APIPartialEmoji;
  readonly userIds: Set<string>;
}

/** The fields a create or edit body may set (already validated). */
export interface MessageFields {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIMessageTopLevelComponent[];
  flags?: number;
  allowed_mentions?: APIAllowedMentions;
}

export class FakeMessage {
  content = '';
  embeds: APIEmbed[] = [];
  components: APIMessageTopLevelComponent[] = [];
  files: StoredFile[] = [];
  flags = 0;
  editedAt: string | null = null;
  deleted = false;
  /** Thread started from this message (its id equals the message id, as on Discord). */
  thread: APIChannel | undefined;
  readonly reactions = new Map<string, ReactionState>();
  readonly writes: MessageWrite[] = [];

  constructor(
    readonly id: string,
    readonly channelId: string,
    readonly guildId: string | undefined,
    readonly author: APIUser,
    readonly createdAt: string,
    readonly extra: {
      readonly type?: MessageType;
      readonly webhookId?: string;
      readonly applicationId?: string;
      readonly interactionMetadata?: APIMessageInteractionMetadata;
      readonly messageReference?: APIMessageReference;
      readonly repliedUserId?: string;
    } = {},
  ) {}

  /** Only the invoking user sees it; never listed by `fake.messages(channelId)` unless asked. */
  get ephemeral(): boolean {
    return (this.flags & MessageFlags.Ephemeral) !== 0;
  }

  /** A deferred reply Discord shows as "thinking…" until it is edited. */
  get loading(): boolean {
    return (this.flags & MessageFlags.Loading) !== 0;
  }

  /** `allowed_mentions` of the latest write. */
  get allowedMentions(): APIAllowedMentions | undefined {
    return this.writes.at(-1)?.allowedMentions;
  }

  get pings(): Pings {
    return this.writes.at(-1)?.pings ?? { users: [], roles: [], everyone: false };
  }

  /** Every custom_id of the message's buttons and selects, depth-first (works for components v2 too). */
  customIds(): string[] {
    const ids: string[] = [];
    const visit = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      if ('custom_id' in node && typeof node.custom_id === 'string') ids.push(node.custom_id);
      for (const key of ['components', 'accessory'] as const) {
        const child = (node as Record<string, unknown>)[key];
        if (Array.isArray(child)) child.forEach(visit);
        else visit(child);
      }
    };
    this.components.forEach(visit);
    return ids;
  }

  /** Apply a create or edit body, recording the write. */
  apply(kind: MessageWrite['kind'], fields: MessageFields, at: number): void {
    if (fields.content !== undefined) this.content = fields.content;
    if (fields.embeds !== undefined) this.embeds = fields.embeds;
    if (fields.components !== undefined) this.components = fields.components;
    if (fields.flags !== undefined) {
      // Ephemeral and loading are fixed at creation; a body may only change the others.
      const fixed = this.flags & (MessageFlags.Ephemeral | MessageFlags.Loading);
      this.flags = fixed | (fields.flags & ~(MessageFlags.Ephemeral | MessageFlags.Loading));
    }
    if (kind === 'edit') this.flags &= ~MessageFlags.Loading;
    const pings = resolvePings(this.content, fields.allowed_mentions, this.extra.repliedUserId);
    this.writes.push({
      kind,
      messageId: this.id,
      channelId: this.channelId,
      content: this.content,
      allowedMentions: fields.allowed_mentions,
      pings,
      at,
    });
  }

  reactionKey(emoji: APIPartialEmoji): string {
    return emoji.id ?? emoji.name ?? '';
  }

  toJSON(viewerId: string, usersById: ReadonlyMap<string, APIUser>): APIMessage {
    const pings = this.pings;
    return {
      id: this.id,
      channel_id: this.channelId,
      author: this.author,
      content: this.content,
      timestamp: this.createdAt,
      edited_timestamp: this.editedAt,
      tts: false,
      mention_everyone: pings.everyone,
      mentions: pings.users.flatMap((id) => usersById.get(id) ?? []),
      mention_roles: [...pings.roles],
      attachments: this.files.map(attachmentJSON),
      embeds: this.embeds,
      components: this.components,
      pinned: false,
      type: this.extra.type ?? MessageType.Default,
      flags: this.flags,
      ...(this.reactions.size > 0
        ? {
            reactions: [...this.reactions.values()]
              .filter((reaction) => reaction.userIds.size > 0)
              .map((reaction) => ({
                emoji: reaction.emoji,
                count: reaction.userIds.size,
                count_details: { burst: 0, normal: reaction.userIds.size },
                me: reaction.userIds.has(viewerId),
                me_burst: false,
                burst_colors: [],
              })),
          }
        : {}),
      ...(this.extra.webhookId ? { webhook_id: this.extra.webhookId } : {}),
      ...(this.extra.applicationId ? { application_id: this.extra.applicationId } : {}),
      ...(this.extra.interactionMetadata ? { interaction_metadata: this.extra.interactionMetadata } : {}),
      ...(this.extra.messageReference ? { message_reference: this.extra.messageReference } : {}),
      ...(this.thread ? { thread: this.thread } : {}),
    };
  }
}
