/**
 * `imageprompt optimize <image>`: validate, learn a prompt, compare it with the
 * baselines, print the tables and write the report — or fail with one line.
 */
import { loadTargetImage } from '../../engine/images/index.js';
import { writeReportFiles } from '../../engine/reports/index.js';
import { type OptimizeResult, type PipelineEvent, optimize } from '../../engine/optimize.js';
import { initTensorflow } from '../../engine/policy/backend.js';
import { formatPromptSpace } from '../../engine/promptSpace/promptSpace.js';
import { DiskGenerationCache, LayeredGenerationCache } from '../../engine/training/generationCache.js';
import { ProgressBar } from '../progressBar.js';
import { type OptimizeArgs, parseOptimizeArgs } from './args.js';
import { SampleCollector, buildResultJson, buildRunReport } from './result.js';
import { loadRuntimeConfig } from '../../config/runtime.js';
import { createProviderStack } from '../../engine/providers/stack.js';
import { formatComparisonTable } from './table.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export async function runOptimize(argv: string[], io: CliIo): Promise<number> {
  const args = parseOptimizeArgs(argv);
  const runtime = loadRuntimeConfig(io.env);
  const target = await loadTargetImage(args.image);
  const stack = createProviderStack({
    generator: args.generator,
    model: args.model,
    captioner: args.captioner,
    clipModel: args.clipModel,
    modelsDir: runtime.modelsDir,
    offline: runtime.offline,
    env: io.env,
  });
  const backend = await initTensorflow();
  // Human-readable output goes to stderr when --json owns stdout.
  const out = args.json ? io.stderr : io.stdout;
  const say = (line = '') => out.write(`${line}\n`);

  say(`Target: ${args.image} (${target.originalWidth}×${target.originalHeight}${target.downscaled ? `, downscaled to ${target.width}×${target.height}` : ''})`);
  say(`Providers: ${stack.description}`);
  say(`Preset: ${args.preset} · C=${args.hyperparameters.captions} P=${args.hyperparameters.words} T=${args.hyperparameters.promptLength} · ${args.hyperparameters.iterations}×${args.hyperparameters.episodesPerIteration} · seed ${args.seed} · tfjs ${backend}`);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = new ProgressBar(io.stderr, 1, 'training');
  const startedAt = new Date();
  const samples = new SampleCollector(args.hyperparameters.promptLength);
  let result: OptimizeResult;
  try {
    result = await optimize({
      target: target.bytes,
      stack,
      preset: args.preset,
      hyperparameters: args.hyperparameters,
      seed: args.seed,
      cache: args.hyperparameters.useCache ? new LayeredGenerationCache(new DiskGenerationCache(args.cacheDir ?? runtime.cacheDir)) : undefined,
      baselines: args.baselines,
      exhaustiveLimit: args.exhaustiveLimit,
      onEvent: (event) => {
        samples.observe(event);
        trackProgress(event, args, progress, say);
      },
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.training.reason === 'cancelled') {
    progress.finish('cancelled');
    io.stderr.write('imageprompt: cancelled; nothing was written.\n');
    return 130;
  }
  progress.finish();

  say();
  say(`Learned prompt: "${result.learned.prompt}"  (${result.training.reason}, ${result.training.iterations} iterations, ${result.training.generationsUsed} images)`);
  say();
  say(formatComparisonTable(result));
  if (result.training.reason === 'budget') say('\nNote: training stopped at its budget (--max-images / --max-cost); the prompt is the best found by then.');

  const report = buildRunReport(args, stack, target, result, samples.samples);
  const resultJson = buildResultJson(args, stack, target, result, { startedAt, backend });
  const { files } = await writeReportFiles(args.outDir, report, resultJson);
  say();
  say(`Wrote ${files.join(', ')}`);
  if (args.json) io.stdout.write(`${JSON.stringify(resultJson, null, 2)}\n`);
  return 0;
}

const PHASE_LINES = {
  captioning: (h: OptimizeArgs['hyperparameters']) => `Captioning the target (${h.captions} captions)…`,
  'prompt-space': (h: OptimizeArgs['hyperparameters']) => `Scoring caption words against the target, keeping the top ${h.words}…`,
} as const;

/** Keeps the progress bar in step with the pipeline; prints the prompt space when it is known. */
function trackProgress(event: PipelineEvent, args: OptimizeArgs, progress: ProgressBar, say: (line?: string) => void): void {
  const h = args.hyperparameters;
  switch (event.type) {
    case 'phase':
      if (event.phase === 'training') progress.reset(h.iterations * h.episodesPerIteration, 'training');
      else if (event.phase === 'baselines') progress.reset(args.baselines.length, 'baselines');
      else if (event.phase === 'evaluating') progress.finish();
      else say(PHASE_LINES[event.phase](h));
      break;
    case 'prompt-space':
      say(formatPromptSpace(event.promptSpace));
      break;
    case 'episode-finished':
      progress.update(event.iteration * h.episodesPerIteration + event.episode + 1, `iteration ${event.iteration + 1}/${h.iterations}`);
      break;
    case 'iteration-finished': {
      const reward = event.greedyReward === null ? '' : ` ${event.greedyReward.toFixed(3)}`;
      progress.update((event.iteration + 1) * h.episodesPerIteration, `it ${event.iteration + 1}/${h.iterations} · greedy "${event.greedyPrompt}"${reward} · ${event.generationsUsed} images`);
      break;
    }
    case 'baseline-finished':
      progress.update(args.baselines.indexOf(event.result.method) + 1, event.result.method);
      break;
    default:
      break;
  }
}
