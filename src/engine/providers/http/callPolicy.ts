import type { RetryNotice } from './retry.js';
import { withRetries } from './retry.js';
import { Semaphore } from './semaphore.js';
import { withTimeout } from './timeout.js';
import { DEFAULT_RETRY_TIMING, type RetryTiming } from './timing.js';

export interface CallPolicyOptions {
  /** Time limit of each HTTP request attempt, in ms. */
  timeoutMs?: number;
  /** Provider calls in flight at once from this instance. */
  maxConcurrency?: number;
  /** Retry knobs; tests inject fast `sleep` and fixed `random`. */
  timing?: Partial<RetryTiming>;
  /** Told about every wait before it starts (for logs; carries no secrets). */
  onRetry?: (notice: RetryNotice) => void;
}

export const DEFAULT_TIMEOUT_MS = 90_000;
export const DEFAULT_MAX_CONCURRENCY = 4;

/**
 * The one policy every remote call goes through: a concurrency slot, then
 * retries on 429/5xx with back-off, each attempt under its own time limit and
 * the caller's AbortSignal. The SDKs' own retries are switched off so this is
 * the only retry layer.
 */
export class CallPolicy {
  readonly timeoutMs: number;
  readonly timing: RetryTiming;
  private readonly semaphore: Semaphore;

  constructor(
    readonly provider: string,
    private readonly options: CallPolicyOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${this.timeoutMs}`);
    this.timing = { ...DEFAULT_RETRY_TIMING, ...options.timing };
    this.semaphore = new Semaphore(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
  }

  /** Holds one concurrency slot for a whole operation (which may make several requests). */
  exclusive<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.semaphore.run(task, signal);
  }

  /** One logical request: retried when transient, each attempt time-limited. */
  request<T>(attempt: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal, what?: string): Promise<T> {
    return withRetries(
      () => withTimeout(attempt, { provider: this.provider, timeoutMs: this.timeoutMs, signal, what }),
      { provider: this.provider, timing: this.timing, signal, onRetry: this.options.onRetry },
    );
  }
}
