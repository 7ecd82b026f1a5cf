/** Number flags, parsed and range-checked the same way by every sub-command. */
import { UsageError } from './errors.js';

export interface NumberFlagRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** `undefined` when the flag is absent; a `UsageError` naming the flag when the value is not acceptable. */
export function parseNumberFlag(name: string, raw: string | undefined, rule: NumberFlagRule = {}): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const { integer = false, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = rule;
  const kind = integer ? 'a whole number' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} takes ${kind} (got "${raw}").`);
  }
  if (value < min || value > max) {
    const range = Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UsageError(`--${name} takes ${kind} ${range} (got "${raw}").`);
  }
  return value;
}
