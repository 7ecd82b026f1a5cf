#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the "prepare" script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    console.error(`imageprompt: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
