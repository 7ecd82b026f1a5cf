/**
 * Typed progress events. The CLI's progress bar, the Discord status message
 * and the database's run log all subscribe to the same stream.
 */
import type { Hyperparameters, PresetName } from './hyperparameters.js';

export type FinishReason = 'completed' | 'early-stop' | 'cancelled' | 'budget';

export interface PromptSpaceSummary {
  words: string[];
  probabilities: number[];
}

export type TrainerEvent =
  | {
      type: 'run-started';
      preset: PresetName;
      hyperparameters: Hyperparameters;
      promptSpace: PromptSpaceSummary;
      /** Iteration the run starts from (> 0 when resumed from a checkpoint). */
      startIteration: number;
    }
  | { type: 'iteration-started'; iteration: number }
  | {
      /** Emitted as soon as an image exists, before any human score: subscribers can show it and collect votes. */
      type: 'image-generated';
      iteration: number;
      episode: number;
      step: number;
      prompt: string;
      seed: number;
      /** Generation-cache key (sha256 hex) of the image. */
      imageKey: string;
      /** The encoded image, so subscribers can store or post it. */
      image: Uint8Array;
      similarity: number;
      cached: boolean;
    }
  | {
      /** A step's reward: mean over its images (one per training seed), human votes mixed in when present. */
      type: 'step-rewarded';
      iteration: number;
      episode: number;
      step: number;
      words: string[];
      prompt: string;
      seeds: number[];
      imageKeys: string[];
      similarity: number;
      humanScore: number | null;
      reward: number;
    }
  | {
      type: 'episode-finished';
      iteration: number;
      episode: number;
      words: string[];
      prompt: string;
      rewards: number[];
      episodeReturn: number;
    }
  | {
      type: 'iteration-finished';
      iteration: number;
      meanReturn: number;
      meanFinalReward: number;
      greedyPrompt: string;
      /** Reward of the greedy prompt on the training seeds; null when the preset does not score it (the paper). */
      greedyReward: number | null;
      loss: number;
      entropy: number;
      generationsUsed: number;
      costUsd: number;
    }
  | { type: 'best-so-far'; iteration: number; prompt: string; reward: number }
  | { type: 'finished'; reason: FinishReason; prompt: string; reward: number; iterations: number; generationsUsed: number; costUsd: number };

export type TrainerEventListener = (event: TrainerEvent) => void;
