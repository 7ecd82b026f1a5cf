/**
 * What a run saves after every iteration, so a crash loses at most the
 * iteration in progress and a resumed run continues exactly where it was.
 */
import type { RngState } from '../math/random.js';
import type { PolicySnapshot } from '../policy/policyNetwork.js';
import type { TrainerEvent } from './events.js';

/** One iteration's summary: the `iteration-finished` event without its tag. */
export type IterationStats = Omit<Extract<TrainerEvent, { type: 'iteration-finished' }>, 'type'>;

export interface BestPrompt {
  prompt: string;
  words: string[];
  reward: number;
  iteration: number;
}

export interface TrainerCheckpoint {
  version: 1;
  /** Iterations fully done; the run resumes at this iteration index. */
  completedIterations: number;
  policy: PolicySnapshot;
  rng: RngState;
  /** The run's fixed seed set (empty when every image draws a fresh seed). */
  trainingSeeds: number[];
  best: BestPrompt | null;
  /** The best full prompts scored on the fixed seeds, best first (finalists come from here). */
  contenders: BestPrompt[];
  /** Extra seeds the finalists are re-scored on (disjoint from the training seeds). */
  selectionSeeds: number[];
  iterationsWithoutImprovement: number;
  history: IterationStats[];
  usage: { generatorCalls: number; costUsd: number; seenKeys: string[] };
}
