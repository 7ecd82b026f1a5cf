/**
 * Secret scrubbing for log output, in two complementary passes:
 *   - by key: a field whose name says it holds a secret (`token`, `apiKey`, `authorization`,
 *     `password`, …) is censored at any depth, before serialization (`redactSensitiveKeys`);
 *   - by value: every serialized line is scanned for the secret values known at start-up and for
 *     well-known token shapes (`redactSecrets`), so a secret inside a message, an error stack or a
 *     nested cause is caught even when no key names it.
 */

export const REDACTED = '[REDACTED]';

/** Environment variables whose whole value is a secret. */
export const SECRET_ENVIRONMENT_VARIABLES = [
  'DISCORD_TOKEN',
  'REPLICATE_API_TOKEN',
  'OPENAI_API_KEY',
  // Set in .env for docker/compose.yaml; the same password is inside DATABASE_URL there.
  'POSTGRES_PASSWORD',
] as const;

/**
 * Secrets shorter than this are not value-scanned: they would match everywhere and turn every log
 * line into noise. Such values are not secrets worth the name (the key pass still censors them).
 */
export const MINIMUM_SCANNED_SECRET_LENGTH = 4;

/**
 * Well-known token shapes, each with what replaces a match. Keeping a prefix (`Bearer `, the URL's
 * user name) keeps the line useful for debugging without disclosing the secret part.
 */
const SECRET_SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  // URL userinfo: postgres://user:password@host → postgres://user:[REDACTED]@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'`]*):[^\s/@"'`]+@/gi, `$1:${REDACTED}@`],
  // libpq key/value connection strings and query strings: password=secret
  [/\b(password|passwd|pwd)=[^\s&;"'`]+/gi, `$1=${REDACTED}`],
  // HTTP bearer credentials, wherever they appear in text.
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Discord bot tokens (base64 user id . timestamp . HMAC); JSON Web Tokens have the same shape.
  [/\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}/g, REDACTED],
  // Legacy Discord MFA user tokens.
  [/\bmfa\.[A-Za-z0-9_-]{20,}/g, REDACTED],
  // Replicate API tokens.
  [/\br8_[A-Za-z0-9_-]{16,}/g, REDACTED],
  // OpenAI keys (sk-…, sk-proj-…, sk-svcacct-…).
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
];

/**
 * Replaces every occurrence of the given secret values, then every well-known token shape, with
 * `[REDACTED]`. Pure: same input, same output; secrets shorter than
 * {@link MINIMUM_SCANNED_SECRET_LENGTH} are ignored.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...new Set(secrets)]
    .filter((secret) => secret.length >= MINIMUM_SCANNED_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  for (const [shape, replacement] of SECRET_SHAPES) {
    result = result.replace(shape, replacement);
  }
  return result;
}

/**
 * The secret values present in an environment: the whole value of each secret variable and the
 * password of `DATABASE_URL` (as written, percent-encoded, and decoded, since either can show up in
 * a driver's error message).
 */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = [];
  for (const name of SECRET_ENVIRONMENT_VARIABLES) {
    const value = env[name]?.trim();
    if (value) secrets.push(value);
  }
  const databasePassword = passwordOfUrl(env.DATABASE_URL);
  secrets.push(...databasePassword);
  return secrets;
}

function passwordOfUrl(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { password } = new URL(url);
    if (!password) return [];
    const decoded = safeDecode(password);
    return decoded === password ? [password] : [password, decoded];
  } catch {
    // Not a parseable URL: fall back to the userinfo shape so a malformed URL still hides its password.
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]+)@/i.exec(url);
    return match?.[1] ? [match[1]] : [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The forms a secret takes once written into a JSON line: as is, and JSON-escaped when it holds a
 * quote, a backslash or a control character.
 */
export function jsonForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms];
}

/** Normalised key names (lower case, no `_`/`-`) that end like these hold secrets. */
const SENSITIVE_KEY_SUFFIXES = [
  'token',
  'apikey',
  'authorization',
  'password',
  'passwd',
  'secret',
  'cookie',
  'privatekey',
  'credentials',
] as const;

/**
 * Whether a field named `key` holds a secret: `token`, `botToken`, `DISCORD_TOKEN`, `apiKey`,
 * `x-api-key`, `Authorization`, `password`, `clientSecret`, `set-cookie`… but not `promptTokens`.
 */
export function isSensitiveKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[_-]/g, '');
  return SENSITIVE_KEY_SUFFIXES.some((suffix) => normalised.endsWith(suffix));
}

/** An error flattened into plain data, with its cause chain kept as nested objects. */
export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: unknown;
  [field: string]: unknown;
}

/**
 * A copy of `value` in which fields with sensitive names are censored at any depth and errors
 * (wherever they sit) are flattened into {@link SerializedError}. Values with their own `toJSON`
 * (Date, Buffer, URL…) are left to it; the value scan of the output line still covers them.
 */
export function redactSensitiveKeys(value: unknown): unknown {
  return walk(value, new WeakSet<object>());
}

function walk(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Error) return serializeError(value, seen);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, seen));
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      copy[key] = isSensitiveKey(key) && field !== undefined && field !== null ? REDACTED : walk(field, seen);
    }
    return copy;
  } finally {
    // Only ancestors count as cycles: the same object twice side by side is not circular.
    seen.delete(value);
  }
}

function serializeError(error: Error, seen: WeakSet<object>): SerializedError {
  seen.add(error);
  try {
    const serialized: SerializedError = {
      type: error.constructor?.name || error.name,
      message: error.message,
    };
    if (error.stack) serialized.stack = error.stack;
    for (const [key, field] of Object.entries(error)) {
      if (key in serialized) continue;
      serialized[key] = isSensitiveKey(key) && field !== undefined && field !== null ? REDACTED : walk(field, seen);
    }
    // `cause` and AggregateError's `errors` are usually non-enumerable own properties.
    if (error.cause !== undefined) serialized.cause = walk(error.cause, seen);
    if (error instanceof AggregateError) serialized.errors = walk(error.errors, seen);
    return serialized;
  } finally {
    seen.delete(error);
  }
}
