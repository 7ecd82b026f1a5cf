/**
 * `imageprompt register-commands [--guild ID]`: tells Discord the bot's slash
 * commands (a bulk overwrite). With `--guild` they appear in that server at
 * once (for development); without it, globally, which Discord may take a
 * while to show. Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID.
 */
import { parseArgs } from 'node:util';
import { BotConfigError, type BotConfig, loadBotConfig } from '../../bot/config.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../optimize/command.js';
import { describeLoginFailure } from './bot.js';

export function registerCommandsUsage(): string {
  return [
    'Usage: imageprompt register-commands [--guild ID]',
    '',
    'Registers the bot’s slash commands with Discord (replacing the registered list).',
    'Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID (DISCORD_API_BASE optional).',
    '',
    'Flags:',
    '  --guild ID   register in this server only: they appear at once (default: globally)',
  ].join('\n');
}

export async function runRegisterCommandsCommand(argv: string[], io: CliIo): Promise<number> {
  let values: { guild?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { guild: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. Run "imageprompt register-commands --help" for the flags.`);
  }
  if (values.help) {
    io.stdout.write(`${registerCommandsUsage()}\n`);
    return 0;
  }
  let config: BotConfig;
  try {
    config = loadBotConfig(io.env);
  } catch (error) {
    if (!(error instanceof BotConfigError)) throw error;
    io.stderr.write(`imageprompt: ${error.message}\n`);
    return 1;
  }
  // Loaded only now: it pulls in discord.js and every command module.
  const { registerCommands } = await import('../../bot/registerCommands.js');
  try {
    const registered = await registerCommands({ config, ...(values.guild !== undefined ? { guildId: values.guild } : {}) });
    const names = registered.map((command) => `/${command.name}`).join(', ');
    io.stdout.write(
      values.guild === undefined
        ? `Registered ${registered.length} commands globally (${names}); Discord may take a while to show them.\n`
        : `Registered ${registered.length} commands in server ${values.guild} (${names}).\n`,
    );
    return 0;
  } catch (error) {
    const line = error instanceof BotConfigError ? error.message : describeLoginFailure(error);
    if (line === undefined) throw error;
    io.stderr.write(`imageprompt: ${line}\n`);
    return 1;
  }
}
