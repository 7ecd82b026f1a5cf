/**
 * The `imageprompt` command. Each sub-command lives in its own module and is
 * imported only when used, so `imageprompt --help` starts instantly.
 */
import { redactSecrets, secretsFromEnvironment } from '../observability/redact.js';
import { UsageError } from './errors.js';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  optimize: {
    summary: 'learn the prompt behind an image (offline shapes world by default)',
    run: async (argv) => {
      const { runOptimize } = await import('./optimize/command.js');
      const { optimizeUsage } = await import('./optimize/args.js');
      if (argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write(`${optimizeUsage()}\n`);
        return 0;
      }
      return runOptimize(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    },
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
  try {
    return await command.run(rest);
  } catch (error) {
    // Provider and database errors can quote URLs or headers: scrub before printing.
    process.stderr.write(`imageprompt: ${redactSecrets(describeError(error), secretsFromEnvironment(process.env))}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** One line for the user: expected failures carry their own actionable message; anything else says where to look. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const expected = ['UsageError', 'InputImageError', 'HyperparameterError', 'PromptSpaceError', 'ProviderError', 'SafetyRefusalError', 'RateLimitError', 'MissingKeyError', 'BudgetExceededError', 'ModelNotAvailableError', 'DatabaseConnectionError', 'BotConfigError'];
  const firstLine = error.message.split('\n')[0] ?? '';
  if (expected.includes(error.name)) return firstLine;
  if (process.env.IMAGEPROMPT_DEBUG) return error.stack ?? firstLine;
  return `${firstLine} (unexpected ${error.name}; set IMAGEPROMPT_DEBUG=1 for the stack trace)`;
}
