/**
 * `npm run bench [-- --targets FILE] [-- --only engine,...]`: every benchmark
 * of the project in one run, printing ratios side by side.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TARGETS, readTargets, runEngineBench } from './engineBench.js';
import { runOverheadBench } from './overheadBench.js';
import { runDiscordBench } from './discordBench.js';
import { runJobsBench } from './jobsBench.js';

const SECTIONS = ['engine', 'overhead', 'jobs', 'discord'] as const;
type Section = (typeof SECTIONS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { targets: { type: 'string' }, only: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
  });
  const only = (values.only?.split(',') ?? [...SECTIONS]) as Section[];
  for (const name of only) {
    if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section "${name}"; choose from ${SECTIONS.join(', ')}`);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const reports: string[] = [];
  if (only.includes('engine')) {
    let targets = values.targets ? await readTargets(values.targets) : DEFAULT_TARGETS;
    if (values.limit) targets = targets.slice(0, Number(values.limit));
    reports.push(await runEngineBench(targets, log));
  }
  if (only.includes('overhead')) reports.push(await runOverheadBench(log));
  if (only.includes('jobs')) reports.push(await runJobsBench(log));
  if (only.includes('discord')) reports.push(await runDiscordBench(log));
  process.stdout.write(`\n${reports.join('\n\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
