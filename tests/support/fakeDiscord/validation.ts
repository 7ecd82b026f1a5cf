/**
 * The limits Discord enforces on bodies the bot sends, answered the way Discord
 * answers them (400, code 50035 "Invalid Form Body", nested `errors`). A bot that
 * echoes a 3000-character prompt must fail here as it would in production.
 */
import {
  type APIAllowedMentions,
  type APIEmbed,
  type APIMessageTopLevelComponent,
  AllowedMentionsTypes,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonStyle,
  ComponentType,
  EmbedType,
  MessageFlags,
} from 'discord-api-types/v10';
import type { MessageFields } from './messages.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Collects field errors under dotted paths (`embeds.0.title`) into Discord's nested shape. */
export class FormErrors {
  private readonly root: Record<string, unknown> = {};
  private count = 0;

  add(path: string, code: string, message: string): void {
    let node = this.root;
    for (const key of path.split('.')) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node._errors ??= [];
    (node._errors as Array<{ code: string; message: string }>).push({ code, message });
    this.count += 1;
  }

  throwIfAny(): void {
    if (this.count > 0) throw new HttpError(400, 50035, 'Invalid Form Body', this.root);
  }
}

export const MESSAGE_LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  embedAuthor: 256,
  actionRows: 5,
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  files: 10,
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tooLong(errors: FormErrors, path: string, value: unknown, max: number): void {
  if (typeof value === 'string' && value.length > max) {
    errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  }
}

function validateEmbeds(errors: FormErrors, embeds: APIEmbed[]): void {
  if (embeds.length > MESSAGE_LIMITS.embeds) errors.add('embeds', 'BASE_TYPE_MAX_LENGTH', `Must be ${MESSAGE_LIMITS.embeds} or fewer in length.`);
  let total = 0;
  embeds.forEach((embed, index) => {
    const at = `embeds.${index}`;
    tooLong(errors, `${at}.title`, embed.title, MESSAGE_LIMITS.embedTitle);
    tooLong(errors, `${at}.description`, embed.description, MESSAGE_LIMITS.embedDescription);
    tooLong(errors, `${at}.footer.text`, embed.footer?.text, MESSAGE_LIMITS.embedFooter);
    tooLong(errors, `${at}.author.name`, embed.author?.name, MESSAGE_LIMITS.embedAuthor);
    const fields = embed.fields ?? [];
    if (fields.length > MESSAGE_LIMITS.embedFields) errors.add(`${at}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((field, fieldIndex) => {
      tooLong(errors, `${at}.fields.${fieldIndex}.name`, field.name, MESSAGE_LIMITS.embedFieldName);
      tooLong(errors, `${at}.fields.${fieldIndex}.value`, field.value, MESSAGE_LIMITS.embedFieldValue);
      total += field.name.length + field.value.length;
    });
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0);
  });
  if (total > MESSAGE_LIMITS.embedTotal) errors.add('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function validateComponents(errors: FormErrors, components: APIMessageTopLevelComponent[], componentsV2: boolean): void {
  const seen = new Set<string>();
  const checkInteractive = (path: string, node: Record<string, unknown>): void => {
    const customId = node.custom_id;
    if (typeof customId === 'string') {
      tooLong(errors, `${path}.custom_id`, customId, MESSAGE_LIMITS.customId);
      if (seen.has(customId)) errors.add(`${path}.custom_id`, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      seen.add(customId);
    }
    if (node.type === ComponentType.Button) {
      tooLong(errors, `${path}.label`, node.label, MESSAGE_LIMITS.buttonLabel);
      const isLink = node.style === ButtonStyle.Link;
      const isPremium = node.style === ButtonStyle.Premium;
      if (isLink && typeof node.url !== 'string') errors.add(`${path}.url`, 'BASE_TYPE_REQUIRED', 'This field is required');
      if (!isLink && !isPremium && typeof customId !== 'string') errors.add(`${path}.custom_id`, 'BASE_TYPE_REQUIRED', 'This field is required');
    }
  };
  const walk = (path: string, node: unknown): void => {
    if (!isRecord(node)) return;
    checkInteractive(path, node);
    if (Array.isArray(node.components)) {
      for (const [index, child] of node.components.entries()) walk(`${path}.components.${index}`, child);
    }
    if (isRecord(node.accessory)) walk(`${path}.accessory`, node.accessory);
  };
  if (!componentsV2) {
    if (components.length > MESSAGE_LIMITS.actionRows) errors.add('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    for (const [index, row] of components.entries()) {
      if (row.type !== ComponentType.ActionRow) {
        errors.add(`components.${index}.type`, 'UNION_TYPE_CHOICES', 'Only action rows are allowed without the IsComponentsV2 flag');
      } else if (row.components.length > MESSAGE_LIMITS.buttonsPerRow) {
        errors.add(`components.${index}.components`, 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
      }
    }
  }
  for (const [index, component] of components.entries()) walk(`components.${index}`, component);
}

function validateAllowedMentions(errors: FormErrors, allowed: APIAllowedMentions): void {
  const parse = allowed.parse ?? [];
  if (parse.includes(AllowedMentionsTypes.User) && allowed.users !== undefined && allowed.users.length > 0) {
    errors.add('allowed_mentions', 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', 'parse:["users"] and users: [ids...] are mutually exclusive.');
  }
  if (parse.includes(AllowedMentionsTypes.Role) && allowed.roles !== undefined && allowed.roles.length > 0) {
    errors.add('allowed_mentions', 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', 'parse:["roles"] and roles: [ids...] are mutually exclusive.');
  }
}

/** The parts of a message body the fake acts on, validated. */
export interface ParsedMessageBody {
  readonly fields: MessageFields;
  /** `attachments` from the body: ids of files to keep (existing snowflakes) or upload indexes with descriptions. */
  readonly attachments: ReadonlyArray<{ id: string; description?: string }> | undefined;
  readonly messageReference: { message_id: string } | undefined;
}

export function parseMessageBody(raw: unknown, fileCount: number, mode: 'create' | 'edit'): ParsedMessageBody {
  const body = isRecord(raw) ? raw : {};
  const errors = new FormErrors();
  const fields: MessageFields = {};
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string') errors.add('content', 'BASE_TYPE_STRING', 'Must be a string.');
    else {
      tooLong(errors, 'content', body.content, MESSAGE_LIMITS.content);
      fields.content = body.content;
    }
  }
  if (Array.isArray(body.embeds)) {
    // Discord stores bot embeds as "rich" and says so when it serves them back.
    fields.embeds = (body.embeds as APIEmbed[]).map((embed) => ({ type: EmbedType.Rich, ...embed }));
    validateEmbeds(errors, fields.embeds);
  }
  if (typeof body.flags === 'number') fields.flags = body.flags;
  if (Array.isArray(body.components)) {
    fields.components = body.components as APIMessageTopLevelComponent[];
    validateComponents(errors, fields.components, ((fields.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0);
  }
  if (isRecord(body.allowed_mentions)) {
    fields.allowed_mentions = body.allowed_mentions as APIAllowedMentions;
    validateAllowedMentions(errors, fields.allowed_mentions);
  }
  if (fileCount > MESSAGE_LIMITS.files) errors.add('files', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  const attachments = Array.isArray(body.attachments)
    ? body.attachments.filter(isRecord).map((attachment) => ({
        id: String(attachment.id),
        ...(typeof attachment.description === 'string' ? { description: attachment.description } : {}),
      }))
    : undefined;
  errors.throwIfAny();
  const hasSomething =
    (fields.content?.length ?? 0) > 0 ||
    (fields.embeds?.length ?? 0) > 0 ||
    (fields.components?.length ?? 0) > 0 ||
    fileCount > 0 ||
    Array.isArray(body.sticker_ids) ||
    isRecord(body.poll);
  if (mode === 'create' && !hasSomething) throw new HttpError(400, 50006, 'Cannot send an empty message');
  const reference = isRecord(body.message_reference) && typeof body.message_reference.message_id === 'string'
    ? { message_id: body.message_reference.message_id }
    : undefined;
  return { fields, attachments, messageReference: reference };
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function validateOptions(errors: FormErrors, path: string, options: unknown[]): void {
  if (options.length > 25) errors.add(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let sawOptional = false;
  const names = new Set<string>();
  for (const [index, option] of options.entries()) {
    const at = `${path}.${index}`;
    if (!isRecord(option)) {
      errors.add(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      continue;
    }
    const name = option.name;
    if (typeof name !== 'string' || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
      errors.add(`${at}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (names.has(name)) {
      errors.add(`${at}.name`, 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option name already exists');
    } else names.add(name);
    if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
      errors.add(`${at}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const isSubcommand = option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;
    if (isSubcommand) {
      if (Array.isArray(option.options)) validateOptions(errors, `${at}.options`, option.options);
      continue;
    }
    if (option.required === true && sawOptional) {
      errors.add(`${at}.required`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    }
    if (option.required !== true) sawOptional = true;
    if (Array.isArray(option.choices) && option.choices.length > 25) errors.add(`${at}.choices`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  }
  const kinds = new Set(
    options.filter(isRecord).map((option) => option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup),
  );
  if (kinds.size > 1) errors.add(path, 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command and sub-command group option types are mutually exclusive to all other types');
}

/** Validates a bulk-overwrite body the way Discord does for chat-input commands. */
export function validateCommands(raw: unknown): Record<string, unknown>[] {
  const errors = new FormErrors();
  if (!Array.isArray(raw)) {
    errors.add('_root', 'BASE_TYPE_ARRAY', 'Must be an array.');
    errors.throwIfAny();
    return [];
  }
  if (raw.length > 100) errors.add('_root', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const names = new Set<string>();
  for (const [index, command] of raw.entries()) {
    if (!isRecord(command)) {
      errors.add(`${index}`, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      continue;
    }
    const type = command.type ?? ApplicationCommandType.ChatInput;
    const name = command.name;
    if (typeof name !== 'string' || !COMMAND_NAME.test(name) || (type === ApplicationCommandType.ChatInput && name !== name.toLowerCase())) {
      errors.add(`${index}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (names.has(`${type}:${name}`)) {
      errors.add(`${index}.name`, 'APPLICATION_COMMAND_ALREADY_EXISTS', 'Application command with that name already exists');
    } else names.add(`${type}:${name}`);
    if (type === ApplicationCommandType.ChatInput) {
      if (typeof command.description !== 'string' || command.description.length < 1 || command.description.length > 100) {
        errors.add(`${index}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      if (Array.isArray(command.options)) validateOptions(errors, `${index}.options`, command.options);
    }
  }
  errors.throwIfAny();
  return raw.filter(isRecord);
}
