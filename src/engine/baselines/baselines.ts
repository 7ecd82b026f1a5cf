/**
 * The methods the learned prompt is compared with. Each searches with its own
 * scorer (so its generations are counted on their own) and is then evaluated
 * exactly like the learned prompt.
 */
import { dot } from '../math/vectors.js';
import { Rng } from '../math/random.js';
import type { PromptSpace } from '../promptSpace/promptSpace.js';
import type { Embedder } from '../providers/types.js';
import type { ImageScorer } from '../training/imageScorer.js';
import { TRAINING_SEED_LIMIT } from '../training/reinforceTrainer.js';
import { type PromptEvaluation, evaluatePrompt } from './evaluate.js';

export type BaselineName = 'caption' | 'greedy' | 'random' | 'exhaustive';
export const BASELINE_NAMES: readonly BaselineName[] = ['caption', 'greedy', 'random', 'exhaustive'];

export const BASELINE_LABELS: Record<BaselineName, string> = {
  caption: 'caption as prompt',
  greedy: 'greedy CLIP words (paper exp. 2)',
  random: 'random search, same budget',
  exhaustive: 'exhaustive search (ceiling)',
};

export interface BaselineResult {
  method: BaselineName;
  prompt: string;
  evaluation: PromptEvaluation;
  /** Images the method generated to choose its prompt (its final evaluation not included). */
  generationsUsed: number;
  costUsd: number;
  note?: string;
}

export interface BaselineContext {
  promptSpace: PromptSpace;
  promptLength: number;
  embedder: Embedder;
  targetEmbedding: Float32Array;
  evaluationSeeds: readonly number[];
  /** Makes a scorer with fresh usage counters (sharing the run's cache). */
  newScorer: () => ImageScorer;
  signal?: AbortSignal;
}

/** The caption CLIP ranks closest to the target, used verbatim as the prompt. */
export async function captionBaseline(ctx: BaselineContext): Promise<BaselineResult> {
  const captions = ctx.promptSpace.captions;
  const embeddings = await ctx.embedder.embedTexts(captions, ctx.signal);
  let best = 0;
  embeddings.forEach((e, i) => {
    if (dot(e, ctx.targetEmbedding) > dot(embeddings[best] as Float32Array, ctx.targetEmbedding)) best = i;
  });
  const prompt = captions[best] ?? '';
  const scorer = ctx.newScorer();
  const evaluation = await evaluatePrompt(scorer, prompt, ctx.evaluationSeeds, ctx.signal);
  return { method: 'caption', prompt, evaluation, generationsUsed: 0, costUsd: scorer.usage.costUsd };
}

/** The paper's Experiment 2: the T most probable words, most probable first. */
export async function greedyBaseline(ctx: BaselineContext): Promise<BaselineResult> {
  const prompt = ctx.promptSpace.words.slice(0, ctx.promptLength).join(' ');
  const scorer = ctx.newScorer();
  const evaluation = await evaluatePrompt(scorer, prompt, ctx.evaluationSeeds, ctx.signal);
  return { method: 'greedy', prompt, evaluation, generationsUsed: 0, costUsd: scorer.usage.costUsd };
}

/** Number of ordered prompts of T distinct words out of P: P!/(P−T)!. */
export function orderedPromptCount(p: number, t: number): number {
  let count = 1;
  for (let i = 0; i < t; i++) count *= p - i;
  return count;
}

/** Every ordered selection of `length` distinct words. */
export function* orderedPrompts(words: readonly string[], length: number, prefix: string[] = []): Generator<string[]> {
  if (prefix.length === length) {
    yield [...prefix];
    return;
  }
  for (const word of words) {
    if (prefix.includes(word)) continue;
    prefix.push(word);
    yield* orderedPrompts(words, length, prefix);
    prefix.pop();
  }
}

/**
 * Random distinct prompts scored on fixed seeds until `budget` images have
 * been used; the best is then evaluated.
 */
export async function randomSearchBaseline(
  ctx: BaselineContext,
  options: { budget: number; seedsPerPrompt: number; seed: number },
): Promise<BaselineResult> {
  const rng = new Rng(options.seed);
  const seeds = Array.from({ length: options.seedsPerPrompt }, () => rng.int(TRAINING_SEED_LIMIT));
  const words = ctx.promptSpace.words;
  const total = orderedPromptCount(words.length, ctx.promptLength);
  const maxPrompts = Math.min(total, Math.max(1, Math.floor(options.budget / options.seedsPerPrompt)));
  const scorer = ctx.newScorer();
  const tried = new Set<string>();
  let best = { prompt: '', reward: Number.NEGATIVE_INFINITY };
  while (tried.size < maxPrompts) {
    const pool = [...words];
    const picked: string[] = [];
    for (let t = 0; t < ctx.promptLength; t++) picked.push(pool.splice(rng.int(pool.length), 1)[0] as string);
    const prompt = picked.join(' ');
    if (tried.has(prompt)) continue;
    tried.add(prompt);
    const scores = await Promise.all(seeds.map((s) => scorer.score(prompt, s, ctx.signal)));
    const reward = scores.reduce((sum, s) => sum + s.similarity, 0) / scores.length;
    if (reward > best.reward) best = { prompt, reward };
  }
  const generationsUsed = scorer.usage.uniqueImages;
  const evaluation = await evaluatePrompt(scorer, best.prompt, ctx.evaluationSeeds, ctx.signal);
  return { method: 'random', prompt: best.prompt, evaluation, generationsUsed, costUsd: scorer.usage.costUsd, note: `${tried.size} prompts` };
}

/**
 * Every ordered prompt, each evaluated on the evaluation seeds: the best any
 * method restricted to this prompt space can do. Skipped above `maxPrompts`.
 */
export async function exhaustiveBaseline(ctx: BaselineContext, options: { maxPrompts: number }): Promise<BaselineResult | undefined> {
  const total = orderedPromptCount(ctx.promptSpace.words.length, ctx.promptLength);
  if (total > options.maxPrompts) return undefined;
  const scorer = ctx.newScorer();
  let best: PromptEvaluation | undefined;
  for (const words of orderedPrompts(ctx.promptSpace.words, ctx.promptLength)) {
    const evaluation = await evaluatePrompt(scorer, words.join(' '), ctx.evaluationSeeds, ctx.signal);
    if (!best || evaluation.mean > best.mean) best = evaluation;
  }
  if (!best) return undefined;
  return { method: 'exhaustive', prompt: best.prompt, evaluation: best, generationsUsed: scorer.usage.uniqueImages, costUsd: scorer.usage.costUsd, note: `${total} prompts` };
}
