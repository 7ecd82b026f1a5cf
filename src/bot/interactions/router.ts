/**
 * The bot's single interaction listener.
 *
 * Every command is deferred first thing (Discord drops interactions not
 * acknowledged within 3 s), then its preconditions run, then its handler.
 * Buttons are routed by custom-id prefix and acknowledged the same way.
 * One error boundary wraps it all: a `UserFacingError` is shown as written,
 * anything else as a generic message with a reference id that is also logged —
 * never a stack trace, an upstream error text, or a secret.
 */
import { randomBytes } from 'node:crypto';
import { type ButtonInteraction, type ChatInputCommandInteraction, type Client, Events, type Interaction, MessageFlags } from 'discord.js';
import type { Command, CommandContext } from '../commands/types.js';
import { type BotLogger, silentLogger } from '../logger.js';
import type { ButtonContext, ButtonHandler } from './buttons.js';
import { decodeCustomId } from './customId.js';
import { UserFacingError } from './errors.js';
import type { GuildRepliableInteraction, Precondition } from './preconditions.js';
import { type AckMode, respondPrivately } from './respond.js';

export interface RouterOptions<Services> {
  readonly commands: readonly Command<Services>[];
  readonly buttons?: readonly ButtonHandler<Services>[];
  readonly services: Services;
  readonly logger?: BotLogger;
  /** Called once per interaction when it has been acknowledged; `ms` counts from the interaction's creation on Discord. */
  readonly onAcknowledged?: (details: { readonly kind: 'command' | 'button'; readonly name: string; readonly ms: number }) => void;
}

export interface InteractionRouter {
  /** Handle one interaction; never rejects. */
  handle(interaction: Interaction): Promise<void>;
  /** Listen on a client; returns the function that stops listening. */
  attach(client: Client): () => void;
}

const DISCORD_MESSAGE_LIMIT = 2000;

/** What is safe to log about an error: no request bodies (user text) and no URLs (interaction tokens). */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const details: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  for (const key of ['code', 'status'] as const) {
    if (key in error) details[key] = (error as Error & Record<typeof key, unknown>)[key];
  }
  if (error.cause !== undefined) details.cause = describeError(error.cause);
  return details;
}

async function firstDenial<Services>(preconditions: readonly Precondition<Services>[], interaction: GuildRepliableInteraction, services: Services): Promise<string | undefined> {
  for (const precondition of preconditions) {
    const result = await precondition.check(interaction, services);
    if (!result.ok) return result.reason;
  }
  return undefined;
}

export function createInteractionRouter<Services>(options: RouterOptions<Services>): InteractionRouter {
  const logger = options.logger ?? silentLogger;
  const commandsByName = new Map(options.commands.map((command) => [command.data.name, command]));
  const buttonsByPrefix = new Map((options.buttons ?? []).map((button) => [button.prefix, button]));
  const commandContext: CommandContext<Services> = { services: options.services, commands: options.commands.map((command) => command.data), logger };
  const buttonContext: ButtonContext<Services> = { services: options.services, logger };

  const acknowledged = (kind: 'command' | 'button', name: string, interaction: Interaction): void => {
    options.onAcknowledged?.({ kind, name, ms: Date.now() - interaction.createdTimestamp });
  };

  /** The error boundary: runs `body`, and tells the user privately if it fails. */
  async function guarded(interaction: GuildRepliableInteraction, label: string, body: (ack: { mode: AckMode }) => Promise<void>): Promise<void> {
    const ack: { mode: AckMode } = { mode: 'none' };
    try {
      await body(ack);
    } catch (error) {
      let message: string;
      if (error instanceof UserFacingError) {
        message = error.message.slice(0, DISCORD_MESSAGE_LIMIT);
      } else {
        const reference = randomBytes(4).toString('hex');
        logger.error({ error: describeError(error), reference, interaction: label, userId: interaction.user.id, guildId: interaction.guildId }, 'interaction failed');
        message = `Something went wrong with ${label}. It has been logged as ${reference}; please try again later.`;
      }
      try {
        await respondPrivately(interaction, ack.mode, message);
      } catch (responseError) {
        logger.error({ error: describeError(responseError), interaction: label }, 'could not tell the user about a failure');
      }
    }
  }

  async function handleCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    if (!interaction.inCachedGuild()) {
      await interaction.reply({ content: 'ImagePrompt commands work inside a server.', flags: MessageFlags.Ephemeral });
      return;
    }
    const label = `/${interaction.commandName}`;
    const command = commandsByName.get(interaction.commandName);
    await guarded(interaction, label, async (ack) => {
      if (!command) {
        logger.warn({ command: interaction.commandName }, 'unknown command (are the registered commands out of date?)');
        throw new UserFacingError(`${label} is not available any more; the command list may be out of date.`);
      }
      const ephemeral = command.visibility === 'ephemeral';
      await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
      ack.mode = ephemeral ? 'deferred-ephemeral' : 'deferred-public';
      acknowledged('command', interaction.commandName, interaction);
      const denial = await firstDenial(command.preconditions, interaction, options.services);
      if (denial !== undefined) {
        await respondPrivately(interaction, ack.mode, denial);
        return;
      }
      await command.run(interaction, commandContext);
      if (!interaction.replied) {
        // A handler that never answers would leave "thinking…" up for 15 minutes, then a failure notice.
        logger.warn({ command: interaction.commandName }, 'command finished without replying');
        await interaction.editReply({ content: 'Done.' });
      }
    });
  }

  async function handleButton(interaction: ButtonInteraction): Promise<void> {
    if (!interaction.inCachedGuild()) return;
    const { prefix, args } = decodeCustomId(interaction.customId);
    const handler = buttonsByPrefix.get(prefix);
    await guarded(interaction, `the ${prefix} button`, async (ack) => {
      if (!handler) throw new UserFacingError('This button is no longer active.');
      if (handler.ack === 'update') {
        await interaction.deferUpdate();
        ack.mode = 'deferred-update';
      } else {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        ack.mode = 'deferred-ephemeral';
      }
      acknowledged('button', prefix, interaction);
      const denial = await firstDenial(handler.preconditions ?? [], interaction, options.services);
      if (denial !== undefined) {
        await respondPrivately(interaction, ack.mode, denial);
        return;
      }
      await handler.execute(interaction, args, buttonContext);
    });
  }

  async function handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) await handleCommand(interaction);
      else if (interaction.isButton()) await handleButton(interaction);
    } catch (error) {
      logger.error({ error: describeError(error) }, 'interaction handling failed');
    }
  }

  return {
    handle,
    attach(client) {
      const listener = (interaction: Interaction): void => void handle(interaction);
      client.on(Events.InteractionCreate, listener);
      return () => client.off(Events.InteractionCreate, listener);
    },
  };
}
