/**
 * The bot's settings, read once from the environment at start-up. A missing or
 * malformed setting stops start-up with one line naming the variable and the
 * fix; the token's value never appears in any message.
 */

export interface BotConfig {
  /** The bot token (secret). */
  readonly token: string;
  /** The application's id, a snowflake. */
  readonly applicationId: string;
  /** REST base without the version segment, as `rest.api` of discord.js expects: `https://discord.com/api`. */
  readonly apiBase: string;
}

export const DEFAULT_DISCORD_API_BASE = 'https://discord.com/api';

export class BotConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BotConfigError';
  }
}

const SNOWFLAKE = /^\d{17,20}$/;

/** Whether a string has the shape of a Discord id. */
export function isSnowflake(value: string): boolean {
  return SNOWFLAKE.test(value);
}

function tokenProblem(token: string | undefined): string | undefined {
  if (token === undefined || token.length === 0) return 'DISCORD_TOKEN is not set: put the bot token from the Developer Portal (Bot page) in it';
  if (/\s/.test(token)) return 'DISCORD_TOKEN contains whitespace: remove spaces, newlines and any "Bot " prefix';
  return undefined;
}

function applicationIdProblem(id: string | undefined): string | undefined {
  if (id === undefined || id.length === 0) return 'DISCORD_APPLICATION_ID is not set: copy the Application ID from the Developer Portal';
  if (!isSnowflake(id)) return 'DISCORD_APPLICATION_ID must be a Discord id (17 to 20 digits)';
  return undefined;
}

/** Normalised API base, or the problem with it. The value is not echoed: it may carry credentials. */
function parseApiBase(raw: string | undefined): { apiBase: string } | { problem: string } {
  if (raw === undefined || raw.trim().length === 0) return { apiBase: DEFAULT_DISCORD_API_BASE };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { problem: 'DISCORD_API_BASE is not a URL: use e.g. https://discord.com/api' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'DISCORD_API_BASE must be an http(s) URL, e.g. https://discord.com/api' };
  if (url.search || url.hash) return { problem: 'DISCORD_API_BASE must not have a query or fragment' };
  const path = url.pathname.replace(/\/+$/, '');
  // discord.js appends `/v10` itself; a versioned base would become `/api/v10/v10`.
  if (/\/v\d+$/.test(path)) return { problem: 'DISCORD_API_BASE must not end with a version: drop the trailing /vN (e.g. use https://discord.com/api)' };
  return { apiBase: `${url.origin}${path}` };
}

/** Read and validate the bot settings; throws `BotConfigError` with every problem on one line. */
export function loadBotConfig(env: Readonly<Record<string, string | undefined>> = process.env): BotConfig {
  const api = parseApiBase(env.DISCORD_API_BASE);
  const problems = [tokenProblem(env.DISCORD_TOKEN), applicationIdProblem(env.DISCORD_APPLICATION_ID), 'problem' in api ? api.problem : undefined].filter(
    (problem): problem is string => problem !== undefined,
  );
  if (problems.length > 0) throw new BotConfigError(`Bot configuration: ${problems.join('; ')}.`);
  return { token: env.DISCORD_TOKEN!, applicationId: env.DISCORD_APPLICATION_ID!, apiBase: 'apiBase' in api ? api.apiBase : DEFAULT_DISCORD_API_BASE };
}
