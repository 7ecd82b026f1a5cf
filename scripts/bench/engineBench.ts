/**
 * Engine benchmark (issue 2): on targets rendered from hidden prompts with
 * unseen seeds, every method — paper preset, efficient preset, Experiment-2
 * greedy, caption, random search at equal budget, exhaustive — side by side.
 */
import { readFile } from 'node:fs/promises';
import {
  type BaselineContext,
  type BaselineResult,
  captionBaseline,
  exhaustiveBaseline,
  greedyBaseline,
  randomSearchBaseline,
} from '../../src/engine/baselines/baselines.js';
import { evaluatePrompt, evaluationSeeds } from '../../src/engine/baselines/evaluate.js';
import { initTensorflow } from '../../src/engine/policy/backend.js';
import { buildPromptSpace } from '../../src/engine/promptSpace/promptSpace.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import { MemoryGenerationCache } from '../../src/engine/training/generationCache.js';
import { type Hyperparameters, type PresetName, resolveHyperparameters } from '../../src/engine/training/hyperparameters.js';
import { ImageScorer } from '../../src/engine/training/imageScorer.js';
import { ReinforceTrainer } from '../../src/engine/training/reinforceTrainer.js';
import { formatTable } from '../../src/cli/optimize/table.js';

export interface BenchTarget {
  prompt: string;
  seed: number;
}

/** Hidden prompts: colours × shapes × modifiers the captioner must discover. Seeds ≥ 3e9 are never used elsewhere. */
export const DEFAULT_TARGETS: BenchTarget[] = [
  'red sphere',
  'blue cube',
  'green pyramid',
  'yellow star',
  'purple torus',
  'orange cone',
  'pink heart',
  'white cylinder on a black background',
  'brown egg',
  'shiny blue sphere',
  'small red cube',
  'large green star',
  'two yellow spheres',
  'flat orange heart',
  'matte purple cube on a yellow background',
  'cyan pyramid',
  'gray torus on a blue background',
  'red cone on a white background',
  'three blue stars',
  'black sphere on a pink background',
  'green cylinder',
  'shiny gold ring',
].map((prompt, i) => ({ prompt, seed: 3_000_000_000 + 7919 * i }));

export async function readTargets(file: string): Promise<BenchTarget[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  return lines.map((line, i) => {
    const parsed = JSON.parse(line) as Partial<BenchTarget>;
    if (typeof parsed.prompt !== 'string' || typeof parsed.seed !== 'number') {
      throw new Error(`${file}:${i + 1}: each line must be {"prompt": string, "seed": number}`);
    }
    return { prompt: parsed.prompt, seed: parsed.seed };
  });
}

const METHODS = ['paper preset', 'efficient preset', 'greedy (exp. 2)', 'caption', 'random search', 'exhaustive'] as const;
type Method = (typeof METHODS)[number];

interface MethodOutcome {
  prompt: string;
  similarity: number;
  generations: number;
  ms: number;
}

const BENCH_SETTINGS = { captions: 10, words: 8, promptLength: 3, imageSize: 128, evaluationImages: 4 } satisfies Partial<Hyperparameters>;

async function runPreset(
  preset: PresetName,
  ctx: { promptSpace: { words: string[]; probabilities: number[] }; targetEmbedding: Float32Array; stack: ReturnType<typeof createShapesStack> },
  seed: number,
): Promise<{ prompt: string; generations: number }> {
  const h = resolveHyperparameters(preset, BENCH_SETTINGS);
  const scorer = new ImageScorer({
    generator: ctx.stack.generator,
    embedder: ctx.stack.embedder,
    targetEmbedding: ctx.targetEmbedding,
    size: h.imageSize,
    cache: h.useCache ? new MemoryGenerationCache() : undefined,
    concurrency: h.concurrency,
  });
  const result = await new ReinforceTrainer({
    promptSpace: ctx.promptSpace,
    targetEmbedding: ctx.targetEmbedding,
    scorer,
    embedder: ctx.stack.embedder,
    hyperparameters: h,
    preset,
    seed,
  }).run();
  return { prompt: result.prompt, generations: result.generationsUsed };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

export async function runEngineBench(targets: BenchTarget[], log: (line: string) => void): Promise<string> {
  await initTensorflow();
  const stack = createShapesStack();
  const seeds = evaluationSeeds(BENCH_SETTINGS.evaluationImages);
  const outcomes = new Map<Method, MethodOutcome[]>(METHODS.map((m) => [m, []]));

  for (const [index, target] of targets.entries()) {
    const targetImage = await stack.generator.generate({ prompt: target.prompt, seed: target.seed, width: 256, height: 256 });
    const [targetEmbedding] = (await stack.embedder.embedImages([targetImage.bytes])) as [Float32Array];
    const captions = await stack.captioner.caption(targetImage.bytes, BENCH_SETTINGS.captions, { seed: target.seed });
    const promptSpace = await buildPromptSpace({ captions, embedder: stack.embedder, targetEmbedding, size: BENCH_SETTINGS.words, minimumWords: BENCH_SETTINGS.promptLength });
    // One evaluation cache per target: every method's prompt is judged on the same images.
    const evaluationCache = new MemoryGenerationCache();
    const newScorer = () =>
      new ImageScorer({ generator: stack.generator, embedder: stack.embedder, targetEmbedding, size: BENCH_SETTINGS.imageSize, cache: evaluationCache, concurrency: 4 });
    const evaluate = async (prompt: string) => (await evaluatePrompt(newScorer(), prompt, seeds)).mean;
    const ctx: BaselineContext = { promptSpace, promptLength: BENCH_SETTINGS.promptLength, embedder: stack.embedder, targetEmbedding, evaluationSeeds: seeds, newScorer };
    const record = (method: Method, outcome: MethodOutcome) => outcomes.get(method)?.push(outcome);
    const fromBaseline = async (method: Method, run: () => Promise<BaselineResult | undefined>) => {
      const { value, ms } = await timed(run);
      if (value) record(method, { prompt: value.prompt, similarity: value.evaluation.mean, generations: value.generationsUsed, ms });
    };

    for (const preset of ['paper', 'efficient'] as const) {
      const { value, ms } = await timed(() => runPreset(preset, { promptSpace, targetEmbedding, stack }, target.seed));
      record(preset === 'paper' ? 'paper preset' : 'efficient preset', { prompt: value.prompt, similarity: await evaluate(value.prompt), generations: value.generations, ms });
    }
    const efficientBudget = outcomes.get('efficient preset')?.at(-1)?.generations ?? 1;
    await fromBaseline('greedy (exp. 2)', () => greedyBaseline(ctx));
    await fromBaseline('caption', () => captionBaseline(ctx));
    await fromBaseline('random search', () => randomSearchBaseline(ctx, { budget: efficientBudget, seedsPerPrompt: 1, seed: target.seed }));
    await fromBaseline('exhaustive', () => exhaustiveBaseline(ctx, { maxPrompts: 100_000 }));
    const get = (m: Method) => outcomes.get(m)?.at(-1);
    log(
      `[${index + 1}/${targets.length}] "${target.prompt}": space [${promptSpace.words.join(', ')}] · paper "${get('paper preset')?.prompt}" ${get('paper preset')?.similarity.toFixed(3)} · efficient "${get('efficient preset')?.prompt}" ${get('efficient preset')?.similarity.toFixed(3)} (${get('efficient preset')?.generations} images) · optimum "${get('exhaustive')?.prompt}" ${get('exhaustive')?.similarity.toFixed(3)}`,
    );
  }
  return summarise(outcomes, targets.length);
}

function summarise(outcomes: Map<Method, MethodOutcome[]>, targetCount: number): string {
  const exhaustive = outcomes.get('exhaustive') ?? [];
  const paper = outcomes.get('paper preset') ?? [];
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
  const paperSimilarity = avg(paper.map((o) => o.similarity));
  const paperGenerations = avg(paper.map((o) => o.generations));
  const paperMs = paper.reduce((s, o) => s + o.ms, 0);
  const rows = METHODS.map((method) => {
    const list = outcomes.get(method) ?? [];
    const fractions = list.map((o, i) => o.similarity / (exhaustive[i]?.similarity ?? Number.NaN));
    const similarity = avg(list.map((o) => o.similarity));
    const generations = avg(list.map((o) => o.generations));
    const ms = list.reduce((s, o) => s + o.ms, 0);
    return [
      method,
      similarity.toFixed(4),
      `${(avg(fractions) * 100).toFixed(1)}%`,
      `${fractions.filter((f) => f >= 0.99).length}/${list.length}`,
      generations.toFixed(1),
      `${(ms / 1000).toFixed(1)}s`,
      `${(similarity / paperSimilarity).toFixed(3)}×`,
      paperGenerations > 0 ? `${(generations / paperGenerations).toFixed(3)}×` : '—',
      `${(ms / paperMs).toFixed(3)}×`,
    ];
  });
  const table = formatTable(
    ['method', 'mean sim', 'of optimum', '≥99% opt', 'images', 'wall', 'sim/paper', 'images/paper', 'time/paper'],
    rows,
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  );
  const efficient = outcomes.get('efficient preset') ?? [];
  const efficientHits = efficient.filter((o, i) => o.similarity >= 0.99 * (exhaustive[i]?.similarity ?? Number.POSITIVE_INFINITY)).length;
  const exhaustiveGenerations = avg(exhaustive.map((o) => o.generations));
  const efficientGenerations = avg(efficient.map((o) => o.generations));
  const goals = [
    `efficient ≥99% of optimum on ≥90% of targets: ${efficientHits}/${targetCount} (${((efficientHits / targetCount) * 100).toFixed(0)}%) ${efficientHits >= 0.9 * targetCount ? 'PASS' : 'FAIL'}`,
    `efficient images ≤25% of exhaustive: ${((efficientGenerations / exhaustiveGenerations) * 100).toFixed(1)}% ${efficientGenerations <= 0.25 * exhaustiveGenerations ? 'PASS' : 'FAIL'}`,
    `efficient ≥10× fewer images than paper: ${(paperGenerations / efficientGenerations).toFixed(1)}× ${paperGenerations >= 10 * efficientGenerations ? 'PASS' : 'FAIL'}`,
    `efficient similarity ≥ paper: ${avg(efficient.map((o) => o.similarity)).toFixed(4)} vs ${paperSimilarity.toFixed(4)} ${avg(efficient.map((o) => o.similarity)) >= paperSimilarity ? 'PASS' : 'FAIL'}`,
  ];
  return `Engine benchmark — ${targetCount} targets, P=${BENCH_SETTINGS.words}, T=${BENCH_SETTINGS.promptLength}, C=${BENCH_SETTINGS.captions}, K=${BENCH_SETTINGS.evaluationImages} evaluation images, ${BENCH_SETTINGS.imageSize}px, offline shapes world\n\n${table}\n\n${goals.join('\n')}`;
}
