import { RateLimitError } from '../errors.js';
import { TransientProviderError } from './failures.js';
import { backoffDelayMs, type RetryTiming } from './timing.js';

/** What a caller learns about each wait, e.g. to log it (messages are already redacted). */
export interface RetryNotice {
  provider: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** Whether the delay came from the provider's own Retry-After. */
  fromRetryAfter: boolean;
  reason: string;
}

export interface RetryOptions {
  provider: string;
  timing: RetryTiming;
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
}

function retryAfterHint(error: unknown): number | undefined {
  if (error instanceof RateLimitError || error instanceof TransientProviderError) return error.retryAfterMs;
  return undefined;
}

/** Only rate limits and transient server/connection failures are retried; everything else is final. */
export function isRetryableFailure(error: unknown): boolean {
  return error instanceof RateLimitError || error instanceof TransientProviderError;
}

/**
 * Runs `attempt` until it succeeds, fails finally, or the retries run out
 * (then the last failure is thrown, e.g. `RateLimitError` with the latest hint).
 * A provider's Retry-After is waited out exactly; without one the wait is
 * exponential back-off with full jitter. Aborting the signal stops any wait.
 */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { timing, signal } = options;
  for (let retry = 0; ; retry++) {
    signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isRetryableFailure(error) || retry >= timing.maxRetries) throw error;
      const hint = retryAfterHint(error);
      if (hint !== undefined && hint > timing.maxRetryAfterMs) throw error;
      const delayMs = hint ?? backoffDelayMs(retry, timing);
      options.onRetry?.({
        provider: options.provider,
        retry: retry + 1,
        delayMs,
        fromRetryAfter: hint !== undefined,
        reason: error instanceof Error ? error.message : String(error),
      });
      await timing.sleep(delayMs, signal);
    }
  }
}
