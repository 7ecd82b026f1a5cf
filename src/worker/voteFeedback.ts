/**
 * Human feedback from votes: the bot posts a run's images and players vote on
 * them; the trainer asks this source for an image's score and mixes it into
 * the reward. The source waits for votes while the window is open and answers
 * before it closes (the trainer stops listening at the close).
 */
import type { Database } from '../db/client.js';
import { voteSummaryForImage } from '../db/repositories/votes.js';
import type { FeedbackRequest, HumanFeedbackSource } from '../engine/training/humanFeedback.js';
import type { DbTimer } from './dbTimer.js';

export interface VoteFeedbackOptions {
  db: Database;
  /** The image's sha256 for a generation key, once the image is known. */
  imageShaForKey: (key: string) => string | undefined;
  /** Votes cast before this moment do not count (default: when the score is asked for). */
  votesSince?: (key: string) => Date | undefined;
  /** The trainer's window (`humanFeedbackWindowMs`): the source answers before it ends. */
  windowMs: number;
  /** Answer as soon as this many votes are in (default 3). */
  enoughVotes?: number;
  /** How often to look at the votes, in milliseconds (default 1000). */
  pollMs?: number;
  /** Awaited before the first look, e.g. to write the image so votes can refer to it. */
  beforeFirstPoll?: () => Promise<void>;
  timer?: DbTimer;
}

export class VoteFeedbackSource implements HumanFeedbackSource {
  constructor(private readonly options: VoteFeedbackOptions) {}

  async scoreFor(request: FeedbackRequest, signal: AbortSignal): Promise<number | null> {
    const { db, windowMs, timer } = this.options;
    const pollMs = this.options.pollMs ?? 1000;
    const enoughVotes = this.options.enoughVotes ?? 3;
    const askedAt = new Date();
    // Leave room for the last look to finish before the trainer stops listening.
    const answerBy = askedAt.getTime() + Math.max(0, windowMs - 2 * pollMs);
    await this.options.beforeFirstPoll?.();
    let latest: number | null = null;
    while (!signal.aborted) {
      const sha = this.options.imageShaForKey(request.imageKey);
      if (sha !== undefined) {
        const since = this.options.votesSince?.(request.imageKey) ?? askedAt;
        const look = () => voteSummaryForImage(db, sha, since);
        const summary = await (timer ? timer.time('feedback', look) : look());
        latest = summary.mean;
        if (summary.count >= enoughVotes) return latest;
      }
      const now = Date.now();
      if (now >= answerBy) return latest;
      await sleep(Math.min(pollMs, answerBy - now), signal);
    }
    return latest;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
