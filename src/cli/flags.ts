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
  const range = Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` of at least ${min}` : '';
  const wellFormed = raw.trim() !== '' && Number.isFinite(value) && (!integer || Number.isInteger(value));
  if (!wellFormed || value < min || value > max) throw new UsageError(`--${name} takes ${kind}${range} (got "${raw}").`);
  return value;
}
