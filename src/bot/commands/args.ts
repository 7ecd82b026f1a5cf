/**
 * A command's arguments, typed from its own schema and read from the
 * interaction by that same schema: the JSON registered with Discord is the
 * single source of truth for names, types, required-ness and choices.
 *
 * Subcommands become a discriminated union `{ subcommand, options }`;
 * subcommand groups are not supported (no ImagePrompt command needs them).
 */
import {
  ApplicationCommandOptionType,
  type Attachment,
  type ChatInputCommandInteraction,
  type CommandInteractionOptionResolver,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type Role,
  type User,
} from 'discord.js';

type DeepReadonly<T> = T extends (infer Item)[] ? readonly DeepReadonly<Item>[] : T extends object ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> } : T;

/**
 * A chat-input command's registration JSON. Declare it `as const satisfies CommandData`
 * so names and literal types survive for `CommandArgs`; it is sent to Discord as is.
 */
export type CommandData = DeepReadonly<RESTPostAPIChatInputApplicationCommandsJSONBody>;

type Resolver = Omit<CommandInteractionOptionResolver<'cached'>, 'getMessage' | 'getFocused'>;

type ChoiceValue<Option> = Option extends { readonly choices: readonly { readonly value: infer Value }[] } ? Value : never;

/** The value one option yields. */
export type OptionValue<Option> = Option extends { readonly type: ApplicationCommandOptionType.String }
  ? [ChoiceValue<Option>] extends [never] ? string : ChoiceValue<Option>
  : Option extends { readonly type: ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number }
    ? [ChoiceValue<Option>] extends [never] ? number : ChoiceValue<Option>
    : Option extends { readonly type: ApplicationCommandOptionType.Boolean }
      ? boolean
      : Option extends { readonly type: ApplicationCommandOptionType.User }
        ? User
        : Option extends { readonly type: ApplicationCommandOptionType.Role }
          ? Role
          : Option extends { readonly type: ApplicationCommandOptionType.Channel }
            ? NonNullable<ReturnType<Resolver['getChannel']>>
            : Option extends { readonly type: ApplicationCommandOptionType.Mentionable }
              ? NonNullable<ReturnType<Resolver['getMentionable']>>
              : Option extends { readonly type: ApplicationCommandOptionType.Attachment }
                ? Attachment
                : never;

/** `{ [name]: value }` for a list of basic options; optional ones may be `undefined`. */
export type OptionArgs<Options> = Options extends readonly unknown[]
  ? { readonly [Option in Options[number] as Option extends { readonly name: infer Name extends string } ? Name : never]: Option extends { readonly required: true } ? OptionValue<Option> : OptionValue<Option> | undefined }
  : Record<never, never>;

type SubcommandArgs<Option> = Option extends { readonly type: ApplicationCommandOptionType.Subcommand; readonly name: infer Name extends string }
  ? { readonly subcommand: Name; readonly options: OptionArgs<Option extends { readonly options: infer Inner } ? Inner : readonly []> }
  : never;

/** What a command's handler receives, derived from its `data`. */
export type CommandArgs<Data extends CommandData> = Data extends { readonly options: readonly (infer Option)[] }
  ? [Extract<Option, { readonly type: ApplicationCommandOptionType.Subcommand }>] extends [never]
    ? OptionArgs<Data['options']>
    : SubcommandArgs<Option>
  : Record<never, never>;

type SchemaOption = NonNullable<CommandData['options']>[number];

function readBasicOption(option: SchemaOption, resolver: ChatInputCommandInteraction<'cached'>['options']): unknown {
  switch (option.type) {
    case ApplicationCommandOptionType.String:
      return resolver.getString(option.name) ?? undefined;
    case ApplicationCommandOptionType.Integer:
      return resolver.getInteger(option.name) ?? undefined;
    case ApplicationCommandOptionType.Number:
      return resolver.getNumber(option.name) ?? undefined;
    case ApplicationCommandOptionType.Boolean:
      return resolver.getBoolean(option.name) ?? undefined;
    case ApplicationCommandOptionType.User:
      return resolver.getUser(option.name) ?? undefined;
    case ApplicationCommandOptionType.Role:
      return resolver.getRole(option.name) ?? undefined;
    case ApplicationCommandOptionType.Channel:
      return resolver.getChannel(option.name) ?? undefined;
    case ApplicationCommandOptionType.Mentionable:
      return resolver.getMentionable(option.name) ?? undefined;
    case ApplicationCommandOptionType.Attachment:
      return resolver.getAttachment(option.name) ?? undefined;
    default:
      throw new Error(`option "${option.name}" has a type the argument reader does not handle (${option.type})`);
  }
}

function readOptions(options: readonly SchemaOption[] | undefined, resolver: ChatInputCommandInteraction<'cached'>['options']): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const option of options ?? []) args[option.name] = readBasicOption(option, resolver);
  return args;
}

/**
 * Read the interaction's options as `CommandArgs<Data>`, by the command's own schema.
 * The casts are the one place runtime values meet the schema-derived type; the
 * reader above follows the same schema, so they agree by construction.
 */
export function parseCommandArgs<Data extends CommandData>(data: Data, interaction: ChatInputCommandInteraction<'cached'>): CommandArgs<Data> {
  const options = data.options ?? [];
  const subcommands = options.filter((option) => option.type === ApplicationCommandOptionType.Subcommand);
  if (subcommands.length === 0) return readOptions(options, interaction.options) as CommandArgs<Data>;
  const name = interaction.options.getSubcommand(true);
  const subcommand = subcommands.find((option) => option.name === name);
  if (!subcommand) throw new Error(`/${data.name} has no subcommand "${name}" in its schema`);
  const inner = 'options' in subcommand ? (subcommand.options as readonly SchemaOption[] | undefined) : undefined;
  return { subcommand: name, options: readOptions(inner, interaction.options) } as unknown as CommandArgs<Data>;
}
