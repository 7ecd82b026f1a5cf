import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { MissingKeyError, ProviderError, SafetyRefusalError } from '../errors.js';
import { ProviderTimeoutError, TransientProviderError } from '../http/failures.js';
import { summarizeDetail } from '../http/redact.js';
import { parseRetryAfterMs } from '../http/retryAfter.js';
import { providerErrorFromStatus } from '../http/statusErrors.js';

export const OPENAI_PROVIDER = 'openai';
export const OPENAI_KEY_ENV = 'OPENAI_API_KEY';
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIConnection {
  /** API key; the registry passes `env.OPENAI_API_KEY`. */
  apiKey: string | undefined;
  /** Defaults to https://api.openai.com/v1; tests point it at a local fake. */
  baseURL?: string;
  /** Sent as OpenAI-Organization / OpenAI-Project when set (the registry reads OPENAI_ORG_ID / OPENAI_PROJECT_ID). */
  organization?: string;
  project?: string;
}

export const OPENAI_SAFETY_MESSAGE = "OpenAI's safety system refused this prompt; try different words.";

/**
 * `maxRetries: 0` turns the SDK's own retries off (ours are the single
 * policy). Our per-request limit (`withTimeout`) is the one that fires; the
 * SDK's own timeout sits a second later as a safety net only.
 */
export function createOpenAIClient(connection: OpenAIConnection, timeoutMs: number): OpenAI {
  const apiKey = connection.apiKey?.trim();
  if (!apiKey) throw new MissingKeyError(OPENAI_PROVIDER, OPENAI_KEY_ENV);
  return new OpenAI({
    apiKey,
    baseURL: connection.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: timeoutMs + 1_000,
    // Explicit, so the SDK never reads process.env behind the registry's back.
    organization: connection.organization ?? null,
    project: connection.project ?? null,
  });
}

/** Safety refusals: DALL·E answers 400 `content_policy_violation`, GPT image models `moderation_blocked`. */
const SAFETY_CODES = new Set(['content_policy_violation', 'moderation_blocked']);
/** Billing problems are final: waiting does not refill credit. */
const BILLING_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);

/** Maps whatever the OpenAI SDK threw to our typed errors (aborts are handled around the call). */
export function openAIFailure(error: unknown, timeoutMs: number): unknown {
  if (error instanceof APIUserAbortError) return error;
  if (error instanceof APIConnectionTimeoutError) return new ProviderTimeoutError(OPENAI_PROVIDER, timeoutMs);
  if (error instanceof APIConnectionError) {
    return new TransientProviderError(OPENAI_PROVIDER, `Could not reach OpenAI: ${summarizeDetail(error.message)}`, undefined, undefined);
  }
  if (!(error instanceof APIError) || error.status === undefined) return error;
  const code = error.code ?? '';
  const detail = summarizeDetail(typeof error.error === 'object' && error.error && 'message' in error.error ? String(error.error.message) : error.message);
  if (SAFETY_CODES.has(code)) return new SafetyRefusalError(OPENAI_PROVIDER, OPENAI_SAFETY_MESSAGE);
  if (BILLING_CODES.has(code)) return new ProviderError(`OpenAI refused for billing reasons (${code}): ${detail}`, OPENAI_PROVIDER, false);
  // gpt-image-1 answers 403 to an unverified organization: the key is fine, the account is not.
  if (error.status === 403 && /verif/i.test(detail)) return new ProviderError(`OpenAI needs organization verification for this model: ${detail}`, OPENAI_PROVIDER, false);
  return providerErrorFromStatus(OPENAI_PROVIDER, OPENAI_KEY_ENV, { status: error.status, retryAfterMs: parseRetryAfterMs(error.headers), detail });
}

export async function callOpenAI<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw openAIFailure(error, timeoutMs);
  }
}
