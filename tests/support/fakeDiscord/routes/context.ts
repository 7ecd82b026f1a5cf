/** What every REST route of the fake works with, and the helpers they share. */
import { type APIMessage, type GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import type { FakeGateway } from '../gateway.js';
import type { RouteResult, UploadedFile } from '../http.js';
import { type InteractionRecord, pngDimensions } from '../interactions.js';
import type { FakeMessage } from '../messages.js';
import { HttpError, type ParsedMessageBody } from '../validation.js';
import type { FakeWorld } from '../world.js';

export interface RouteContext {
  readonly world: FakeWorld;
  readonly gateway: FakeGateway;
  readonly interactionsById: Map<string, InteractionRecord>;
  readonly interactionsByToken: Map<string, InteractionRecord>;
  readonly maxUploadBytes: number;
  readonly shards: number;
  /** Signal a state change so `waitFor` probes re-run. */
  changed(): void;
  now(): number;
}

export function json(value: unknown, status: 200 | 201 = 200): RouteResult {
  return { status, json: value };
}

export const noContent: RouteResult = { status: 204 };

export function messageJSON(context: RouteContext, message: FakeMessage): APIMessage {
  return message.toJSON(context.world.botUser.id, context.world.users);
}

/**
 * Attach the multipart uploads to a message. On create every `files[N]` is added;
 * on edit, a body `attachments` list says which existing files to keep (all of
 * them when the list is absent), then the new uploads are appended.
 */
export function applyUploads(context: RouteContext, message: FakeMessage, parsed: ParsedMessageBody, uploads: readonly UploadedFile[]): void {
  for (const upload of uploads) {
    if (upload.bytes.length > context.maxUploadBytes) throw new HttpError(413, 40005, 'Request entity too large');
  }
  if (parsed.attachments !== undefined) {
    const keep = new Set(parsed.attachments.map((attachment) => attachment.id));
    message.files = message.files.filter((file) => keep.has(file.id));
  }
  uploads.forEach((upload, index) => {
    const slot = /\[(\d+)\]/.exec(upload.field)?.[1] ?? String(index);
    const description = parsed.attachments?.find((attachment) => attachment.id === slot)?.description;
    const dimensions = pngDimensions(upload.bytes);
    message.files.push(
      context.world.storeFile(
        {
          filename: upload.filename,
          contentType: upload.contentType || undefined,
          bytes: upload.bytes,
          size: upload.bytes.length,
          width: dimensions?.width,
          height: dimensions?.height,
          description,
          ephemeral: message.ephemeral,
        },
        message.channelId,
      ),
    );
  });
}

/** Record a write in the world's log (every create and edit, for allowed_mentions assertions). */
export function logWrite(context: RouteContext, message: FakeMessage): void {
  const write = message.writes.at(-1);
  if (write) context.world.messageWrites.push(write);
}

/** MESSAGE_CREATE / MESSAGE_UPDATE go only to sessions that asked for GuildMessages (the bot does not). */
export function dispatchMessageEvent(context: RouteContext, event: GatewayDispatchEvents, message: FakeMessage): void {
  if (message.ephemeral || message.guildId === undefined) return;
  void context.gateway.dispatch(event, { ...messageJSON(context, message), guild_id: message.guildId }, {
    guildId: message.guildId,
    intent: GatewayIntentBits.GuildMessages,
  });
}
