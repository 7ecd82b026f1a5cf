import Replicate from 'replicate';
import { MissingKeyError } from '../errors.js';
import { TransientProviderError } from '../http/failures.js';
import { summarizeDetail } from '../http/redact.js';
import { parseRetryAfterMs } from '../http/retryAfter.js';
import { providerErrorFromStatus } from '../http/statusErrors.js';

export const REPLICATE_PROVIDER = 'replicate';
export const REPLICATE_TOKEN_ENV = 'REPLICATE_API_TOKEN';
export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1';

export interface ReplicateConnection {
  /** API token; the registry passes `env.REPLICATE_API_TOKEN`. */
  apiToken: string | undefined;
  /** Defaults to https://api.replicate.com/v1; tests point it at a local fake. */
  baseUrl?: string;
}

/** A non-2xx answer, captured by our fetch before the SDK sees it. Internal: mapped by `replicateFailure`. */
class ReplicateHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    readonly detail: string,
  ) {
    super(`Replicate answered HTTP ${status}`);
    this.name = 'ReplicateHttpFailure';
  }

  static async from(response: Response): Promise<ReplicateHttpFailure> {
    const text = await response.text().catch(() => '');
    let detail = text;
    try {
      // Replicate errors are RFC 7807 problem details: { title, detail, status }.
      const body: unknown = JSON.parse(text);
      if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') detail = body.detail;
    } catch {
      // Not JSON: keep the text.
    }
    return new ReplicateHttpFailure(response.status, parseRetryAfterMs(response.headers), summarizeDetail(detail || response.statusText));
  }
}

type SdkFetch = (input: Request | string, init?: RequestInit) => Promise<Response>;

/**
 * replicate 1.4 always retries by itself (`withAutomaticRetries`: POST on 429,
 * GET on 429/5xx, up to 5 times, back to back because its delay check never
 * passes) and has no option to stop. It re-sends the very same `init` object
 * each time, so this fetch answers any repeat of a failed `init` from memory:
 * one request reaches the network, the SDK gives up, and our policy decides.
 */
function singleShotFetch(baseFetch: typeof fetch = globalThis.fetch): SdkFetch {
  const failures = new WeakMap<object, unknown>();
  return async (input, init) => {
    if (init && failures.has(init)) throw failures.get(init);
    try {
      const response = await baseFetch(input, init);
      if (response.ok) return response;
      throw await ReplicateHttpFailure.from(response);
    } catch (error) {
      if (init) failures.set(init, error);
      throw error;
    }
  };
}

export function createReplicateClient(connection: ReplicateConnection): Replicate {
  const token = connection.apiToken?.trim();
  if (!token) throw new MissingKeyError(REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV);
  return new Replicate({
    auth: token,
    baseUrl: connection.baseUrl ?? REPLICATE_DEFAULT_BASE_URL,
    fetch: singleShotFetch(),
    userAgent: 'imageprompt (replicate-javascript/1.4)',
    // We read output URLs ourselves (and download with our timeout and signal).
    useFileOutput: false,
  });
}

/**
 * Maps whatever a Replicate SDK call threw to our typed errors. Abort and
 * timeout handling happens around the call (see `withTimeout`).
 */
export function replicateFailure(error: unknown): unknown {
  if (error instanceof ReplicateHttpFailure) {
    if (error.status === 402) {
      return providerErrorFromStatus(REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV, {
        status: 402,
        retryAfterMs: undefined,
        detail: `billing required or credit exhausted: ${error.detail}`,
      });
    }
    return providerErrorFromStatus(REPLICATE_PROVIDER, REPLICATE_TOKEN_ENV, error);
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    // undici's network failure (refused, reset, DNS): no HTTP answer came back.
    return new TransientProviderError(REPLICATE_PROVIDER, `Could not reach Replicate: ${summarizeDetail(String(error.cause ?? error.message))}`, undefined, undefined);
  }
  return error;
}

/** Runs one SDK call and rethrows its failure as our typed error. */
export async function callReplicate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw replicateFailure(error);
  }
}
