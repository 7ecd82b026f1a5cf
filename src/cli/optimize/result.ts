/** What a finished `optimize` writes: the report's data and `result.json`. */
import type { TargetImage } from '../../engine/images/index.js';
import type { OptimizeResult, PipelineEvent } from '../../engine/optimize.js';
import type { TensorflowBackend } from '../../engine/policy/backend.js';
import type { ProviderStack } from '../../engine/providers/types.js';
import type { ReportSample, RunReport } from '../../engine/reports/index.js';
import type { OptimizeArgs } from './args.js';
import { comparisonRows } from './table.js';

/** Keeps, for each distinct full prompt, its best-scoring image: the pictures worth a grid. */
export class SampleCollector {
  private readonly best = new Map<string, ReportSample>();

  constructor(private readonly promptLength: number) {}

  observe(event: PipelineEvent): void {
    if (event.type !== 'image-generated' || event.step !== this.promptLength - 1) return;
    const current = this.best.get(event.prompt);
    if (!current || event.similarity > current.similarity) {
      this.best.set(event.prompt, { bytes: event.image, prompt: event.prompt, reward: event.similarity, similarity: event.similarity, iteration: event.iteration });
    }
  }

  get samples(): ReportSample[] {
    return [...this.best.values()];
  }
}

export function buildRunReport(args: OptimizeArgs, stack: ProviderStack, target: TargetImage, result: OptimizeResult, samples: ReportSample[]): RunReport {
  const learnedImages: ReportSample[] = result.learned.images.map((image) => ({
    bytes: image.image.bytes,
    prompt: image.prompt,
    reward: image.similarity,
    similarity: image.similarity,
    // Evaluation images belong to the last iteration (iterations are 0-based in events and reports).
    iteration: Math.max(result.training.iterations - 1, 0),
  }));
  return {
    targetImage: target.bytes,
    provider: stack.description,
    preset: args.preset,
    hyperparameters: args.hyperparameters,
    promptSpace: { words: result.promptSpace.words, probabilities: result.promptSpace.probabilities },
    iterations: result.training.history,
    samples: [...samples, ...learnedImages],
    learnedPrompt: result.learned.prompt,
    comparison: comparisonRows(result),
    finishedAt: new Date().toISOString(),
    finishReason: result.training.reason,
  };
}

/** `result.json`: everything needed to compare runs later, no image bytes. */
export function buildResultJson(
  args: OptimizeArgs,
  stack: ProviderStack,
  target: TargetImage,
  result: OptimizeResult,
  context: { startedAt: Date; backend: TensorflowBackend },
) {
  return {
    version: 1,
    target: { path: args.image, sha256: target.sha256, width: target.width, height: target.height, downscaled: target.downscaled },
    providers: { description: stack.description, offline: stack.offline, generator: stack.generator.id, model: stack.generator.modelId, embedder: stack.embedder.id, captioner: stack.captioner.id },
    preset: args.preset,
    seed: args.seed,
    hyperparameters: args.hyperparameters,
    promptSpace: result.promptSpace,
    learned: { prompt: result.learned.prompt, mean: result.learned.mean, sd: result.learned.sd, similarities: result.learned.similarities },
    training: {
      reason: result.training.reason,
      iterations: result.training.iterations,
      generationsUsed: result.training.generationsUsed,
      generatorCalls: result.training.generatorCalls,
      costUsd: result.training.costUsd,
      history: result.training.history,
    },
    comparison: comparisonRows(result),
    evaluationSeeds: result.evaluationSeeds,
    totalCostUsd: result.totalCostUsd,
    tensorflowBackend: context.backend,
    startedAt: context.startedAt.toISOString(),
    durationMs: Date.now() - context.startedAt.getTime(),
  };
}

export type ResultJson = ReturnType<typeof buildResultJson>;
