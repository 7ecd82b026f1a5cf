import { describe, expect, it } from 'vitest';
import { createLogger, type LogDestination, parseLogLevel } from '../../src/observability/logger.js';
import { REDACTED, redactSecrets, redactSensitiveKeys, secretsFromEnvironment } from '../../src/observability/redact.js';

/** A destination that keeps every line written, like a file would. */
function captureDestination(isTTY = false): LogDestination & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return { isTTY, lines, write: (line: string) => lines.push(line), text: () => lines.join('') };
}

// Fake secrets, shaped like the real ones.
const discordToken = 'MTE4NzY1NDMyMTA5ODc2NTQzMg.GhJkLm.Zx9_yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE-dCbA';
const openAiKey = 'sk-proj-4fGh7JkL9mNp2QrS5tUv8WxY1zAb';
const replicateToken = 'r8_Kq3Lm5Np7Rs9Tu1Vw3Xy5Za7Bc9De1Fg2Hj';
// A database password with characters JSON escapes, percent-encoded in the URL as a driver expects.
const databasePassword = 'pa"ss\\word-Tr0ub4dor';
const environment: NodeJS.ProcessEnv = {
  DISCORD_TOKEN: discordToken,
  OPENAI_API_KEY: openAiKey,
  REPLICATE_API_TOKEN: replicateToken,
  DATABASE_URL: `postgres://imageprompt:${encodeURIComponent(databasePassword)}@db.internal:5432/imageprompt`,
  NODE_ENV: 'production',
};
const allSecrets = [discordToken, openAiKey, replicateToken, databasePassword, encodeURIComponent(databasePassword)];

function expectNoSecret(output: string): void {
  for (const secret of allSecrets) {
    expect(output).not.toContain(secret);
    // Nor its JSON-escaped form (the password holds a quote and a backslash).
    expect(output).not.toContain(JSON.stringify(secret).slice(1, -1));
  }
}

/** An error as a real failure produces it: secrets in the message, the stack, a cause, a field. */
function failingLogin(): Error {
  const cause = new Error(`password authentication failed: "${databasePassword}" rejected for imageprompt`);
  try {
    throw new Error(`Discord login failed with token ${discordToken}`, { cause });
  } catch (error) {
    Object.assign(error as Error, {
      request: { headers: { Authorization: `Bot ${discordToken}`, 'x-api-key': openAiKey }, attempt: 2 },
      detail: `retrying with ${replicateToken} and ${environment.DATABASE_URL}`,
    });
    return error as Error;
  }
}

describe('createLogger: secrets never reach the output', () => {
  for (const pretty of [false, true]) {
    it(`scrubs an error's message, stack, cause and fields (${pretty ? 'pretty' : 'JSON'} mode)`, () => {
      const destination = captureDestination();
      const logger = createLogger({ env: environment, destination, pretty, level: 'trace' });
      const error = failingLogin();
      // The raw error really carries every secret, in its stack too.
      expect(error.stack).toContain(discordToken);

      logger.error({ err: error, provider: { name: 'openai', apiKey: openAiKey } }, 'login failed');
      logger.error(error);
      logger.child({ runId: 7, token: discordToken }).warn({ connection: environment.DATABASE_URL }, 'reconnecting');
      logger.info(`calling replicate with Bearer ${replicateToken}`);

      const output = destination.text();
      expect(destination.lines).toHaveLength(4);
      expectNoSecret(output);
      expect(output).toContain(REDACTED);
      // What is not secret survives: the story of the failure is still readable.
      expect(output).toContain('Discord login failed with token');
      expect(output).toContain('password authentication failed');
      expect(output).toContain('postgres://imageprompt:[REDACTED]@db.internal:5432/imageprompt');
      expect(output).toContain('Bearer [REDACTED]');
      expect(output).toMatch(/at failingLogin|failingLogin/);
    });
  }

  it('keeps the error structure in JSON: type, stack, nested cause, fields with censored keys', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: environment, destination, pretty: false });
    logger.error({ err: failingLogin() }, 'login failed');

    const record = JSON.parse(destination.lines[0] ?? '');
    expect(record.msg).toBe('login failed');
    expect(record.err.type).toBe('Error');
    expect(record.err.message).toBe(`Discord login failed with token ${REDACTED}`);
    expect(record.err.stack).toMatch(/^Error: Discord login failed with token \[REDACTED\]\n\s+at /);
    expect(record.err.cause.message).toBe(`password authentication failed: "${REDACTED}" rejected for imageprompt`);
    expect(record.err.request).toEqual({ headers: { Authorization: REDACTED, 'x-api-key': REDACTED }, attempt: 2 });
  });

  it('scrubs secrets it was not told about when they have a well-known shape', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: {}, destination, pretty: false });
    const unknownDiscordToken = 'OTk4ODc3NjY1NTQ0MzMyMjExMA.Xy1Zab.Qq0Ww9Ee8Rr7Tt6Yy5Uu4Ii3Oo2Pp1Aa-Ss';
    logger.warn(
      { url: 'postgres://admin:SuperSecret123@10.0.0.5/prod' },
      `tokens ${unknownDiscordToken} sk-live0123456789abcdefghij r8_0123456789abcdefghijKLMN`,
    );
    const output = destination.text();
    for (const secret of [unknownDiscordToken, 'SuperSecret123', 'sk-live0123456789abcdefghij', 'r8_0123456789abcdefghijKLMN']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('postgres://admin:[REDACTED]@10.0.0.5/prod');
  });

  it('censors sensitive keys in child bindings, inherited by grandchildren', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: {}, destination, pretty: false });
    const child = logger.child({ runId: 42, apiToken: 'abc' });
    child.child({ episode: 3, password: 'pw' }).info('step');
    const record = JSON.parse(destination.lines[0] ?? '');
    expect(record).toMatchObject({ runId: 42, apiToken: REDACTED, episode: 3, password: REDACTED, msg: 'step' });
  });

  it('extra secrets passed as an option are scrubbed too, and circular objects do not crash', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: {}, destination, pretty: false, secrets: ['guild-webhook-secret-77'] });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    logger.info({ circular }, 'posting to guild-webhook-secret-77');
    const record = JSON.parse(destination.lines[0] ?? '');
    expect(record.msg).toBe(`posting to ${REDACTED}`);
    expect(record.circular).toEqual({ name: 'loop', self: '[Circular]' });
  });
});

describe('createLogger: formats and levels', () => {
  it('writes one JSON object per line in JSON mode', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: {}, destination, pretty: false, name: 'worker' });
    logger.info({ runId: 42 }, 'run started');
    logger.warn('slow generation');
    expect(destination.lines).toHaveLength(2);
    const [first, second] = destination.lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 30, name: 'worker', runId: 42, msg: 'run started' });
    expect(typeof first.time).toBe('number');
    expect(second).toMatchObject({ level: 40, msg: 'slow generation' });
    expect(destination.lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('writes one readable line per event in pretty mode, with the stack below an error', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: {}, destination, pretty: true, name: 'bot' });
    logger.info({ runId: 42, preset: 'quick start', done: false }, 'run started');
    expect(destination.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}bot: run started runId=42 preset="quick start" done=false\n$/);

    logger.error({ err: new Error('boom', { cause: new TypeError('inner') }) }, 'failed');
    const lines = (destination.lines[1] ?? '').trimEnd().split('\n');
    expect(lines[0]).toMatch(/ERROR bot: failed err="Error: boom"$/);
    expect(lines[1]).toBe('    Error: boom');
    expect(lines.some((line) => /^ {4}at /.test(line))).toBe(true);
    expect(lines).toContain('    caused by:');
    expect(lines).toContain('    TypeError: inner');
    // No ANSI colours unless asked for or writing to a terminal.
    expect(destination.text()).not.toContain('\u001b[');
  });

  it('picks pretty output only for a terminal outside production', () => {
    const cases = [
      { isTTY: true, env: { NODE_ENV: 'development' }, pretty: true },
      { isTTY: true, env: { NODE_ENV: 'production' }, pretty: false },
      { isTTY: false, env: { NODE_ENV: 'development' }, pretty: false },
      { isTTY: false, env: {}, pretty: false },
    ];
    for (const testCase of cases) {
      const destination = captureDestination(testCase.isTTY);
      createLogger({ env: testCase.env, destination }).info('hello');
      const line = destination.lines[0] ?? '';
      expect(line.startsWith('{'), JSON.stringify(testCase)).toBe(!testCase.pretty);
      // A terminal gets colours by default.
      expect(line.includes('\u001b[32m'), JSON.stringify(testCase)).toBe(testCase.pretty);
    }
  });

  it('filters by level, from the option or from LOG_LEVEL', () => {
    const destination = captureDestination();
    const logger = createLogger({ env: { LOG_LEVEL: 'warn' }, destination, pretty: false });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(destination.lines.map((line) => JSON.parse(line).msg)).toEqual(['w', 'e', 'f']);

    const verbose = captureDestination();
    const debugLogger = createLogger({ env: { LOG_LEVEL: 'warn' }, level: 'debug', destination: verbose, pretty: false });
    debugLogger.trace('t');
    debugLogger.debug('d');
    debugLogger.child({ runId: 1 }).debug('child d');
    expect(verbose.lines.map((line) => JSON.parse(line).msg)).toEqual(['d', 'child d']);

    const silent = captureDestination();
    createLogger({ env: {}, level: 'silent', destination: silent }).fatal('nothing');
    expect(silent.lines).toEqual([]);
  });

  it('rejects an unknown level with a clear message', () => {
    expect(() => createLogger({ env: { LOG_LEVEL: 'verbose' }, destination: captureDestination() })).toThrow(
      'LOG_LEVEL "verbose" is not one of trace, debug, info, warn, error, fatal, silent',
    );
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel(' WARN ')).toBe('warn');
  });
});

describe('redactSecrets', () => {
  it('replaces given secrets and well-known token shapes', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['Authorization: Bearer eyJhbGciOi.abc123', `Authorization: Bearer ${REDACTED}`],
      ['postgres://user:p%40ss@host:5432/db', `postgres://user:${REDACTED}@host:5432/db`],
      ['host=db user=app password=hunter22 dbname=x', `host=db user=app password=${REDACTED} dbname=x`],
      ['key r8_AbCdEfGhIjKlMnOpQrStUv end', `key ${REDACTED} end`],
      ['key sk-AbCdEfGhIjKlMnOpQrStUv end', `key ${REDACTED} end`],
      [`token ${discordToken}.`, `token ${REDACTED}.`],
      ['my own secret: correct-horse-battery', `my own secret: ${REDACTED}`],
    ];
    for (const [input, expected] of cases) {
      expect(redactSecrets(input, ['correct-horse-battery'])).toBe(expected);
    }
  });

  it('leaves ordinary text alone and ignores secrets too short to scan', () => {
    const text = 'promptTokens=12 task-runner-abcdefghijklmnopqrstuvwxyz http://host:8080/path user@example.com v1.2.3';
    expect(redactSecrets(text, ['abc'])).toBe(text);
  });

  it('replaces the longest secret first when one contains another', () => {
    expect(redactSecrets('x secret-value-long y', ['secret-value', 'secret-value-long'])).toBe(`x ${REDACTED} y`);
  });

  it('reads the secret values of an environment, with both forms of a URL password', () => {
    const secrets = secretsFromEnvironment({
      DISCORD_TOKEN: ' token-value ',
      DATABASE_URL: 'postgres://u:p%2Fw0rd@h/d',
      OPENAI_API_KEY: '',
    });
    expect(secrets).toEqual(['token-value', 'p%2Fw0rd', 'p/w0rd']);
  });

  it('censors sensitive keys at any depth but not look-alikes', () => {
    const input = { a: { b: [{ clientSecret: 's', promptTokens: 3, tokenizer: 'clip' }] }, DISCORD_TOKEN: 'x', cookie: null };
    expect(redactSensitiveKeys(input)).toEqual({
      a: { b: [{ clientSecret: REDACTED, promptTokens: 3, tokenizer: 'clip' }] },
      DISCORD_TOKEN: REDACTED,
      cookie: null,
    });
  });
});
