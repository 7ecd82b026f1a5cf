/**
 * The prompt space ν: the P words whose CLIP text–image similarity with the
 * target is highest, with the paper's normalised probabilities.
 */
import { dot } from '../math/vectors.js';
import type { Embedder } from '../providers/types.js';
import { extractWords } from './words.js';

export interface ScoredWord {
  word: string;
  /** Cosine similarity between the word's text embedding and the target image. */
  similarity: number;
  /** similarity / Σ similarity over every candidate word (the paper's normalisation). */
  probability: number;
}

export interface PromptSpace {
  captions: string[];
  /** Every candidate word, best first. */
  candidates: ScoredWord[];
  /** The top P words, best first. */
  words: string[];
  /** Their probabilities renormalised over the top P (they sum to 1), as the paper prints them. */
  probabilities: number[];
}

export class PromptSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptSpaceError';
  }
}

export async function buildPromptSpace(options: {
  captions: readonly string[];
  embedder: Embedder;
  targetEmbedding: Float32Array;
  /** P: how many words to keep. */
  size: number;
  /** T: the space must hold at least this many words. */
  minimumWords?: number;
  signal?: AbortSignal;
}): Promise<PromptSpace> {
  const { captions, embedder, targetEmbedding, size } = options;
  const candidates = extractWords(captions);
  const needed = options.minimumWords ?? 1;
  if (candidates.length < needed) {
    throw new PromptSpaceError(
      `The captions hold only ${candidates.length} usable word(s) (${candidates.join(', ') || 'none'}) but prompts need ${needed}; ask for more captions (--captions) or shorter prompts (--length).`,
    );
  }
  const embeddings = await embedder.embedTexts(candidates, options.signal);
  // Cosine similarity can be negative in principle; a word cannot have negative probability.
  const similarities = embeddings.map((e) => dot(e, targetEmbedding));
  const total = similarities.reduce((s, v) => s + Math.max(v, 0), 0) || 1;
  const scored = candidates
    .map((word, i) => {
      const similarity = similarities[i] as number;
      return { word, similarity, probability: Math.max(similarity, 0) / total };
    })
    .sort((a, b) => b.similarity - a.similarity || a.word.localeCompare(b.word));
  const top = scored.slice(0, size);
  const topTotal = top.reduce((s, w) => s + w.probability, 0) || 1;
  return {
    captions: [...captions],
    candidates: scored,
    words: top.map((w) => w.word),
    probabilities: top.map((w) => (topTotal > 0 ? w.probability / topTotal : 1 / top.length)),
  };
}

/** The paper's printout: `['sphere', 'ball', 'egg', 'red']` and `[0.238 0.261 0.239 0.262]`. */
export function formatPromptSpace(space: Pick<PromptSpace, 'words' | 'probabilities'>): string {
  const words = `[${space.words.map((w) => `'${w}'`).join(', ')}]`;
  const probabilities = `[${space.probabilities.map((p) => p.toFixed(3)).join(' ')}]`;
  return `Prompt space: ${words}\nProbabilities: ${probabilities}`;
}
