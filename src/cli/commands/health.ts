/**
 * `imageprompt health [--role bot|worker|all]`: one line per dependency and an
 * exit status for container health checks. A worker does not need Discord; the
 * bot does not need provider keys to start.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BotConfigError, loadBotConfig } from '../../bot/config.js';
import { loadRuntimeConfig } from '../../config/runtime.js';
import { openDatabase } from '../../db/client.js';
import { pingDatabase, queueSchemaExists } from '../../db/repositories/health.js';
import { listProviders } from '../../engine/providers/registry.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../optimize/command.js';

const ROLES = ['bot', 'worker', 'all'] as const;
type Role = (typeof ROLES)[number];

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** A failing optional check is reported but does not fail the command. */
  required: boolean;
}

/** The pg-boss schema the job queue uses on PostgreSQL. */
const QUEUE_SCHEMA = 'pgboss';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

function failure(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed';
}

async function checkDatabaseAndQueue(env: NodeJS.ProcessEnv): Promise<HealthCheck[]> {
  const runtime = loadRuntimeConfig(env);
  if (!runtime.databaseUrl) {
    // PGlite belongs to one process (the bot or the worker); opening it here could corrupt it.
    const present = existsSync(runtime.databaseDir);
    return [
      { name: 'database', ok: true, required: true, detail: `embedded PGlite in ${runtime.databaseDir}${present ? '' : ' (created on first start)'}` },
      { name: 'queue', ok: true, required: true, detail: 'in-process (embedded mode)' },
    ];
  }
  let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    const opened = await timed(() => openDatabase({ url: runtime.databaseUrl, connectTimeoutSeconds: 5 }));
    handle = opened.value;
    const db = handle.db;
    await pingDatabase(db);
    const queuePresent = await queueSchemaExists(db, QUEUE_SCHEMA);
    return [
      { name: 'database', ok: true, required: true, detail: `PostgreSQL answered in ${opened.ms} ms` },
      {
        name: 'queue',
        ok: queuePresent,
        required: true,
        detail: queuePresent ? `pg-boss schema "${QUEUE_SCHEMA}" present` : `pg-boss schema "${QUEUE_SCHEMA}" missing: start a worker or run "imageprompt migrate"`,
      },
    ];
  } catch (error) {
    return [
      { name: 'database', ok: false, required: true, detail: failure(error) },
      { name: 'queue', ok: false, required: true, detail: 'unknown: the database did not answer' },
    ];
  } finally {
    await handle?.close();
  }
}

function checkProviders(env: NodeJS.ProcessEnv): HealthCheck {
  const providers = listProviders(env);
  const configured = providers.filter((p) => p.configured).map((p) => p.name);
  const missing = providers.filter((p) => !p.configured && p.envVar).map((p) => `${p.name} (${p.envVar})`);
  return {
    name: 'providers',
    ok: true,
    required: false,
    detail: `configured: ${configured.join(', ')}${missing.length > 0 ? `; not configured: ${missing.join(', ')}` : ''}`,
  };
}

async function checkDiscord(env: NodeJS.ProcessEnv, required: boolean): Promise<HealthCheck> {
  let config: ReturnType<typeof loadBotConfig>;
  try {
    config = loadBotConfig(env);
  } catch (error) {
    if (error instanceof BotConfigError) return { name: 'discord', ok: false, required, detail: error.message };
    throw error;
  }
  try {
    const { value: response, ms } = await timed(() =>
      fetch(`${config.apiBase}/v10/gateway/bot`, { headers: { Authorization: `Bot ${config.token}` }, signal: AbortSignal.timeout(5000) }),
    );
    if (response.status === 401) return { name: 'discord', ok: false, required, detail: 'Discord rejected DISCORD_TOKEN (401): reset the token in the Developer Portal' };
    if (!response.ok) return { name: 'discord', ok: false, required, detail: `Discord answered ${response.status}` };
    return { name: 'discord', ok: true, required, detail: `reachable in ${ms} ms` };
  } catch (error) {
    return { name: 'discord', ok: false, required, detail: `not reachable at ${config.apiBase}: ${failure(error)}` };
  }
}

export async function healthChecks(role: Role, env: NodeJS.ProcessEnv): Promise<HealthCheck[]> {
  const checks = [...(await checkDatabaseAndQueue(env)), checkProviders(env)];
  if (role !== 'worker') checks.push(await checkDiscord(env, role === 'bot'));
  return checks;
}

export async function runHealthCommand(argv: string[], io: CliIo): Promise<number> {
  let role: Role;
  try {
    const { values } = parseArgs({ args: argv, options: { role: { type: 'string', default: 'all' } }, strict: true });
    const value = values.role ?? 'all';
    if (!(ROLES as readonly string[]).includes(value)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    role = value as Role;
  } catch (error) {
    throw new UsageError(`${failure(error)}. Usage: imageprompt health [--role bot|worker|all]`);
  }
  const checks = await healthChecks(role, io.env);
  for (const check of checks) {
    const mark = check.ok ? 'ok  ' : check.required ? 'FAIL' : 'warn';
    io.stdout.write(`${mark}  ${check.name.padEnd(10)}${check.detail}\n`);
  }
  return checks.every((c) => c.ok || !c.required) ? 0 : 1;
}
