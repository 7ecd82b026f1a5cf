/** The pure parts of following runs and admitting them: no Discord, no database. */
import { describe, expect, it } from 'vitest';
import { gridImageShas, keycapIndex, voteRows } from '../../../src/bot/runs/gridMessage.js';
import { ImageBatcher } from '../../../src/bot/runs/imageBatcher.js';
import { formatMarker, parseMarker } from '../../../src/bot/runs/markers.js';
import { parseRunEvent } from '../../../src/bot/runs/runEvents.js';
import { applyRunEvent, EMPTY_PROGRESS, type RunProgress, trainingFraction } from '../../../src/bot/runs/runProgress.js';
import { quotePrompt, renderStatus } from '../../../src/bot/runs/statusView.js';
import { sparkline, trendDirection } from '../../../src/bot/runs/trend.js';
import { discordRelativeTime, startOfNextUtcDay, startOfNextUtcMonth, startOfUtcDay } from '../../../src/bot/services/fairness.js';
import { DEFAULT_TRAINING_POLICY, planRunHyperparameters } from '../../../src/bot/services/runs.js';
import type { Challenge, JsonValue } from '../../../src/db/index.js';
import { resolveHyperparameters } from '../../../src/engine/training/hyperparameters.js';

const sha = (n: number): string => n.toString(16).padStart(64, '0');

describe('trend', () => {
  it('draws one bar per value between the minimum and the maximum', () => {
    expect(sparkline([0, 0.5, 1])).toBe('▁▅█');
    expect(sparkline([0.3, 0.3])).toBe('▄▄');
    expect(sparkline([Number.NaN])).toBe('');
    expect(sparkline(Array.from({ length: 30 }, (_, i) => i), 4)).toBe('▁▃▆█');
  });

  it('points up or down only past the tolerance, against the mean of the three values before', () => {
    expect(trendDirection([0.1, 0.2, 0.3, 0.5])).toBe('up');
    expect(trendDirection([0.5, 0.5, 0.5, 0.4])).toBe('down');
    expect(trendDirection([0.5, 0.5, 0.5, 0.501])).toBe('flat');
    expect(trendDirection([0.5])).toBe('flat');
  });
});

describe('markers', () => {
  it('round-trip, and ignore ordinary text', () => {
    for (const marker of [
      { kind: 'status', runId: 7 },
      { kind: 'grid', runId: 7, iteration: 2, throughSeq: 55 },
      { kind: 'summary', runId: 12 },
    ] as const) {
      expect(parseMarker(`**Run #7**\nsomething\n${formatMarker(marker)}`)).toEqual(marker);
    }
    expect(parseMarker('run 7 · status')).toBeUndefined();
  });
});

describe('grid messages', () => {
  it('put 👍/👎 per image, two images per row, and read the images back from the buttons', () => {
    const rows = voteRows([{ imageSha: sha(1) }, { imageSha: sha(2) }, { imageSha: sha(3) }]);
    expect(rows.map((row) => row.components.map((button) => ('custom_id' in button ? button.custom_id : '')))).toEqual([
      [`vote:${sha(1)}:up`, `vote:${sha(1)}:down`, `vote:${sha(2)}:up`, `vote:${sha(2)}:down`],
      [`vote:${sha(3)}:up`, `vote:${sha(3)}:down`],
    ]);
    expect(gridImageShas(rows)).toEqual([sha(1), sha(2), sha(3)]);
    expect(keycapIndex('2️⃣')).toBe(1);
    expect(keycapIndex('👍')).toBeUndefined();
  });
});

describe('image batcher', () => {
  const entry = (seq: number, iteration: number, n = seq) => ({ seq, iteration, prompt: `p${n}`, imageSha: sha(n), similarity: 0.5 });

  it('fills grids of four, flushes on a later iteration, after the delay, or at the end, and skips repeats', () => {
    let now = 0;
    const batcher = new ImageBatcher({ maxImagesPerIteration: 8, batchDelayMs: 1000, now: () => now }, { postedShas: new Set(), imagesPerIteration: new Map(), throughSeq: 0 });
    for (const seq of [1, 2, 3]) batcher.offer(entry(seq, 0));
    batcher.offer(entry(4, 0, 2)); // the same image again
    expect(batcher.nextGrid()).toBeUndefined();
    now = 1000;
    const partial = batcher.nextGrid()!;
    expect(partial.map((e) => e.seq)).toEqual([1, 2, 3]);
    batcher.markDone(partial, true);
    for (const seq of [5, 6, 7, 8, 9]) batcher.offer(entry(seq, 0));
    expect(batcher.nextGrid()!.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    batcher.markDone(batcher.nextGrid()!, true);
    batcher.offer(entry(10, 1));
    // Iteration 0 has 3 + 4 shown and seq 9 waiting: the 8th, within the cap; a later iteration is waiting, so it goes alone.
    expect(batcher.nextGrid()!.map((e) => e.seq)).toEqual([9]);
    batcher.markDone([entry(9, 0)], true);
    batcher.offer(entry(11, 0));
    expect(batcher.skipped).toBe(1);
    expect(batcher.nextGrid(true)!.map((e) => e.seq)).toEqual([10]);
  });

  it('starts after what the thread already shows', () => {
    const batcher = new ImageBatcher({ maxImagesPerIteration: 8, batchDelayMs: 0 }, { postedShas: new Set([sha(3)]), imagesPerIteration: new Map([[0, 2]]), throughSeq: 2 });
    for (const seq of [1, 2, 3, 4]) batcher.offer(entry(seq, 0));
    expect(batcher.nextGrid()!.map((e) => e.seq)).toEqual([4]);
    expect(batcher.posted).toBe(1);
  });
});

describe('run progress and status', () => {
  const events: Array<{ seq: number; type: string; payload: JsonValue }> = [
    { seq: 1, type: 'phase', payload: { phase: 'training' } },
    { seq: 2, type: 'run-started', payload: { startIteration: 0, hyperparameters: { iterations: 4, episodesPerIteration: 2 } } },
    { seq: 3, type: 'iteration-started', payload: { iteration: 0 } },
    { seq: 4, type: 'image-generated', payload: { iteration: 0, episode: 0, step: 1, prompt: 'red sphere', imageSha: sha(1), similarity: 0.7, cached: false, seed: 1 } },
    { seq: 5, type: 'episode-finished', payload: { iteration: 0, episode: 0, episodeReturn: 0.7 } },
    { seq: 6, type: 'best-so-far', payload: { iteration: 0, prompt: 'red sphere', reward: 0.7 } },
    { seq: 7, type: 'iteration-finished', payload: { iteration: 0, meanReturn: 0.6, meanFinalReward: 0.6, greedyPrompt: 'red sphere', greedyReward: null, generationsUsed: 2, costUsd: 0 } },
    { seq: 8, type: 'iteration-started', payload: { iteration: 1 } },
    { seq: 9, type: 'episode-finished', payload: { iteration: 1, episode: 0, episodeReturn: 0.8 } },
    { seq: 10, type: 'image-generated', payload: { iteration: 1, prompt: 'x', imageSha: 'not a sha' } },
  ];

  it('folds stored events, skipping ones it cannot read', () => {
    const parsed = events.map((event) => parseRunEvent(event));
    expect(parsed.at(-1)).toBeUndefined();
    const progress = parsed.reduce<RunProgress>((state, event) => (event ? applyRunEvent(state, event) : state), EMPTY_PROGRESS);
    expect(progress).toMatchObject({ seq: 9, iterationsDone: 1, episodesDone: 1, imagesGenerated: 2, best: { prompt: 'red sphere', reward: 0.7 }, totalIterations: 4 });
    expect(trainingFraction(progress)).toBeCloseTo(1.5 / 4);
    const message = renderStatus({
      run: { id: 3, status: 'running', preset: 'efficient', cancelRequestedAt: null, requestedBy: '123456789012345678', hyperparameters: resolveHyperparameters('efficient'), learnedPrompt: null },
      progress,
      queuePosition: undefined,
      imagesPosted: 1,
    });
    expect(message.content).toBe('-# run 3 · status');
    expect(message.embeds[0]?.title).toBe('Run #3 — training');
    expect(message.embeds[0]?.description).toContain('███████░░░░░░░░░░░░░ 37% · iteration 2/4');
    expect(message.embeds[0]?.description).toContain('Best prompt so far: **“red sphere”** (0.700)');
    expect(message.allowedMentions).toEqual({ parse: [] });
  });

  it('keeps prompts from breaking out of their quotes', () => {
    expect(quotePrompt('**bold** `code` @everyone')).toBe('“bold code @everyone”');
  });
});

describe('admission arithmetic', () => {
  it('resets quotas at UTC midnight and on the first of the month', () => {
    const now = new Date('2024-02-29T23:59:00Z');
    expect(startOfUtcDay(now).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(startOfNextUtcDay(now).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(startOfNextUtcMonth(now).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(discordRelativeTime(new Date('2024-03-01T00:00:00Z'))).toBe('<t:1709251200:R>');
  });

  it('plans a run from the challenge: P from its prompt space, T, λ and K from its setup, the budget and the money left', () => {
    const challenge = { configuration: { preset: 'efficient', promptLength: 3, words: 6, voteWeight: 0.25, evaluationImages: 5 } } as Challenge;
    const { preset, hyperparameters } = planRunHyperparameters({
      challenge,
      promptSpace: { words: ['a', 'b', 'c', 'd', 'e'] },
      preset: 'paper',
      budgetImages: 40,
      remainingSpendUsd: 1.5,
      policy: DEFAULT_TRAINING_POLICY,
    });
    expect(preset).toBe('paper');
    expect(hyperparameters).toMatchObject({ words: 5, promptLength: 3, humanFeedbackWeight: 0.25, humanFeedbackWindowMs: 30_000, evaluationImages: 5, maxImages: 40, maxCostUsd: 1.5, iterations: 20 });
    expect(() => planRunHyperparameters({ challenge, promptSpace: { words: ['a', 'b', 'c'] }, preset: undefined, budgetImages: 5000, remainingSpendUsd: null, policy: DEFAULT_TRAINING_POLICY })).toThrow('The budget must be a whole number of images from 1 to 2000.');
  });
});
