/**
 * One module per command (yuudachi style): its registration JSON and its handler.
 *
 * ```ts
 * const data = { name: 'guess', description: '…', options: [...] } as const satisfies CommandData;
 * export const guessCommand = defineCommand({
 *   data,
 *   visibility: 'public',
 *   async execute(interaction, args, context) { ... }, // args typed from `data`
 * });
 * ```
 *
 * The router defers every command before anything else, runs its
 * preconditions, then calls `execute`; the handler answers with `editReply`
 * (or `followUp`). Throw `UserFacingError` for a refusal the user should read;
 * anything else becomes a generic ephemeral error with a reference id.
 */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { Precondition } from '../interactions/preconditions.js';
import type { BotLogger } from '../logger.js';
import { type CommandArgs, type CommandData, parseCommandArgs } from './args.js';

export type { CommandArgs, CommandData };

/** Where the deferred reply, and so the handler's `editReply`, shows: to everyone or only to the invoker. */
export type ReplyVisibility = 'public' | 'ephemeral';

export type GuildCommandInteraction = ChatInputCommandInteraction<'cached'>;

/** What every handler gets besides the interaction: the services it orchestrates, and framework facts. */
export interface CommandContext<Services> {
  readonly services: Services;
  /** The registration JSON of every routed command (what `/help` lists). */
  readonly commands: readonly CommandData[];
  readonly logger: BotLogger;
}

export interface CommandDefinition<Data extends CommandData, Services> {
  readonly data: Data;
  readonly visibility: ReplyVisibility;
  /** Checked in order after deferring; the first denial is shown to the user (ephemeral) and the handler is not run. */
  readonly preconditions?: readonly Precondition<Services>[];
  execute(interaction: GuildCommandInteraction, args: CommandArgs<Data>, context: CommandContext<Services>): Promise<void>;
}

/** A command as the router and registration see it: its schema typing erased, arguments read inside `run`. */
export interface Command<Services = unknown> {
  readonly data: CommandData;
  readonly visibility: ReplyVisibility;
  readonly preconditions: readonly Precondition<Services>[];
  run(interaction: GuildCommandInteraction, context: CommandContext<Services>): Promise<void>;
}

export function defineCommand<const Data extends CommandData, Services = unknown>(definition: CommandDefinition<Data, Services>): Command<Services> {
  return {
    data: definition.data,
    visibility: definition.visibility,
    preconditions: definition.preconditions ?? [],
    run: (interaction, context) => definition.execute(interaction, parseCommandArgs(definition.data, interaction), context),
  };
}
