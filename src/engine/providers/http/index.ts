export { CallPolicy, type CallPolicyOptions, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT_MS } from './callPolicy.js';
export { ProviderTimeoutError, TransientProviderError } from './failures.js';
export { fromBase64, fromDataUri, sniffImageMime, toDataUri } from './imageData.js';
export {
  CAPTION_PRICES_USD,
  OPENAI_IMAGE_PRICES_USD,
  type OpenAIImageModel,
  openAIImagePriceUsd,
  PRICES_CHECKED,
  REPLICATE_IMAGE_PRICES_USD,
} from './prices.js';
export { redactSecrets } from './redact.js';
export { isRetryableFailure, type RetryNotice, withRetries } from './retry.js';
export { parseRetryAfterMs } from './retryAfter.js';
export { Semaphore } from './semaphore.js';
export { type BudgetReservation, guardedGenerator, SpendingGuard, type SpendingLimits, type SpendingSnapshot } from './spendingGuard.js';
export { withTimeout } from './timeout.js';
export { abortableSleep, backoffDelayMs, DEFAULT_RETRY_TIMING, type RetryTiming } from './timing.js';
