/**
 * A small human-readable formatter for pino's JSON lines, for terminals (pino-pretty is not a
 * dependency). One headline per event:
 *
 *   14:03:07.412 INFO  worker: run started runId=42 preset="quick"
 *
 * and, when the event carries an error, its stack (and its causes' stacks) indented below it.
 */

const LEVEL_LABELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** ANSI colours per level: grey, blue, green, yellow, red, magenta. */
const LEVEL_COLOURS: Readonly<Record<number, string>> = {
  10: '\u001b[90m',
  20: '\u001b[34m',
  30: '\u001b[32m',
  40: '\u001b[33m',
  50: '\u001b[31m',
  60: '\u001b[35m',
};
const RESET = '\u001b[0m';

/** Fields shown in the headline's fixed columns (or deliberately left out of a terminal view). */
const FIXED_FIELDS = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

export interface PrettyFormatOptions {
  /** Colour the level label with ANSI escapes. */
  colors: boolean;
}

/** Formats one pino JSON line (with or without its trailing newline); returns text ending in "\n". */
export function formatPrettyLine(jsonLine: string, options: PrettyFormatOptions): string {
  let record: unknown;
  try {
    record = JSON.parse(jsonLine);
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  if (!isRecord(record)) return `${jsonLine.trimEnd()}\n`;

  const level = typeof record.level === 'number' ? record.level : 30;
  const label = (LEVEL_LABELS[level] ?? `L${level}`).padEnd(5);
  const coloured = options.colors ? `${LEVEL_COLOURS[level] ?? ''}${label}${RESET}` : label;
  const parts = [formatTime(record.time), coloured];
  if (typeof record.name === 'string') parts.push(`${record.name}:`);
  if (typeof record.msg === 'string' && record.msg !== '') parts.push(record.msg);

  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (FIXED_FIELDS.has(key) || value === undefined) continue;
    if (isSerializedError(value)) {
      parts.push(`${key}=${formatValue(`${value.type}: ${value.message}`)}`);
      stacks.push(...errorStackLines(value));
    } else {
      parts.push(`${key}=${formatValue(value)}`);
    }
  }
  return `${[parts.join(' '), ...stacks].join('\n')}\n`;
}

function formatTime(time: unknown): string {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date();
  if (Number.isNaN(date.getTime())) return String(time);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Bare words stay bare; anything with spaces, quotes or structure is JSON-quoted. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

interface ErrorRecord {
  type: string;
  message: string;
  stack?: unknown;
  cause?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSerializedError(value: unknown): value is ErrorRecord {
  return isRecord(value) && typeof value.type === 'string' && typeof value.message === 'string' && 'stack' in value;
}

/** The stack of an error and of each cause, indented under the headline. */
function errorStackLines(error: ErrorRecord, depth = 0): string[] {
  const indent = '    ';
  const header = depth === 0 ? [] : [`${indent}caused by:`];
  const stack = typeof error.stack === 'string' ? error.stack : `${error.type}: ${error.message}`;
  const lines = [...header, ...stack.split('\n').map((line) => `${indent}${line.trimStart()}`)];
  if (isSerializedError(error.cause) && depth < 8) lines.push(...errorStackLines(error.cause, depth + 1));
  else if (error.cause !== undefined && !isSerializedError(error.cause)) {
    lines.push(`${indent}caused by: ${formatValue(error.cause)}`);
  }
  return lines;
}
