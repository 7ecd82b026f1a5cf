import { pino } from 'pino';
import { formatPrettyLine } from './prettyFormat.js';
import { jsonForms, redactSecrets, redactSensitiveKeys, secretsFromEnvironment } from './redact.js';

export type Logger = pino.Logger;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where log lines go: anything with a `write(line)`; `isTTY` (as on process.stdout) picks the format. */
export interface LogDestination {
  write(line: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Minimum level written. Default: `LOG_LEVEL` from the environment, else `info`. */
  level?: string;
  /**
   * One readable line per event instead of JSON. Default: only when not in production
   * (`NODE_ENV !== 'production'`) and the destination is a terminal.
   */
  pretty?: boolean;
  /** ANSI colours in pretty mode. Default: when the destination is a terminal. */
  colors?: boolean;
  /** Default: standard output, written synchronously so nothing is lost when the process exits. */
  destination?: LogDestination;
  /** Logger name, e.g. `bot` or `worker`; shown on every line. */
  name?: string;
  /** Environment read for the defaults above and for the secret values to scrub. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** More secret values to scrub, besides those found in `env`. */
  secrets?: readonly string[];
}

/**
 * A pino logger whose output never contains secrets: sensitive keys are censored at any depth
 * before serialization, errors are flattened with their causes, and every finished line is scanned
 * for the start-up secret values and well-known token shapes (see `redact.ts`). Child loggers
 * (`logger.child({ runId })`) share the same scrubbing.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level = parseLogLevel(options.level ?? env.LOG_LEVEL);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  const isTerminal = options.destination ? options.destination.isTTY === true : process.stdout.isTTY === true;
  const pretty = options.pretty ?? (env.NODE_ENV !== 'production' && isTerminal);
  const colors = options.colors ?? isTerminal;
  const secretForms = jsonForms([...secretsFromEnvironment(env), ...(options.secrets ?? [])]);

  const scrubbingStream = {
    write(line: string): void {
      const safeLine = redactSecrets(line, secretForms);
      destination.write(pretty ? formatPrettyLine(safeLine, { colors }) : safeLine);
    },
  };

  const logger = pino(
    {
      level,
      ...(options.name ? { name: options.name } : {}),
      formatters: {
        log: (object) => redactSensitiveKeys(object) as Record<string, unknown>,
        bindings: (bindings) => redactSensitiveKeys(bindings) as pino.Bindings,
      },
      // Errors are already flattened (with causes) by the log formatter above.
      serializers: { err: (value: unknown) => value },
    },
    scrubbingStream,
  );
  censorChildBindings(logger);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root logger only, so child bindings are censored here.
 * Children are created with `Object.create(parent)`, so every descendant inherits these wrappers.
 */
function censorChildBindings(logger: Logger): void {
  const childOf = logger.child;
  const setBindingsOf = logger.setBindings;
  logger.child = function censoredChild(this: Logger, bindings, childOptions) {
    return childOf.call(this, redactSensitiveKeys(bindings) as pino.Bindings, childOptions);
  } as typeof childOf;
  logger.setBindings = function censoredSetBindings(this: Logger, bindings) {
    setBindingsOf.call(this, redactSensitiveKeys(bindings) as pino.Bindings);
  };
}

/** Validates a level name; an unknown one stops start-up with a clear message. */
export function parseLogLevel(value: string | undefined): LogLevel {
  const level = (value ?? '').trim().toLowerCase() || 'info';
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new Error(`LOG_LEVEL "${value}" is not one of ${LOG_LEVELS.join(', ')}`);
}
