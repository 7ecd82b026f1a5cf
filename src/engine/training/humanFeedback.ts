/**
 * Human feedback: people score generated images (Discord votes) and the
 * reward mixes their score in. Training never waits longer than the window.
 */

export interface FeedbackRequest {
  /** Generation-cache key of the image people see. */
  imageKey: string;
  prompt: string;
  iteration: number;
  episode: number;
  step: number;
}

export interface HumanFeedbackSource {
  /**
   * A score in [0, 1] for the image, or null when nobody has one. Should
   * settle when `signal` aborts (the window closed or the run was cancelled).
   */
  scoreFor(request: FeedbackRequest, signal: AbortSignal): Promise<number | null>;
}

/** Asks the source, but gives up after `windowMs` (or on abort): returns null then, or on any error. */
export async function humanScoreWithin(
  source: HumanFeedbackSource,
  request: FeedbackRequest,
  windowMs: number,
  signal?: AbortSignal,
): Promise<number | null> {
  const window = AbortSignal.timeout(Math.max(windowMs, 0));
  const combined = signal ? AbortSignal.any([signal, window]) : window;
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(windowMs, 0));
    combined.addEventListener('abort', () => resolve(null), { once: true });
  });
  try {
    const score = await Promise.race([source.scoreFor(request, combined).catch(() => null), giveUp]);
    if (score === null || !Number.isFinite(score)) return null;
    return Math.min(1, Math.max(0, score));
  } finally {
    clearTimeout(timer);
  }
}

/** reward = (1 − λ)·similarity + λ·human when a human score exists, else the similarity alone. */
export function mixReward(similarity: number, human: number | null, weight: number): number {
  return human === null ? similarity : (1 - weight) * similarity + weight * human;
}
