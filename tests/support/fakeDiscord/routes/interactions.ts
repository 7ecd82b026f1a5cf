/**
 * Interaction callbacks and the interaction webhook (follow-ups, @original).
 * No Authorization header is needed on these, as on Discord; the token is the credential.
 *
 * Rules reproduced from Discord: one callback per interaction (40060 after that),
 * none after the deadline (10062); webhook calls before the callback fail (10015);
 * the first follow-up after a deferred reply that is still "thinking…" replaces
 * that message and keeps its visibility (its own ephemeral flag is ignored).
 */
import {
  type APIMessageInteractionMetadata,
  GatewayDispatchEvents,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  type RESTPostAPIInteractionCallbackWithResponseResult,
} from 'discord-api-types/v10';
import type { RestRouter } from '../http.js';
import type { InteractionRecord } from '../interactions.js';
import type { FakeMessage } from '../messages.js';
import { HttpError, parseMessageBody } from '../validation.js';
import { type RouteContext, applyUploads, dispatchMessageEvent, json, logWrite, messageJSON, noContent } from './context.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function metadataOf(context: RouteContext, record: InteractionRecord): APIMessageInteractionMetadata {
  const base = { id: record.id, user: context.world.user(record.userId), authorizing_integration_owners: { 0: record.guildId } };
  return record.sourceMessageId
    ? { ...base, type: InteractionType.MessageComponent, interacted_message_id: record.sourceMessageId }
    : { ...base, type: InteractionType.ApplicationCommand };
}

function createResponseMessage(context: RouteContext, record: InteractionRecord, flags: number): FakeMessage {
  const { world } = context;
  const message = world.createMessage(record.channelId, world.botUser, {
    type: record.sourceMessageId ? MessageType.Default : MessageType.ChatInputCommand,
    webhookId: world.applicationId,
    applicationId: world.applicationId,
    interactionMetadata: metadataOf(context, record),
  });
  message.flags = flags;
  return message;
}

function recordForToken(context: RouteContext, applicationId: string, token: string): InteractionRecord {
  const record = context.interactionsByToken.get(token);
  if (applicationId !== context.world.applicationId || !record || !record.acknowledgement) throw new HttpError(404, 10015, 'Unknown Webhook');
  return record;
}

function targetMessage(context: RouteContext, record: InteractionRecord, messageId: string): FakeMessage {
  const id = messageId === '@original' ? record.originalMessageId : messageId;
  const isOwn = id !== undefined && (id === record.originalMessageId || record.followUpIds.includes(id));
  const message = id && isOwn ? context.world.messages.get(id) : undefined;
  if (!message || message.deleted) throw new HttpError(404, 10008, 'Unknown Message');
  return message;
}

export function addInteractionRoutes(router: RestRouter, context: RouteContext): void {
  const { world } = context;

  router.add(
    'POST',
    '/interactions/:id/:token/callback',
    ({ params, query, json: body, files }) => {
      const record = context.interactionsById.get(params.id!);
      if (!record || record.token !== params.token || record.expired) throw new HttpError(404, 10062, 'Unknown interaction');
      if (record.acknowledgement) throw new HttpError(400, 40060, 'Interaction has already been acknowledged.');
      const callback = isRecord(body) ? body : {};
      const type = callback.type as InteractionResponseType;
      const data = isRecord(callback.data) ? callback.data : {};
      const flags = typeof data.flags === 'number' ? data.flags : 0;
      const isComponent = record.sourceMessageId !== undefined;
      let message: FakeMessage | undefined;
      switch (type) {
        case InteractionResponseType.ChannelMessageWithSource: {
          const parsed = parseMessageBody(data, files.length, 'create');
          message = createResponseMessage(context, record, flags & (MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2));
          applyUploads(context, message, parsed, files);
          message.apply('create', parsed.fields, context.now());
          logWrite(context, message);
          record.originalMessageId = message.id;
          break;
        }
        case InteractionResponseType.DeferredChannelMessageWithSource:
          message = createResponseMessage(context, record, MessageFlags.Loading | (flags & MessageFlags.Ephemeral));
          record.originalMessageId = message.id;
          break;
        case InteractionResponseType.DeferredMessageUpdate:
        case InteractionResponseType.UpdateMessage: {
          if (!isComponent) throw new HttpError(400, 50035, 'Invalid Form Body', { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction' }] } });
          message = world.messages.get(record.sourceMessageId!);
          if (message && type === InteractionResponseType.UpdateMessage) {
            const parsed = parseMessageBody(data, files.length, 'edit');
            applyUploads(context, message, parsed, files);
            message.apply('edit', parsed.fields, context.now());
            message.editedAt = new Date().toISOString();
            logWrite(context, message);
          }
          break;
        }
        case InteractionResponseType.Modal:
        case InteractionResponseType.ApplicationCommandAutocompleteResult:
          break;
        default:
          throw new HttpError(400, 50035, 'Invalid Form Body', { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of the interaction response types (got ${String(type)}).` }] } });
      }
      record.acknowledge(type, message?.flags ?? flags, context.now());
      record.responses.push({ kind: 'callback', callbackType: type, message, at: context.now() });
      if (message && type === InteractionResponseType.ChannelMessageWithSource) dispatchMessageEvent(context, GatewayDispatchEvents.MessageCreate, message);
      context.changed();
      if (query.get('with_response') !== 'true') return noContent;
      const result: RESTPostAPIInteractionCallbackWithResponseResult = {
        interaction: {
          id: record.id,
          type: isComponent ? InteractionType.MessageComponent : InteractionType.ApplicationCommand,
          ...(message ? { response_message_id: message.id, response_message_loading: message.loading, response_message_ephemeral: message.ephemeral } : {}),
        },
        resource: { type, ...(message ? { message: messageJSON(context, message) } : {}) },
      };
      return json(result);
    },
    { auth: false },
  );

  router.add(
    'POST',
    '/webhooks/:app/:token',
    ({ params, json: body, files }) => {
      const record = recordForToken(context, params.app!, params.token!);
      const parsed = parseMessageBody(body, files.length, 'create');
      const flags = parsed.fields.flags ?? 0;
      const original = record.original();
      let message: FakeMessage;
      if (original && !original.deleted && original.loading && original.id !== record.sourceMessageId) {
        // Discord: the first follow-up after a defer replaces the "thinking…" message, keeping its visibility.
        message = original;
        applyUploads(context, message, parsed, files);
        message.apply('edit', { ...parsed.fields, flags: undefined }, context.now());
      } else {
        message = createResponseMessage(context, record, flags & (MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2));
        applyUploads(context, message, parsed, files);
        message.apply('create', parsed.fields, context.now());
        record.followUpIds.push(message.id);
      }
      logWrite(context, message);
      record.responses.push({ kind: 'follow-up', message, at: context.now() });
      dispatchMessageEvent(context, GatewayDispatchEvents.MessageCreate, message);
      context.changed();
      // For interaction follow-ups Discord treats `wait` as always true.
      return json(messageJSON(context, message));
    },
    { auth: false },
  );

  router.add(
    'GET',
    '/webhooks/:app/:token/messages/:message',
    ({ params }) => json(messageJSON(context, targetMessage(context, recordForToken(context, params.app!, params.token!), params.message!))),
    { auth: false },
  );

  router.add(
    'PATCH',
    '/webhooks/:app/:token/messages/:message',
    ({ params, json: body, files }) => {
      const record = recordForToken(context, params.app!, params.token!);
      const message = targetMessage(context, record, params.message!);
      const parsed = parseMessageBody(body, files.length, 'edit');
      applyUploads(context, message, parsed, files);
      message.apply('edit', parsed.fields, context.now());
      message.editedAt = new Date().toISOString();
      logWrite(context, message);
      const isOriginal = message.id === record.originalMessageId;
      record.responses.push({ kind: isOriginal ? 'edit-original' : 'edit-follow-up', message, at: context.now() });
      dispatchMessageEvent(context, GatewayDispatchEvents.MessageUpdate, message);
      context.changed();
      return json(messageJSON(context, message));
    },
    { auth: false },
  );

  router.add(
    'DELETE',
    '/webhooks/:app/:token/messages/:message',
    ({ params }) => {
      const record = recordForToken(context, params.app!, params.token!);
      const message = targetMessage(context, record, params.message!);
      message.deleted = true;
      const isOriginal = message.id === record.originalMessageId;
      record.responses.push({ kind: isOriginal ? 'delete-original' : 'delete-follow-up', message, at: context.now() });
      context.changed();
      return noContent;
    },
    { auth: false },
  );
}
