import { abortableSleep, type RetryTiming } from '../../../src/engine/providers/http/timing.js';

/**
 * Retry timing for tests: records every wait the policy asks for and sleeps
 * at most `cap` ms of it, so back-off is checked exactly yet costs nothing.
 */
export function recordingTiming(overrides: Partial<RetryTiming> = {}, cap = 5): { timing: Partial<RetryTiming>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    timing: {
      maxRetries: 2,
      baseDelayMs: 20,
      maxDelayMs: 80,
      maxRetryAfterMs: 60_000,
      random: () => 0.5,
      sleep: (ms, signal) => {
        waits.push(ms);
        return abortableSleep(Math.min(ms, cap), signal);
      },
      ...overrides,
    },
  };
}
