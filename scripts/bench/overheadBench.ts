/**
 * Engine overhead benchmark (issue 4): with a generator that takes 2 s per
 * image, an iteration should last about (episodes × steps ÷ concurrency) ×
 * latency, and the engine's own work (policy forward and update, embedding,
 * bookkeeping) should be under 5% of it.
 */
import { initTensorflow } from '../../src/engine/policy/backend.js';
import { createShapesStack } from '../../src/engine/providers/shapes/index.js';
import type { GeneratedImage, GenerationRequest, ImageGenerator } from '../../src/engine/providers/types.js';
import { resolveHyperparameters } from '../../src/engine/training/hyperparameters.js';
import { ImageScorer } from '../../src/engine/training/imageScorer.js';
import { ReinforceTrainer } from '../../src/engine/training/reinforceTrainer.js';
import { formatTable } from '../../src/cli/optimize/table.js';

/** A remote model's latency around the shapes renderer. */
class SimulatedLatencyGenerator implements ImageGenerator {
  readonly id = 'simulated';
  readonly modelId = 'shapes-with-latency';
  readonly takesSeed = true;
  constructor(
    private readonly inner: ImageGenerator,
    private readonly latencyMs: number,
  ) {}
  pricePerImage(): number {
    return 0;
  }
  async generate(request: GenerationRequest): Promise<GeneratedImage> {
    const [image] = await Promise.all([this.inner.generate(request), new Promise((r) => setTimeout(r, this.latencyMs))]);
    return image;
  }
}

interface IterationTiming {
  wallMs: number;
}

async function timeIterations(latencyMs: number, settings: { episodes: number; steps: number; concurrency: number; iterations: number }) {
  const stack = createShapesStack();
  const target = await stack.generator.generate({ prompt: 'red sphere', seed: 3_100_000_000, width: 128, height: 128 });
  const [targetEmbedding] = (await stack.embedder.embedImages([target.bytes])) as [Float32Array];
  const h = resolveHyperparameters('paper', {
    words: 8,
    promptLength: settings.steps,
    iterations: settings.iterations,
    episodesPerIteration: settings.episodes,
    concurrency: settings.concurrency,
    imageSize: 128,
  });
  const generator = latencyMs > 0 ? new SimulatedLatencyGenerator(stack.generator, latencyMs) : stack.generator;
  const scorer = new ImageScorer({ generator, embedder: stack.embedder, targetEmbedding, size: h.imageSize, concurrency: h.concurrency });
  const words = ['red', 'sphere', 'ball', 'orb', 'egg', 'white', 'background', 'shiny'];
  const timings: IterationTiming[] = [];
  let started = 0;
  await new ReinforceTrainer({
    promptSpace: { words, probabilities: words.map(() => 1 / words.length) },
    targetEmbedding,
    scorer,
    embedder: stack.embedder,
    hyperparameters: h,
    preset: 'paper',
    seed: 1,
    onEvent: (event) => {
      if (event.type === 'iteration-started') started = performance.now();
      if (event.type === 'iteration-finished') timings.push({ wallMs: performance.now() - started });
    },
  }).run();
  return timings;
}

export async function runOverheadBench(log: (line: string) => void): Promise<string> {
  await initTensorflow();
  const latencyMs = 2000;
  const settings = { episodes: 20, steps: 2, concurrency: 4, iterations: 2 };
  const ideal = Math.ceil((settings.episodes * settings.steps) / settings.concurrency) * latencyMs;
  log(`overhead: ${settings.iterations} iterations with a simulated ${latencyMs / 1000} s generator…`);
  const slow = await timeIterations(latencyMs, settings);
  log('overhead: the same iterations with an instant generator (the engine alone)…');
  const instant = await timeIterations(0, { ...settings, iterations: 3 });
  const slowMean = slow.reduce((s, t) => s + t.wallMs, 0) / slow.length;
  // The instant run's iteration time is the engine's own work plus local rendering: an upper bound on overhead.
  const engineMean = instant.slice(1).reduce((s, t) => s + t.wallMs, 0) / Math.max(instant.length - 1, 1);
  const rows = [
    ['iteration with 2 s generator', `${(slowMean / 1000).toFixed(2)} s`, `${(slowMean / ideal).toFixed(3)}× ideal`],
    ['ideal (E×T÷concurrency)×latency', `${(ideal / 1000).toFixed(2)} s`, '1.000×'],
    ['engine alone (instant generator)', `${(engineMean / 1000).toFixed(3)} s`, `${((engineMean / slowMean) * 100).toFixed(2)}% of iteration`],
    ['measured − ideal', `${((slowMean - ideal) / 1000).toFixed(3)} s`, `${(((slowMean - ideal) / slowMean) * 100).toFixed(2)}% of iteration`],
  ];
  const verdict = engineMean / slowMean < 0.05 ? 'PASS' : 'FAIL';
  return `Engine overhead — ${settings.episodes} episodes × ${settings.steps} steps, concurrency ${settings.concurrency}, simulated ${latencyMs / 1000} s latency, paper preset (no cache)\n\n${formatTable(['measure', 'time', 'ratio'], rows, new Set([1, 2]))}\n\nengine overhead < 5% of an iteration: ${((engineMean / slowMean) * 100).toFixed(2)}% ${verdict}`;
}
