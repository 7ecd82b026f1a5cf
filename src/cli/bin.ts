/** Process entry: runs the CLI and turns its result into the exit status. */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`imageprompt: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
