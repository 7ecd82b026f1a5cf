import { describe, expect, it } from 'vitest';
import { PromptSpaceError, buildPromptSpace, formatPromptSpace } from '../../../src/engine/promptSpace/promptSpace.js';
import { extractWords, tokenize } from '../../../src/engine/promptSpace/words.js';
import { ToyEmbedder, toyEmbedding } from '../../support/toyWorld.js';

describe('caption words', () => {
  it('lower-cases, strips punctuation and stop-words, and de-duplicates in first-seen order', () => {
    const captions = ['A red ball on a white background.', 'an orange egg!', 'The RED sphere, on the table', "it's a ball"];
    expect(extractWords(captions)).toEqual(['red', 'ball', 'white', 'background', 'orange', 'egg', 'sphere', 'table']);
  });

  it('keeps hyphenated words and numbers whole', () => {
    expect(tokenize('A 3d-rendered, 2 (two) red—ball')).toEqual(['a', '3d-rendered', '2', 'two', 'red', 'ball']);
  });
});

describe('buildPromptSpace', () => {
  const embedder = new ToyEmbedder();
  const target = toyEmbedding('red sphere', 99);

  it('keeps the P words most similar to the target, best first, with probabilities summing to 1', async () => {
    const space = await buildPromptSpace({
      captions: ['a red sphere on a white background', 'a blue cube', 'an orange egg'],
      embedder,
      targetEmbedding: target,
      size: 4,
    });
    expect(space.words).toHaveLength(4);
    expect(space.words.slice(0, 2).sort()).toEqual(['red', 'sphere']);
    expect(space.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 10);
    for (let i = 1; i < space.probabilities.length; i++) {
      expect(space.probabilities[i - 1] as number).toBeGreaterThanOrEqual(space.probabilities[i] as number);
    }
    // Over all candidates the paper's normalisation also sums to 1.
    expect(space.candidates.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 10);
    expect(space.candidates).toHaveLength(8);
  });

  it('prints like the paper', () => {
    expect(formatPromptSpace({ words: ['sphere', 'ball'], probabilities: [0.2380530, 0.7619470] })).toBe(
      "Prompt space: ['sphere', 'ball']\nProbabilities: [0.238 0.762]",
    );
  });

  it('refuses a space with fewer words than a prompt needs, saying what to change', async () => {
    await expect(buildPromptSpace({ captions: ['a ball'], embedder, targetEmbedding: target, size: 4, minimumWords: 2 })).rejects.toThrow(PromptSpaceError);
    await expect(buildPromptSpace({ captions: ['a ball'], embedder, targetEmbedding: target, size: 4, minimumWords: 2 })).rejects.toThrow(/--captions/);
  });
});
