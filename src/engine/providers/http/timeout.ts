import { ProviderTimeoutError } from './failures.js';

/**
 * Runs one request with its own time limit, linked to the caller's signal.
 * The attempt receives a signal to hand to the SDK; whatever the SDK throws
 * when it is aborted, the caller sees either the caller's own abort reason
 * (cancellation) or a `ProviderTimeoutError` (our limit).
 */
export async function withTimeout<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: { provider: string; timeoutMs: number; signal?: AbortSignal; what?: string },
): Promise<T> {
  const { signal: callerSignal, timeoutMs, provider } = options;
  callerSignal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timeoutError = new ProviderTimeoutError(provider, timeoutMs, options.what);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(timeoutError);
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await attempt(controller.signal);
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (timedOut) throw timeoutError;
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
