/**
 * Every prompt — learned, baseline or human — is judged the same way: K images
 * on fixed evaluation seeds that training never uses, mean ± sd similarity.
 */
import { mean, standardDeviation } from '../math/vectors.js';
import type { ImageScorer, ScoredImage } from '../training/imageScorer.js';
import { TRAINING_SEED_LIMIT } from '../training/reinforceTrainer.js';

export interface PromptEvaluation {
  prompt: string;
  mean: number;
  sd: number;
  similarities: number[];
  images: ScoredImage[];
}

/** K fixed evaluation seeds, disjoint from every training seed. */
export function evaluationSeeds(k: number): number[] {
  return Array.from({ length: k }, (_, i) => TRAINING_SEED_LIMIT + 1 + i);
}

export async function evaluatePrompt(scorer: ImageScorer, prompt: string, seeds: readonly number[], signal?: AbortSignal): Promise<PromptEvaluation> {
  const images = await Promise.all(seeds.map((seed) => scorer.score(prompt, seed, signal)));
  const similarities = images.map((image) => image.similarity);
  return { prompt, mean: mean(similarities), sd: standardDeviation(similarities), similarities, images };
}

/** "0.902 ± 0.012" */
export function formatScore(evaluation: Pick<PromptEvaluation, 'mean' | 'sd'>): string {
  return `${evaluation.mean.toFixed(3)} ± ${evaluation.sd.toFixed(3)}`;
}
