import { ProviderError } from '../errors.js';

/**
 * Failures our own retry loop understands, next to the shared ones in
 * `../errors.ts` (`RateLimitError` is the other retryable one).
 */

/** A 5xx answer or a dropped connection: worth another attempt after a back-off. */
export class TransientProviderError extends ProviderError {
  constructor(
    provider: string,
    message: string,
    /** HTTP status, or undefined for a connection failure. */
    readonly status: number | undefined,
    /** The provider's own `Retry-After` hint, when it sent one (a 503 may). */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, provider, true, options);
    this.name = 'TransientProviderError';
  }
}

/**
 * One request took longer than its time limit. Never retried automatically:
 * the provider may still have produced (and billed) the image, so a blind
 * retry could pay twice. `retryable` is true because trying later is sound.
 */
export class ProviderTimeoutError extends ProviderError {
  constructor(
    provider: string,
    readonly timeoutMs: number,
    what = 'request',
  ) {
    super(`${provider} ${what} timed out after ${timeoutMs} ms.`, provider, true);
    this.name = 'ProviderTimeoutError';
  }
}
