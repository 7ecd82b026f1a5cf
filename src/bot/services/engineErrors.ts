/**
 * Engine failures as players see them. An `EngineTaskError` that carries a
 * player-safe message (a safety refusal, a rate limit, a spent budget) becomes
 * a `UserFacingError`, with a retry time when the provider gave one; anything
 * else stays as it is, so the router logs it and shows only a reference id.
 */
import { EngineTaskError } from '../engine/taskErrors.js';
import { UserFacingError } from '../interactions/errors.js';
import { formatWait, RetryLaterError } from './refusals.js';

export function toUserFacing(error: unknown, now: Date, prefix = ''): unknown {
  if (!(error instanceof EngineTaskError) || error.userMessage === undefined) return error;
  if (error.kind === 'rate-limited' && error.retryAfterMs !== undefined) {
    const retryAt = new Date(now.getTime() + error.retryAfterMs);
    return new RetryLaterError(`${prefix}The image model is busy; try again in ${formatWait(now.getTime(), retryAt.getTime())}.`, retryAt);
  }
  return new UserFacingError(`${prefix}${error.userMessage}`, { cause: error });
}
