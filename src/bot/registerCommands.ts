/**
 * Registers the slash commands (`imageprompt register-commands [--guild ID]`).
 * A bulk overwrite: Discord ends up with exactly this list. Guild commands
 * appear at once (use them while developing); global ones may take a while.
 */
import { type APIApplicationCommand, REST, Routes } from 'discord.js';
import { commands as allCommands } from './commands/index.js';
import type { CommandData } from './commands/types.js';
import { BotConfigError, type BotConfig, isSnowflake } from './config.js';

export interface RegisterCommandsOptions {
  readonly config: BotConfig;
  /** Register in this guild only; default: globally. */
  readonly guildId?: string;
  /** Default: every command in `commands/index.ts`. */
  readonly commands?: readonly CommandData[];
}

export async function registerCommands(options: RegisterCommandsOptions): Promise<APIApplicationCommand[]> {
  const { config, guildId } = options;
  if (guildId !== undefined && !isSnowflake(guildId)) throw new BotConfigError('--guild must be a Discord server id (17 to 20 digits).');
  const body = options.commands ?? allCommands.map((command) => command.data);
  const rest = new REST({ api: config.apiBase }).setToken(config.token);
  const route = guildId === undefined ? Routes.applicationCommands(config.applicationId) : Routes.applicationGuildCommands(config.applicationId, guildId);
  return (await rest.put(route, { body })) as APIApplicationCommand[];
}
