/**
 * What the status message shows, folded from a run's events in order. Pure:
 * after a bot restart, replaying the stored events from the first gives back
 * exactly the state the status had before.
 */
import type { FollowedEvent } from './runEvents.js';

export interface IterationPoint {
  readonly iteration: number;
  readonly meanReturn: number | null;
  readonly meanFinalReward: number | null;
  readonly greedyPrompt: string;
  readonly greedyReward: number | null;
}

export interface RunProgress {
  /** Highest event number folded in. */
  readonly seq: number;
  readonly phase: string | undefined;
  readonly totalIterations: number | undefined;
  readonly episodesPerIteration: number | undefined;
  /** Iteration in progress (0-based), if training has started. */
  readonly iteration: number | undefined;
  readonly iterationsDone: number;
  /** Episodes finished in the iteration in progress. */
  readonly episodesDone: number;
  readonly imagesGenerated: number;
  readonly best: { readonly prompt: string; readonly reward: number } | undefined;
  readonly history: readonly IterationPoint[];
  readonly finished: { readonly reason: string; readonly prompt: string; readonly reward: number | null } | undefined;
  /** The worker's final word (`completed`, `failed`, `cancelled`, `budget`), when it has said it. */
  readonly finalStatus: { readonly status: string; readonly learnedPrompt: string | null; readonly learnedReward: number | null } | undefined;
}

export const EMPTY_PROGRESS: RunProgress = {
  seq: 0,
  phase: undefined,
  totalIterations: undefined,
  episodesPerIteration: undefined,
  iteration: undefined,
  iterationsDone: 0,
  episodesDone: 0,
  imagesGenerated: 0,
  best: undefined,
  history: [],
  finished: undefined,
  finalStatus: undefined,
};

export function applyRunEvent(state: RunProgress, event: FollowedEvent): RunProgress {
  const next = { ...state, seq: Math.max(state.seq, event.seq) };
  switch (event.type) {
    case 'phase':
      return { ...next, phase: event.phase };
    case 'run-started':
      return {
        ...next,
        totalIterations: event.hyperparameters.iterations,
        episodesPerIteration: event.hyperparameters.episodesPerIteration,
        iterationsDone: Math.max(state.iterationsDone, event.startIteration),
      };
    case 'iteration-started':
      return { ...next, iteration: event.iteration, episodesDone: 0 };
    case 'image-generated':
      return { ...next, imagesGenerated: state.imagesGenerated + (event.cached ? 0 : 1) };
    case 'episode-finished':
      return { ...next, episodesDone: state.episodesDone + 1 };
    case 'iteration-finished': {
      // A resumed run replays the interrupted iteration: keep one point per iteration, the latest.
      const history = [...state.history.filter((point) => point.iteration !== event.iteration), pointOf(event)].sort((a, b) => a.iteration - b.iteration);
      return { ...next, history, iterationsDone: Math.max(state.iterationsDone, event.iteration + 1), episodesDone: 0, imagesGenerated: Math.max(state.imagesGenerated, event.generationsUsed) };
    }
    case 'best-so-far':
      return state.best && state.best.reward >= event.reward ? next : { ...next, best: { prompt: event.prompt, reward: event.reward } };
    case 'finished':
      return { ...next, finished: { reason: event.reason, prompt: event.prompt, reward: event.reward }, imagesGenerated: Math.max(state.imagesGenerated, event.generationsUsed) };
    case 'status':
      return { ...next, finalStatus: { status: event.status, learnedPrompt: event.learnedPrompt, learnedReward: event.learnedReward } };
  }
}

function pointOf(event: Extract<FollowedEvent, { type: 'iteration-finished' }>): IterationPoint {
  return {
    iteration: event.iteration,
    meanReturn: event.meanReturn,
    meanFinalReward: event.meanFinalReward,
    greedyPrompt: event.greedyPrompt,
    greedyReward: event.greedyReward,
  };
}

/** Fraction of training done, by episodes: iterations finished plus the episodes of the current one. */
export function trainingFraction(state: RunProgress): number {
  const total = state.totalIterations;
  const episodes = state.episodesPerIteration;
  if (total === undefined || total <= 0) return 0;
  const withinIteration = episodes && episodes > 0 ? Math.min(state.episodesDone, episodes) / episodes : 0;
  return Math.min(1, (state.iterationsDone + (state.iterationsDone < total ? withinIteration : 0)) / total);
}
