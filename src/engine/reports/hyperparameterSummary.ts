/** Hyperparameters as labelled rows for people: the PNG footer and the HTML table share them. */
import { type Hyperparameters, type PresetName, PRESETS } from '../training/hyperparameters.js';

const LABELS = {
  captions: 'captions sampled (C)',
  words: 'prompt-space words (P)',
  promptLength: 'words per prompt (T)',
  iterations: 'iterations',
  episodesPerIteration: 'episodes per iteration',
  learningRate: 'learning rate',
  gamma: 'discount γ',
  rewardAt: 'reward at',
  state: 'policy state',
  baseline: 'return baseline',
  entropyBonus: 'entropy bonus',
  finalPrompt: 'final prompt',
  trainingSeeds: 'training seeds',
  useCache: 'generation cache',
  promptSpacePrior: 'prompt-space prior',
  finalists: 'finalists re-scored',
  finalistSeeds: 'extra seeds per finalist',
  earlyStopPatience: 'early-stop patience',
  concurrency: 'concurrent generations',
  hiddenUnits: 'hidden units',
  humanFeedbackWeight: 'human feedback weight λ',
  humanFeedbackWindowMs: 'human feedback window',
  evaluationImages: 'evaluation images (K)',
  imageSize: 'image size',
  maxImages: 'image budget',
  maxCostUsd: 'cost budget',
} satisfies Record<keyof Hyperparameters, string>;

export interface HyperparameterEntry {
  key: keyof Hyperparameters;
  label: string;
  value: string;
  /** The preset's value when this run overrode it, else null. */
  presetValue: string | null;
}

function formatValue(key: keyof Hyperparameters, value: Hyperparameters[keyof Hyperparameters]): string {
  if (value === null) {
    if (key === 'trainingSeeds') return 'fresh per image';
    if (key === 'earlyStopPatience') return 'never';
    return 'none';
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (key === 'imageSize') return `${value} px`;
  if (key === 'maxCostUsd') return `$${value}`;
  if (key === 'humanFeedbackWindowMs') return `${Number(value) / 1000} s`;
  return String(value);
}

export function hyperparameterEntries(preset: PresetName, h: Hyperparameters): HyperparameterEntry[] {
  const defaults = PRESETS[preset];
  return (Object.keys(LABELS) as (keyof Hyperparameters)[]).map((key) => {
    const value = formatValue(key, h[key]);
    const presetValue = defaults ? formatValue(key, defaults[key]) : value;
    return { key, label: LABELS[key], value, presetValue: presetValue === value ? null : presetValue };
  });
}

/** One line for a picture's footer: the knobs that shape the method, in the paper's terms. */
export function hyperparameterLine(h: Hyperparameters): string {
  return [
    `C=${h.captions}, P=${h.words}, T=${h.promptLength}`,
    `${h.iterations} iterations × ${h.episodesPerIteration} episodes`,
    `learning rate ${h.learningRate}`,
    `γ=${h.gamma}`,
    `reward at ${h.rewardAt}`,
    `state ${h.state}`,
    `baseline ${h.baseline}`,
    `entropy bonus ${h.entropyBonus}`,
    `final prompt ${h.finalPrompt}`,
    `training seeds ${formatValue('trainingSeeds', h.trainingSeeds)}`,
    `cache ${h.useCache ? 'on' : 'off'}`,
    `prior ${h.promptSpacePrior ? 'on' : 'off'}`,
    `hidden units ${h.hiddenUnits}`,
    `K=${h.evaluationImages}`,
    `images ${h.imageSize}px`,
  ].join(' · ');
}
