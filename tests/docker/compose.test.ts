import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No container engine runs here: these tests check the files' structure, not a running stack.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerDir = resolve(root, 'docker');
const composeText = readFileSync(resolve(dockerDir, 'compose.yaml'), 'utf8');
const dockerfile = readFileSync(resolve(dockerDir, 'Dockerfile'), 'utf8');
const envExample = readFileSync(resolve(root, '.env.example'), 'utf8');
const dockerignore = readFileSync(resolve(root, '.dockerignore'), 'utf8');

interface DependsOn {
  condition?: string;
}
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[] | string;
  restart?: string;
  depends_on?: Record<string, DependsOn>;
  env_file?: Array<string | { path: string }> | string;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: unknown[];
  container_name?: string;
  deploy?: { replicas?: number | string };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Compose supports YAML merge keys (`<<: *app`); so must the parser.
const compose = parse(composeText, { merge: true }) as ComposeFile;

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`service ${name} missing`);
  return found;
}

function commandOf(found: Service): string {
  return Array.isArray(found.command) ? found.command.join(' ') : (found.command ?? '');
}

/** Named volumes mounted by a service, as { volume name → container path }. */
function namedMounts(found: Service): Record<string, string> {
  const mounts: Record<string, string> = {};
  for (const entry of found.volumes ?? []) {
    const [source, target] = entry.split(':');
    // Bind mounts start with a path; named volumes are bare names.
    if (source && target && !/^[./~]/.test(source)) mounts[source] = target;
  }
  return mounts;
}

function envFilesOf(found: Service): string[] {
  const entries = Array.isArray(found.env_file) ? found.env_file : found.env_file ? [found.env_file] : [];
  return entries.map((entry) => resolve(dockerDir, typeof entry === 'string' ? entry : entry.path));
}

/** Variables documented in .env.example: `NAME=…` or `# NAME=…`, each right under a comment line. */
function documentedVariables(): Map<string, string> {
  const documented = new Map<string, string>();
  const lines = envExample.split('\n');
  lines.forEach((line, index) => {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (!match?.[1]) return;
    // The description: the nearest comment line above that is not itself a variable line.
    let above = index - 1;
    while (above >= 0 && /^#?\s*[A-Z][A-Z0-9_]*=/.test(lines[above] ?? '')) above--;
    const description = lines[above] ?? '';
    documented.set(match[1], description.startsWith('#') ? description.replace(/^#\s*/, '') : '');
  });
  return documented;
}

describe('docker/compose.yaml', () => {
  it('runs postgres, a one-shot migrate, the bot and the workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'migrate', 'postgres', 'worker']);
    expect(service('postgres').image).toMatch(/^postgres:15/);
    expect(commandOf(service('bot'))).toBe('bot');
    expect(commandOf(service('worker'))).toBe('worker');
    expect(commandOf(service('migrate'))).toBe('migrate');
  });

  it('health-checks postgres with pg_isready and keeps its data in a named volume', () => {
    const postgres = service('postgres');
    const test = postgres.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('pg_isready');
    const mounts = namedMounts(postgres);
    const volume = Object.keys(mounts).find((name) => mounts[name] === '/var/lib/postgresql/data');
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    expect(postgres.restart).toBe('unless-stopped');
  });

  it('starts the bot and workers after postgres is healthy and the migrations succeeded', () => {
    for (const name of ['bot', 'worker']) {
      const found = service(name);
      expect(found.depends_on?.postgres?.condition, name).toBe('service_healthy');
      expect(found.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(found.restart, name).toBe('unless-stopped');
    }
    const migrate = service('migrate');
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    // A one-shot job: restarting it after success would keep the others waiting forever.
    expect(migrate.restart).toBe('no');
  });

  it('gives the app containers the root .env and named volumes for the image store, models and generation cache', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of ['bot', 'worker', 'migrate']) {
      const found = service(name);
      expect(envFilesOf(found), name).toEqual([resolve(root, '.env')]);
      const mounts = Object.entries(namedMounts(found));
      const imageStore = mounts.find(([, target]) => target === '/data/images');
      const models = mounts.find(([, target]) => target === '/data/models');
      const cache = mounts.find(([, target]) => target === '/data/cache');
      expect(imageStore && declared.includes(imageStore[0]), `${name} image store`).toBe(true);
      expect(models && declared.includes(models[0]), `${name} models cache`).toBe(true);
      expect(cache && declared.includes(cache[0]), `${name} generation cache`).toBe(true);
      // The stack's own database, reached by service name.
      expect(found.environment?.DATABASE_URL, name).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    }
  });

  it('builds the image from the repository root with docker/Dockerfile', () => {
    for (const name of ['bot', 'worker', 'migrate']) {
      const build = service(name).build;
      expect(resolve(dockerDir, build?.context ?? '.'), name).toBe(root);
      expect(existsSync(resolve(root, build?.dockerfile ?? 'Dockerfile')), name).toBe(true);
    }
  });

  it('lets workers scale: no fixed name, no published port, replicas configurable', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.deploy?.replicas).toBeDefined();
  });

  it('documents in .env.example every variable the compose file reads or sets', () => {
    const documented = documentedVariables();
    // ${NAME}, ${NAME:-default}, ${NAME:?error}, $NAME — but not $$NAME, which the container's shell expands.
    const substituted = [...composeText.matchAll(/(?<!\$)\$\{?([A-Z][A-Z0-9_]*)/g)].map((match) => match[1] ?? '');
    const set = Object.values(compose.services).flatMap((found) => Object.keys(found.environment ?? {}));
    const used = new Set([...substituted, ...set]);
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(documented.has(name), `${name} missing from .env.example`).toBe(true);
  });
});

describe('.env.example', () => {
  it('documents every variable the application reads, each with a comment line', () => {
    const documented = documentedVariables();
    const required = [
      'DISCORD_TOKEN',
      'DISCORD_APPLICATION_ID',
      'DISCORD_API_BASE',
      'DATABASE_URL',
      'REPLICATE_API_TOKEN',
      'OPENAI_API_KEY',
      'IMAGEPROMPT_DATA_DIR',
      'IMAGEPROMPT_CACHE_DIR',
      'IMAGEPROMPT_MODELS_DIR',
      'IMAGEPROMPT_OFFLINE',
      'LOG_LEVEL',
      'METRICS_PORT',
      'NODE_ENV',
    ];
    for (const name of required) expect(documented.has(name), `${name} missing`).toBe(true);
    for (const [name, description] of documented) {
      expect(description.length, `${name} has no comment line`).toBeGreaterThan(10);
    }
  });

  it('holds no secret values', () => {
    for (const name of ['DISCORD_TOKEN', 'REPLICATE_API_TOKEN', 'OPENAI_API_KEY']) {
      const value = new RegExp(`^#?\\s*${name}=(.*)$`, 'm').exec(envExample)?.[1];
      expect(value, name).toBe('');
    }
  });
});

describe('docker/Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];
  const runtimeStart = stages.at(-1)?.index ?? 0;
  const runtime = dockerfile.slice(runtimeStart);
  const instructions = (text: string, keyword: string) =>
    [...text.matchAll(new RegExp(`^${keyword}\\s+(.+)$`, 'gim'))].map((match) => match[1] ?? '');

  it('is multi-stage, with a node:20-bookworm-slim runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const baseImage = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1];
    // The runtime stage names its base through the NODE_IMAGE build argument.
    const runtimeBase = stages.at(-1)?.[1]?.replace(/^\$\{NODE_IMAGE\}$/, baseImage ?? '');
    expect(runtimeBase).toBe('node:20-bookworm-slim');
  });

  it('builds with the project npm settings, installs only production dependencies at runtime', () => {
    const build = dockerfile.slice(0, runtimeStart);
    expect(build).toMatch(/^COPY .*\.npmrc/m);
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(runtime).toMatch(/^COPY .*\.npmrc/m);
    expect(runtime).toMatch(/npm ci --omit=dev --ignore-scripts/);
    for (const folder of ['dist', 'bin', 'migrations', 'samples']) {
      expect(runtime).toMatch(new RegExp(`^COPY --from=build \\S*/${folder} `, 'm'));
    }
  });

  it('runs as a non-root user, with volumes, a health check and the CLI as entry point', () => {
    const users = instructions(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(instructions(runtime, 'VOLUME').join(' ')).toContain('/data/models');
    expect(instructions(runtime, 'VOLUME').join(' ')).toContain('/data/images');
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*?CMD \["node", "bin\/imageprompt\.js", "health"\]/m);
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual(['["node", "bin/imageprompt.js"]']);
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('keeps secrets, dependencies and build output out of the build context', () => {
    for (const pattern of ['.env', 'node_modules', 'dist', '.git']) expect(patterns).toContain(pattern);
  });

  it('keeps what the build needs', () => {
    for (const needed of ['src', 'bin', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(patterns, needed).not.toContain(needed);
      expect(existsSync(resolve(root, needed)), needed).toBe(true);
    }
  });
});
