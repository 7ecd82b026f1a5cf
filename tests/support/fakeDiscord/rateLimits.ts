/**
 * Injected 429s. A rule answers the next matching request(s) exactly as Discord
 * does when a bucket is exhausted: status 429, body `{ message, retry_after, global }`,
 * `Retry-After` and the `X-RateLimit-*` headers with `X-RateLimit-Scope`.
 */
import { createHash } from 'node:crypto';
import type { RouteResult } from './http.js';

export type RateLimitScope = 'user' | 'shared' | 'global';

/**
 * Which requests a rule matches. A string is `"METHOD /path"` or `"/path"` (any method);
 * path segments `:name` or `*` match any one segment; paths are decoded
 * (`@original`, not `%40original`) and relative to `/api/v10`. A RegExp is tested
 * against `"METHOD /path"`.
 */
export type RoutePattern = string | RegExp;

export interface RateLimitOptions {
  readonly scope?: RateLimitScope;
  /** How many consecutive matching requests get a 429 (default 1). */
  readonly times?: number;
}

interface Rule {
  readonly matches: (method: string, path: string) => boolean;
  readonly retryAfterMs: number;
  readonly scope: RateLimitScope;
  readonly bucket: string;
  remaining: number;
}

function compile(pattern: RoutePattern): (method: string, path: string) => boolean {
  if (pattern instanceof RegExp) return (method, path) => pattern.test(`${method} ${path}`);
  const [first, second] = pattern.trim().split(/\s+/, 2);
  const method = second === undefined ? undefined : first!.toUpperCase();
  const expected = (second ?? first!).split('/').filter(Boolean);
  return (actualMethod, path) => {
    if (method !== undefined && method !== actualMethod) return false;
    const actual = path.split('/').filter(Boolean);
    return actual.length === expected.length && expected.every((segment, index) => segment === '*' || segment.startsWith(':') || segment === actual[index]);
  };
}

export class RateLimitRules {
  private readonly rules: Rule[] = [];

  add(pattern: RoutePattern, retryAfterMs: number, options: RateLimitOptions = {}): void {
    if (!(retryAfterMs >= 0)) throw new RangeError('retryAfterMs must be a non-negative number');
    this.rules.push({
      matches: compile(pattern),
      retryAfterMs,
      scope: options.scope ?? 'user',
      bucket: createHash('sha1').update(String(pattern)).digest('hex').slice(0, 16),
      remaining: options.times ?? 1,
    });
  }

  get pending(): number {
    return this.rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  /** A 429 for this request if a rule matches (consuming one use of it), else undefined. */
  take(method: string, path: string): RouteResult | undefined {
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && candidate.matches(method, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    const seconds = rule.retryAfterMs / 1000;
    const global = rule.scope === 'global';
    return {
      status: 429,
      json: { message: 'You are being rate limited.', retry_after: seconds, global },
      headers: {
        // Discord rounds Retry-After up to whole seconds; the fake keeps milliseconds so tests stay fast.
        'retry-after': seconds.toString(),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': ((Date.now() + rule.retryAfterMs) / 1000).toFixed(3),
        'x-ratelimit-reset-after': seconds.toFixed(3),
        'x-ratelimit-bucket': rule.bucket,
        'x-ratelimit-scope': rule.scope,
        ...(global ? { 'x-ratelimit-global': 'true' } : {}),
      },
    };
  }
}
