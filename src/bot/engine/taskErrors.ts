/**
 * A failed engine task, as the main thread sees it. Errors cannot cross a
 * thread boundary as their own classes, so the worker sends a `WireError`
 * (kind, message, and a player-safe message when there is one) and this class
 * stands in for the original: `kind` says what happened, `userMessage` is what
 * a player may read (e.g. a safety refusal), and internal failures have none.
 */
import type { EngineErrorKind, WireError } from './protocol.js';

export class EngineTaskError extends Error {
  readonly kind: EngineErrorKind;
  /** Safe to show players, or `undefined` when only the logs should see the details. */
  readonly userMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** The original error's class name in the worker, e.g. `SafetyRefusalError`. */
  readonly originalName: string;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'EngineTaskError';
    this.kind = wire.kind;
    this.userMessage = wire.userMessage;
    this.retryAfterMs = wire.retryAfterMs;
    this.originalName = wire.name;
    if (wire.stack) this.stack = `${this.name} (from ${wire.name} in an engine thread): ${wire.message}\n${wire.stack.split('\n').slice(1).join('\n')}`;
  }
}

export function engineFailure(kind: EngineErrorKind, message: string, userMessage?: string): EngineTaskError {
  return new EngineTaskError({ kind, name: 'EngineThreads', message, ...(userMessage !== undefined ? { userMessage } : {}) });
}
