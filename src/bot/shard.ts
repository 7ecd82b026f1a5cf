/**
 * The sharded entry point for large deployments: a discord.js
 * `ShardingManager` that starts one `imageprompt bot` process per shard
 * (`node dist/bot/shard.js`, or `node --import tsx src/bot/shard.ts`).
 * Each process's client takes its shard ids from the manager's environment,
 * and follows only the runs of the guilds on its shards.
 *
 * Shards are separate processes, so they need the shared database and queue:
 * DATABASE_URL is required (the embedded database belongs to one process).
 */
import { fileURLToPath } from 'node:url';
import { ShardingManager } from 'discord.js';
import { loadRuntimeConfig } from '../config/runtime.js';
import { loadBotConfig } from './config.js';

export interface ShardManagerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The script each shard runs (default: the CLI's entry, next to `dist/cli/bin.js`). */
  readonly script?: string;
  /** Default `auto`: what Discord recommends for the bot. */
  readonly totalShards?: number | 'auto';
  /** Extra `imageprompt bot` flags for every shard. */
  readonly botArgs?: readonly string[];
}

export class ShardSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardSetupError';
  }
}

/** The manager, configured and validated; call `spawn()` to start the shards. */
export function createShardManager(options: ShardManagerOptions = {}): ShardingManager {
  const env = options.env ?? process.env;
  const config = loadBotConfig(env);
  if (loadRuntimeConfig(env as NodeJS.ProcessEnv).databaseUrl === undefined) {
    throw new ShardSetupError('Sharding needs DATABASE_URL: every shard is a process, and the embedded database belongs to one process.');
  }
  // From TypeScript sources (tsx) the shards run the CLI's sources through tsx too.
  const fromSources = new URL(import.meta.url).pathname.endsWith('.ts');
  const script = options.script ?? fileURLToPath(new URL(`../cli/bin.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  return new ShardingManager(script, {
    token: config.token,
    totalShards: options.totalShards ?? 'auto',
    mode: 'process',
    respawn: true,
    shardArgs: ['bot', ...(options.botArgs ?? [])],
    ...(fromSources ? { execArgv: ['--import', 'tsx'] } : {}),
  });
}

async function main(): Promise<void> {
  const manager = createShardManager();
  manager.on('shardCreate', (shard) => process.stdout.write(`shard ${shard.id} started\n`));
  await manager.spawn();
}

// Run as a script (not when imported by tests).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`imageprompt shard manager: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error)}\n`);
    process.exitCode = 1;
  });
}
