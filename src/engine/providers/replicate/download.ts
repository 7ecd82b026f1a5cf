import { ProviderError } from '../errors.js';
import type { CallPolicy } from '../http/callPolicy.js';
import { TransientProviderError } from '../http/failures.js';
import { fromDataUri, sniffImageMime } from '../http/imageData.js';
import { parseRetryAfterMs } from '../http/retryAfter.js';
import { REPLICATE_PROVIDER } from './client.js';

/** The first file URL in a prediction output (a string or an array of them). */
export function firstOutputUrl(output: unknown): string | undefined {
  const first = Array.isArray(output) ? output[0] : output;
  return typeof first === 'string' && /^(https?:|data:)/.test(first) ? first : undefined;
}

/**
 * Fetches an output file (replicate.delivery URLs need no token, so none is
 * sent) or decodes a data URI. Retried like any request: downloading twice
 * costs nothing.
 */
export async function downloadOutput(url: string, policy: CallPolicy, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes =
    fromDataUri(url) ??
    (await policy.request(
      async (attemptSignal) => {
        const response = await fetch(url, { signal: attemptSignal }).catch((error: unknown) => {
          if (attemptSignal.aborted) throw error;
          throw new TransientProviderError(REPLICATE_PROVIDER, 'Could not reach the Replicate output file host.', undefined, undefined);
        });
        if (response.status === 429 || response.status >= 500) {
          throw new TransientProviderError(REPLICATE_PROVIDER, `Output download failed (HTTP ${response.status}).`, response.status, parseRetryAfterMs(response.headers));
        }
        if (!response.ok) throw new ProviderError(`Output download failed (HTTP ${response.status}); the file may have expired.`, REPLICATE_PROVIDER);
        return new Uint8Array(await response.arrayBuffer());
      },
      signal,
      'output download',
    ));
  if (!sniffImageMime(bytes)) throw new ProviderError('Replicate returned an output file that is not an image.', REPLICATE_PROVIDER);
  return bytes;
}
