import { MissingKeyError, ProviderError, RateLimitError } from '../errors.js';
import { TransientProviderError } from './failures.js';
import { summarizeDetail } from './redact.js';

export interface HttpFailure {
  status: number;
  retryAfterMs: number | undefined;
  /** The provider's explanation (any secret is redacted here). */
  detail: string;
}

/**
 * The provider-independent part of mapping an HTTP failure to a typed error.
 * Providers check their own special cases (safety refusals, quota) first.
 * No SDK error is attached as `cause`: SDK errors can carry request headers,
 * and nothing that holds the key may travel with our errors.
 */
export function providerErrorFromStatus(provider: string, envVar: string, failure: HttpFailure): ProviderError {
  const { status, retryAfterMs } = failure;
  const detail = summarizeDetail(failure.detail);
  if (status === 401 || status === 403) return new MissingKeyError(provider, envVar, true);
  if (status === 429) return new RateLimitError(provider, retryAfterMs);
  if (status === 408 || status >= 500) {
    return new TransientProviderError(provider, `${provider} had a server error (HTTP ${status}): ${detail}`, status, retryAfterMs);
  }
  return new ProviderError(`${provider} rejected the request (HTTP ${status}): ${detail}`, provider, false);
}
