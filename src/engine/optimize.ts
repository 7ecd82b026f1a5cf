/**
 * The whole method for one target image, as the CLI, the worker and the
 * benchmark run it:
 *
 *   target → captions (C) → prompt space (P words) → REINFORCE (T-word prompt)
 *          → evaluation on K fixed seeds → baselines, evaluated the same way
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { type BaselineContext, type BaselineName, type BaselineResult, captionBaseline, exhaustiveBaseline, greedyBaseline, randomSearchBaseline } from './baselines/baselines.js';
import { type PromptEvaluation, evaluatePrompt, evaluationSeeds } from './baselines/evaluate.js';
import { Rng } from './math/random.js';
import { initTensorflow } from './policy/backend.js';
import { type PromptSpace, buildPromptSpace } from './promptSpace/promptSpace.js';
import type { ProviderStack } from './providers/types.js';
import type { TrainerCheckpoint } from './training/checkpoint.js';
import type { TrainerEvent } from './training/events.js';
import type { GenerationCache } from './training/generationCache.js';
import type { HumanFeedbackSource } from './training/humanFeedback.js';
import type { Hyperparameters, PresetName } from './training/hyperparameters.js';
import { ImageScorer } from './training/imageScorer.js';
import { ReinforceTrainer, type TrainingResult } from './training/reinforceTrainer.js';

export type PipelinePhase = 'captioning' | 'prompt-space' | 'training' | 'evaluating' | 'baselines';

export type PipelineEvent =
  | { type: 'phase'; phase: PipelinePhase }
  | { type: 'prompt-space'; promptSpace: PromptSpace }
  | { type: 'baseline-finished'; result: BaselineResult }
  | TrainerEvent;

export interface OptimizeOptions {
  /** The target image's bytes (already validated and normalised). */
  target: Uint8Array;
  stack: ProviderStack;
  preset: PresetName;
  hyperparameters: Hyperparameters;
  /** Seeds captions, policy, sampling and training seeds: the same seed repeats the run. */
  seed: number;
  /** Generation cache for presets that use one (the paper's does not). */
  cache?: GenerationCache;
  baselines?: readonly BaselineName[];
  /** Exhaustive search is skipped above this many ordered prompts. */
  exhaustiveLimit?: number;
  /** Reuse a prompt space (e.g. a challenge's stored one) instead of captioning again. */
  promptSpace?: PromptSpace;
  humanFeedback?: HumanFeedbackSource;
  resumeFrom?: TrainerCheckpoint;
  onCheckpoint?: (checkpoint: TrainerCheckpoint) => Promise<void>;
  onEvent?: (event: PipelineEvent) => void;
  signal?: AbortSignal;
}

export interface OptimizeResult {
  promptSpace: PromptSpace;
  training: TrainingResult;
  /** The learned prompt on the K evaluation seeds. */
  learned: PromptEvaluation;
  baselines: BaselineResult[];
  evaluationSeeds: number[];
  /** Generations and cost of everything, training and baselines together. */
  totalCostUsd: number;
}

export async function optimize(options: OptimizeOptions): Promise<OptimizeResult> {
  const { stack, hyperparameters: h, signal } = options;
  // Every episode waiting for a generation slot listens to the same signal: dozens is normal, not a leak.
  if (signal) setMaxListeners(Math.max(getMaxListeners(signal), 4 * h.episodesPerIteration * Math.max(h.trainingSeeds ?? 1, 1) + 64), signal);
  const emit = (event: PipelineEvent) => options.onEvent?.(event);
  await initTensorflow();
  const rng = new Rng(options.seed);
  const [targetEmbedding] = (await stack.embedder.embedImages([options.target], signal)) as [Float32Array];

  let promptSpace = options.promptSpace;
  if (!promptSpace) {
    emit({ type: 'phase', phase: 'captioning' });
    const captions = await stack.captioner.caption(options.target, h.captions, { seed: rng.nextUint32(), signal });
    emit({ type: 'phase', phase: 'prompt-space' });
    promptSpace = await buildPromptSpace({ captions, embedder: stack.embedder, targetEmbedding, size: h.words, minimumWords: h.promptLength, signal });
  }
  emit({ type: 'prompt-space', promptSpace });

  const newScorer = (useCache: boolean) =>
    new ImageScorer({
      generator: stack.generator,
      embedder: stack.embedder,
      targetEmbedding,
      size: h.imageSize,
      cache: useCache ? options.cache : undefined,
      concurrency: h.concurrency,
      maxImages: h.maxImages,
      maxCostUsd: h.maxCostUsd,
    });

  emit({ type: 'phase', phase: 'training' });
  const trainingScorer = newScorer(h.useCache);
  const training = await new ReinforceTrainer({
    promptSpace,
    targetEmbedding,
    scorer: trainingScorer,
    embedder: stack.embedder,
    hyperparameters: h,
    preset: options.preset,
    seed: rng.nextUint32(),
    humanFeedback: options.humanFeedback,
    resumeFrom: options.resumeFrom,
    onCheckpoint: options.onCheckpoint,
    onEvent: emit,
    signal,
  }).run();

  emit({ type: 'phase', phase: 'evaluating' });
  const seeds = evaluationSeeds(h.evaluationImages);
  // Evaluation always shares the cache: the same (prompt, seed) image is the same image for every method.
  const evaluationScorer = () => newScorer(true);
  const learned = await evaluatePrompt(evaluationScorer(), training.prompt, seeds, signal);

  const baselines: BaselineResult[] = [];
  const wanted = options.baselines ?? [];
  if (wanted.length > 0) emit({ type: 'phase', phase: 'baselines' });
  const context: BaselineContext = {
    promptSpace,
    promptLength: h.promptLength,
    embedder: stack.embedder,
    targetEmbedding,
    evaluationSeeds: seeds,
    newScorer: evaluationScorer,
    signal,
  };
  for (const name of wanted) {
    const result = await runBaseline(name, context, {
      budget: Math.max(training.generationsUsed, 1),
      seedsPerPrompt: h.trainingSeeds ?? 1,
      seed: rng.nextUint32(),
      exhaustiveLimit: options.exhaustiveLimit ?? 5000,
    });
    if (result) {
      baselines.push(result);
      emit({ type: 'baseline-finished', result });
    }
  }
  const totalCostUsd = training.costUsd + baselines.reduce((s, b) => s + b.costUsd, 0);
  return { promptSpace, training, learned, baselines, evaluationSeeds: seeds, totalCostUsd };
}

function runBaseline(
  name: BaselineName,
  context: BaselineContext,
  options: { budget: number; seedsPerPrompt: number; seed: number; exhaustiveLimit: number },
): Promise<BaselineResult | undefined> {
  switch (name) {
    case 'caption':
      return captionBaseline(context);
    case 'greedy':
      return greedyBaseline(context);
    case 'random':
      return randomSearchBaseline(context, options);
    case 'exhaustive':
      return exhaustiveBaseline(context, { maxPrompts: options.exhaustiveLimit });
  }
}
