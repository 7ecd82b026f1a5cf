/**
 * Every knob of a run, declared once with a one-line doc each (CleanRL style),
 * the two presets, and validation where values enter.
 */

export type PresetName = 'paper' | 'efficient';
export const PRESET_NAMES: readonly PresetName[] = ['paper', 'efficient'];

/** How REINFORCE centres returns before the policy-gradient step. */
export type BaselineKind = 'none' | 'leave-one-out' | 'z-score';
/** Which steps of an episode generate an image and earn a reward. */
export type RewardSchedule = 'every-step' | 'final-step';
/** What the policy sees as its state before each pick. */
export type StateKind = 'latest-image' | 'prompt-text';
/** Which prompt a run returns: the final policy's greedy decoding (the paper) or the best prompt it scored. */
export type FinalPromptKind = 'greedy' | 'best-seen';

export interface Hyperparameters {
  /** C: captions sampled from the captioner to build the prompt space. */
  captions: number;
  /** P: words kept in the prompt space (the policy's action count). */
  words: number;
  /** T: words per prompt, picked without replacement. */
  promptLength: number;
  /** Training iterations (policy updates) at most. */
  iterations: number;
  /** Episodes (sampled prompts) per iteration. */
  episodesPerIteration: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Discount for returns; 1 sums the rewards as the paper does. */
  gamma: number;
  /** `every-step`: an image per picked word, as in the paper; `final-step`: one image per finished prompt. */
  rewardAt: RewardSchedule;
  /** `latest-image`: embedding of the last generated image (the paper); `prompt-text`: text embedding of the prompt so far. */
  state: StateKind;
  /** Return centring: none (paper), leave-one-out over the iteration's episodes, or z-score. */
  baseline: BaselineKind;
  /** Weight of the policy-entropy bonus in the loss (0 = none). */
  entropyBonus: number;
  /** `greedy`: decode the final policy (the paper); `best-seen`: the highest-reward prompt scored on the fixed seeds. */
  finalPrompt: FinalPromptKind;
  /** best-seen only: re-score this many top prompts on extra seeds before choosing (0 = off), so one lucky seed cannot win. */
  finalists: number;
  /** Extra seeds each finalist is scored on. */
  finalistSeeds: number;
  /** Seeds per run: `null` draws a fresh seed per image (the paper: DALL·E takes none); n fixes n seeds so rewards compare. */
  trainingSeeds: number | null;
  /** Reuse images from the generation cache (memory and disk). */
  useCache: boolean;
  /** Start the policy's output bias at log(prompt-space probabilities). */
  promptSpacePrior: boolean;
  /** Stop after this many iterations without a better greedy prompt (`null`: never stop early). */
  earlyStopPatience: number | null;
  /** Generation calls in flight at once. */
  concurrency: number;
  /** Hidden units of the policy network (the paper: 128). */
  hiddenUnits: number;
  /** λ: weight of human votes in the reward, (1−λ)·similarity + λ·human. */
  humanFeedbackWeight: number;
  /** How long to wait for a human score per image, in milliseconds. */
  humanFeedbackWindowMs: number;
  /** K: images per prompt when evaluating the final prompt and the baselines. */
  evaluationImages: number;
  /** Image size (square) asked of the generator. */
  imageSize: number;
  /** Stop when this many images have been generated (`null`: no cap). */
  maxImages: number | null;
  /** Stop when this much money has been spent, in US dollars (`null`: no cap). */
  maxCostUsd: number | null;
}

/** The paper, faithfully: C=5, P=4, T=2, 20×20, reward at every step, summed returns, no cache. */
export const PAPER_PRESET: Hyperparameters = {
  captions: 5,
  words: 4,
  promptLength: 2,
  iterations: 20,
  episodesPerIteration: 20,
  learningRate: 0.01,
  gamma: 1,
  rewardAt: 'every-step',
  state: 'latest-image',
  baseline: 'none',
  entropyBonus: 0,
  finalPrompt: 'greedy',
  finalists: 0,
  finalistSeeds: 0,
  trainingSeeds: null,
  useCache: false,
  promptSpacePrior: false,
  earlyStopPatience: null,
  concurrency: 1,
  hiddenUnits: 128,
  humanFeedbackWeight: 0,
  humanFeedbackWindowMs: 0,
  evaluationImages: 4,
  imageSize: 256,
  maxImages: null,
  maxCostUsd: null,
};

/** Our default: same space and network, far fewer generations (see README, benchmark). */
export const EFFICIENT_PRESET: Hyperparameters = {
  ...PAPER_PRESET,
  iterations: 20,
  episodesPerIteration: 16,
  learningRate: 0.03,
  rewardAt: 'final-step',
  state: 'prompt-text',
  baseline: 'leave-one-out',
  entropyBonus: 0.01,
  finalPrompt: 'best-seen',
  finalists: 6,
  finalistSeeds: 3,
  trainingSeeds: 1,
  useCache: true,
  promptSpacePrior: true,
  earlyStopPatience: 4,
  concurrency: 4,
};

export const PRESETS: Record<PresetName, Hyperparameters> = {
  paper: PAPER_PRESET,
  efficient: EFFICIENT_PRESET,
};

export class HyperparameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HyperparameterError';
  }
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HyperparameterError(`${name} must be a whole number from ${min} to ${max} (got ${value}).`);
  }
}

function numberIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new HyperparameterError(`${name} must be between ${min} and ${max} (got ${value}).`);
  }
}

/** Throws a `HyperparameterError` naming the first value out of range. */
export function validateHyperparameters(h: Hyperparameters): Hyperparameters {
  integerIn('captions', h.captions, 1, 50);
  integerIn('words', h.words, 1, 64);
  integerIn('promptLength', h.promptLength, 1, 16);
  if (h.promptLength > h.words) {
    throw new HyperparameterError(`promptLength (${h.promptLength}) cannot exceed words (${h.words}): words are picked without replacement.`);
  }
  integerIn('iterations', h.iterations, 1, 10_000);
  integerIn('episodesPerIteration', h.episodesPerIteration, 1, 10_000);
  numberIn('learningRate', h.learningRate, 1e-6, 1);
  if (!(h.gamma > 0 && h.gamma <= 1)) throw new HyperparameterError(`gamma must be in (0, 1] (got ${h.gamma}).`);
  numberIn('entropyBonus', h.entropyBonus, 0, 10);
  if (h.finalPrompt === 'best-seen' && h.trainingSeeds === null) {
    throw new HyperparameterError('finalPrompt "best-seen" needs fixed training seeds (trainingSeeds ≥ 1) so rewards compare.');
  }
  integerIn('finalists', h.finalists, 0, 100);
  integerIn('finalistSeeds', h.finalistSeeds, 0, 100);
  if (h.trainingSeeds !== null) integerIn('trainingSeeds', h.trainingSeeds, 1, 1000);
  if (h.earlyStopPatience !== null) integerIn('earlyStopPatience', h.earlyStopPatience, 1, 10_000);
  integerIn('concurrency', h.concurrency, 1, 64);
  integerIn('hiddenUnits', h.hiddenUnits, 1, 4096);
  numberIn('humanFeedbackWeight', h.humanFeedbackWeight, 0, 1);
  integerIn('humanFeedbackWindowMs', h.humanFeedbackWindowMs, 0, 3_600_000);
  integerIn('evaluationImages', h.evaluationImages, 1, 64);
  integerIn('imageSize', h.imageSize, 32, 2048);
  if (h.maxImages !== null) integerIn('maxImages', h.maxImages, 1, 10_000_000);
  if (h.maxCostUsd !== null) numberIn('maxCostUsd', h.maxCostUsd, 0, 1_000_000);
  return h;
}

/** A preset with overrides applied, validated. */
export function resolveHyperparameters(preset: PresetName, overrides: Partial<Hyperparameters> = {}): Hyperparameters {
  return validateHyperparameters({ ...PRESETS[preset], ...overrides });
}
