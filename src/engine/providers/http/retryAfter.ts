/**
 * Reads how long a provider asked us to wait. `retry-after-ms` (OpenAI's
 * non-standard, more precise header) wins over `Retry-After`, which is either
 * delay-seconds or an HTTP date (RFC 9110 §10.2.3). Fractional seconds are
 * accepted although the RFC only defines integers.
 */
export interface HeaderReader {
  get(name: string): string | null;
}

export function parseRetryAfterMs(headers: HeaderReader | undefined, nowMs = Date.now()): number | undefined {
  if (!headers) return undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null && millis.trim() !== '') {
    const value = Number(millis);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
