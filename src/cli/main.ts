/**
 * The `imageprompt` command. Each sub-command lives in its own module and is
 * imported only when used, so `imageprompt --help` starts instantly.
 */
import { redactSecrets, secretsFromEnvironment } from '../observability/redact.js';
import { UsageError } from './errors.js';
import type { CliIo } from './optimize/command.js';

interface Command {
  summary: string;
  usage: string;
  run: (argv: string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  optimize: {
    summary: 'learn the prompt behind an image (offline shapes world by default)',
    usage: 'imageprompt optimize <image> [flags]   (see --help for all flags)',
    run: async (argv, io) => {
      if (argv.includes('--help') || argv.includes('-h')) {
        const { optimizeUsage } = await import('./optimize/args.js');
        io.stdout.write(`${optimizeUsage()}\n`);
        return 0;
      }
      return (await import('./optimize/command.js')).runOptimize(argv, io);
    },
  },
  migrate: {
    summary: 'apply database migrations (PGlite by default, PostgreSQL with DATABASE_URL)',
    usage: 'imageprompt migrate',
    run: async (argv, io) => (await import('./commands/migrate.js')).runMigrateCommand(argv, io),
  },
  worker: {
    summary: 'train queued runs until stopped (SIGTERM/SIGINT finish the iteration and release)',
    usage: 'imageprompt worker [--concurrency N]',
    run: async (argv, io) => (await import('./commands/worker.js')).runWorkerCommand(argv, io),
  },
  bot: {
    summary: 'start the Discord bot (DISCORD_TOKEN, DISCORD_APPLICATION_ID)',
    usage: 'imageprompt bot [--run-threads N]',
    run: async (argv, io) => (await import('./commands/bot.js')).runBotCommand(argv, io),
  },
  'register-commands': {
    summary: 'register the slash commands globally or in one server',
    usage: 'imageprompt register-commands [--guild ID]',
    run: async (argv, io) => (await import('./commands/registerCommands.js')).runRegisterCommandsCommand(argv, io),
  },
  providers: {
    summary: 'list image, CLIP and caption providers, whether each is configured, and prices',
    usage: 'imageprompt providers [--json]',
    run: async (argv, io) => (await import('./commands/providers.js')).runProvidersCommand(argv, io),
  },
  health: {
    summary: 'check database, queue, providers and Discord (exit status for health checks)',
    usage: 'imageprompt health [--role bot|worker|all]',
    run: async (argv, io) => (await import('./commands/health.js')).runHealthCommand(argv, io),
  },
  models: {
    summary: 'download a local model (CLIP, captioner) once, for offline use',
    usage: 'imageprompt models pull <model>',
    run: async (argv, io) => (await import('./commands/models.js')).runModelsCommand(argv, io),
  },
};

function usage(): string {
  const lines = ['Usage: imageprompt <command> [flags]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(20)}${c.summary}`);
  lines.push('', 'Run "imageprompt <command> --help" for its flags.');
  return lines.join('\n');
}

/** Runs the CLI and returns the exit status. Known errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`imageprompt: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return 2;
  }
  const helpsItself = ['optimize', 'bot', 'register-commands', 'worker', 'migrate'].includes(name);
  if (!helpsItself && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`Usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  } catch (error) {
    // Provider and database errors can quote URLs or headers: scrub before printing.
    process.stderr.write(`imageprompt: ${redactSecrets(describeError(error), secretsFromEnvironment(process.env))}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** One line for the user: expected failures carry their own actionable message; anything else says where to look. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const expected = ['UsageError', 'ConfigError', 'InputImageError', 'HyperparameterError', 'PromptSpaceError', 'ProviderError', 'SafetyRefusalError', 'RateLimitError', 'MissingKeyError', 'BudgetExceededError', 'ModelNotAvailableError', 'DatabaseConnectionError', 'BotConfigError'];
  const firstLine = error.message.split('\n')[0] ?? '';
  if (expected.includes(error.name)) return firstLine;
  if (process.env.IMAGEPROMPT_DEBUG) return error.stack ?? firstLine;
  return `${firstLine} (unexpected ${error.name}; set IMAGEPROMPT_DEBUG=1 for the stack trace)`;
}
