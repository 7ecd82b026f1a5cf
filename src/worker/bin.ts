/**
 * `imageprompt worker` as a process of its own, without the CLI dispatcher:
 * `node --import tsx src/worker/bin.ts [flags]` (tests, the jobs benchmark,
 * containers that run only workers). Exits with the command's status.
 */
import { runWorkerCommand } from '../cli/commands/worker.js';

try {
  const status = await runWorkerCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exit(status);
} catch (error) {
  process.stderr.write(`imageprompt: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error)}\n`);
  process.exit(error instanceof Error && error.name === 'UsageError' ? 2 : 1);
}
