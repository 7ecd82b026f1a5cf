/**
 * The knobs of our single retry policy, injectable so tests run in
 * milliseconds and can see exactly which waits were asked for.
 */
export interface RetryTiming {
  /** Retries after the first attempt (so at most `maxRetries + 1` requests). */
  maxRetries: number;
  /** Back-off cap before jitter for the first retry; doubles each retry. */
  baseDelayMs: number;
  /** Upper bound of the exponential back-off. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: we fail at once with the hint. */
  maxRetryAfterMs: number;
  /** Uniform [0, 1) source for full jitter. */
  random: () => number;
  /** Waits `ms`, rejecting with the signal's reason if it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY_TIMING: RetryTiming = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
  sleep: abortableSleep,
};

/** Exponential back-off with full jitter: uniform in [0, min(max, base·2^retry)). */
export function backoffDelayMs(retryIndex: number, timing: RetryTiming): number {
  const cap = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** retryIndex);
  return timing.random() * cap;
}
