/**
 * Where ImagePrompt keeps its files and whether it may download models, from
 * the environment, validated once at start-up.
 */
import path from 'node:path';

export interface RuntimeConfig {
  /** Root of everything local (IMAGEPROMPT_DATA_DIR, default `.imageprompt`). */
  dataDir: string;
  /** Embedded PGlite database folder. */
  databaseDir: string;
  /** Content-addressed image store. */
  imagesDir: string;
  /** Generation cache (IMAGEPROMPT_CACHE_DIR). */
  cacheDir: string;
  /** Local models (IMAGEPROMPT_MODELS_DIR). */
  modelsDir: string;
  /** Never download models (IMAGEPROMPT_OFFLINE=1). */
  offline: boolean;
  /** PostgreSQL URL (DATABASE_URL); absent = embedded PGlite. */
  databaseUrl: string | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (got "${env[name]}").`);
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const dataDir = env.IMAGEPROMPT_DATA_DIR?.trim() || '.imageprompt';
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  return {
    dataDir,
    databaseDir: path.join(dataDir, 'db'),
    imagesDir: path.join(dataDir, 'images'),
    cacheDir: env.IMAGEPROMPT_CACHE_DIR?.trim() || path.join(dataDir, 'cache'),
    modelsDir: env.IMAGEPROMPT_MODELS_DIR?.trim() || path.join(dataDir, 'models'),
    offline: flag(env, 'IMAGEPROMPT_OFFLINE'),
    databaseUrl,
  };
}
