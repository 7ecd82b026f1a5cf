/**
 * `imageprompt optimize <image> [flags]`: every hyperparameter has a flag.
 * Flags are parsed strictly (an unknown flag is an error) and validated
 * before anything runs, so a typo never costs a training run.
 */
import { parseArgs } from 'node:util';
import { BASELINE_NAMES, type BaselineName } from '../../engine/baselines/baselines.js';
import {
  type Hyperparameters,
  HyperparameterError,
  PRESET_NAMES,
  type PresetName,
  resolveHyperparameters,
} from '../../engine/training/hyperparameters.js';
import { CAPTIONER_CHOICES, type CaptionerChoice, GENERATOR_CHOICES, type GeneratorChoice } from '../../engine/providers/stack.js';
import { UsageError } from '../errors.js';
import { parseNumberFlag } from '../flags.js';

export interface OptimizeArgs {
  image: string;
  preset: PresetName;
  hyperparameters: Hyperparameters;
  generator: GeneratorChoice;
  model: string | undefined;
  captioner: CaptionerChoice;
  clipModel: string | undefined;
  baselines: BaselineName[];
  outDir: string;
  json: boolean;
  seed: number;
  cacheDir: string | undefined;
  exhaustiveLimit: number;
}

/** Flag → hyperparameter, with the kind of value it takes. One table, used for parsing and for --help. */
const NUMBER_FLAGS = {
  captions: { key: 'captions', integer: true, help: 'C: captions sampled for the prompt space' },
  words: { key: 'words', integer: true, help: 'P: words in the prompt space' },
  length: { key: 'promptLength', integer: true, help: 'T: words per prompt' },
  iterations: { key: 'iterations', integer: true, help: 'training iterations (at most)' },
  episodes: { key: 'episodesPerIteration', integer: true, help: 'episodes per iteration' },
  lr: { key: 'learningRate', integer: false, help: 'Adam learning rate' },
  gamma: { key: 'gamma', integer: false, help: 'return discount (1 = summed, the paper)' },
  entropy: { key: 'entropyBonus', integer: false, help: 'entropy bonus weight' },
  concurrency: { key: 'concurrency', integer: true, help: 'generation calls in flight' },
  hidden: { key: 'hiddenUnits', integer: true, help: 'policy hidden units' },
  'eval-images': { key: 'evaluationImages', integer: true, help: 'K: images per prompt in evaluation' },
  size: { key: 'imageSize', integer: true, help: 'generated image size in pixels (square)' },
  'vote-weight': { key: 'humanFeedbackWeight', integer: false, help: 'λ: weight of human votes in the reward' },
} as const satisfies Record<string, { key: keyof Hyperparameters; integer: boolean; help: string }>;

const CHOICE_FLAGS = {
  'reward-at': { key: 'rewardAt', choices: ['every-step', 'final-step'], help: 'which steps generate and earn a reward' },
  state: { key: 'state', choices: ['latest-image', 'prompt-text'], help: 'policy state: last image or prompt text embedding' },
  baseline: { key: 'baseline', choices: ['none', 'leave-one-out', 'z-score'], help: 'return centring' },
  'final-prompt': { key: 'finalPrompt', choices: ['greedy', 'best-seen'], help: 'greedy decoding or best scored prompt' },
} as const;

/** Flags that take a number or a word meaning "none". */
const OPTIONAL_NUMBER_FLAGS = {
  'training-seeds': { key: 'trainingSeeds', off: 'fresh', help: 'fixed seeds per run, or "fresh" for a new seed per image' },
  patience: { key: 'earlyStopPatience', off: 'off', help: 'early-stop patience in iterations, or "off"' },
  'max-images': { key: 'maxImages', off: 'none', help: 'stop after this many generated images' },
  'max-cost': { key: 'maxCostUsd', off: 'none', help: 'stop after spending this many US dollars' },
} as const;

const BOOLEAN_FLAGS = {
  cache: { key: 'useCache', help: 'use the generation cache (--no-cache to disable)' },
  prior: { key: 'promptSpacePrior', help: 'start the policy at the prompt-space probabilities' },
} as const;

export function optimizeUsage(): string {
  const lines = [
    'Usage: imageprompt optimize <image> [flags]',
    '',
    `  --preset NAME           ${PRESET_NAMES.join(' | ')} (default efficient)`,
    `  --generator NAME        ${GENERATOR_CHOICES.join(' | ')} (default shapes: the offline shapes world)`,
    '  --model ID              generator model (provider default otherwise)',
    `  --captioner NAME        ${CAPTIONER_CHOICES.join(' | ')} for real generators (default auto)`,
    '  --clip-model ID         local CLIP model for real generators (default Xenova/clip-vit-base-patch32)',
    `  --baselines LIST        comma list of ${BASELINE_NAMES.join(',')} or "none" (default: all for shapes, caption,greedy otherwise)`,
    '  --out DIR               where report.html, report.png and result.json go (default out/<image name>)',
    '  --json                  print result.json to stdout instead of tables',
    '  --seed N                seed for captions, policy and sampling (default 1)',
    '  --cache-dir DIR         generation cache (default IMAGEPROMPT_CACHE_DIR or .imageprompt/cache)',
    '  --exhaustive-limit N    skip exhaustive search above N ordered prompts (default 5000)',
  ];
  for (const [flag, f] of Object.entries(NUMBER_FLAGS)) lines.push(`  --${flag.padEnd(22)}${f.help}`);
  for (const [flag, f] of Object.entries(CHOICE_FLAGS)) lines.push(`  --${`${flag} ${f.choices.join('|')}`.padEnd(22)}${f.help}`);
  for (const [flag, f] of Object.entries(OPTIONAL_NUMBER_FLAGS)) lines.push(`  --${`${flag} N|${f.off}`.padEnd(22)}${f.help}`);
  for (const [flag, f] of Object.entries(BOOLEAN_FLAGS)) lines.push(`  --[no-]${flag.padEnd(17)}${f.help}`);
  return lines.join('\n');
}

/** Range checks happen later, in `validateHyperparameters`, whose messages name the hyperparameter. */
function parseNumber(flag: string, raw: string, integer: boolean): number {
  return parseNumberFlag(flag, raw, { integer }) as number;
}

function isOneOf<T extends string>(value: string, choices: readonly T[]): value is T {
  return (choices as readonly string[]).includes(value);
}

export function parseOptimizeArgs(argv: string[]): OptimizeArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    preset: { type: 'string' },
    generator: { type: 'string' },
    model: { type: 'string' },
    captioner: { type: 'string' },
    'clip-model': { type: 'string' },
    baselines: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    seed: { type: 'string' },
    'cache-dir': { type: 'string' },
    'exhaustive-limit': { type: 'string' },
  };
  for (const flag of [...Object.keys(NUMBER_FLAGS), ...Object.keys(CHOICE_FLAGS), ...Object.keys(OPTIONAL_NUMBER_FLAGS)]) {
    options[flag] = { type: 'string' };
  }
  for (const flag of Object.keys(BOOLEAN_FLAGS)) {
    options[flag] = { type: 'boolean' };
    options[`no-${flag}`] = { type: 'boolean' };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages are good but span lines; keep them whole, on one line, and point at --help.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').replace(/\.?$/, '.');
    throw new UsageError(`${message} Run "imageprompt optimize --help" for the flags.`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);

  const image = parsed.positionals[0];
  if (!image) throw new UsageError('Which image? Usage: imageprompt optimize <image> [flags]');
  if (parsed.positionals.length > 1) throw new UsageError(`One image at a time (got ${parsed.positionals.length}: ${parsed.positionals.join(', ')}).`);

  const preset = text('preset') ?? 'efficient';
  if (!isOneOf(preset, PRESET_NAMES)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')} (got "${preset}").`);
  const generator = text('generator') ?? 'shapes';
  if (!isOneOf(generator, GENERATOR_CHOICES)) throw new UsageError(`--generator must be one of ${GENERATOR_CHOICES.join(', ')} (got "${generator}").`);
  const captioner = text('captioner') ?? 'auto';
  if (!isOneOf(captioner, CAPTIONER_CHOICES)) throw new UsageError(`--captioner must be one of ${CAPTIONER_CHOICES.join(', ')} (got "${captioner}").`);

  const overrides: Partial<Record<keyof Hyperparameters, unknown>> = {};
  for (const [flag, f] of Object.entries(NUMBER_FLAGS)) {
    const raw = text(flag);
    if (raw !== undefined) overrides[f.key] = parseNumber(flag, raw, f.integer);
  }
  for (const [flag, f] of Object.entries(CHOICE_FLAGS)) {
    const raw = text(flag);
    if (raw === undefined) continue;
    if (!isOneOf(raw, f.choices)) throw new UsageError(`--${flag} must be one of ${f.choices.join(', ')} (got "${raw}").`);
    overrides[f.key] = raw;
  }
  for (const [flag, f] of Object.entries(OPTIONAL_NUMBER_FLAGS)) {
    const raw = text(flag);
    if (raw === undefined) continue;
    overrides[f.key] = raw === f.off ? null : parseNumber(flag, raw, flag !== 'max-cost');
  }
  for (const [flag, f] of Object.entries(BOOLEAN_FLAGS)) {
    if (values[flag] && values[`no-${flag}`]) throw new UsageError(`--${flag} and --no-${flag} contradict each other.`);
    if (values[flag]) overrides[f.key] = true;
    if (values[`no-${flag}`]) overrides[f.key] = false;
  }

  let hyperparameters: Hyperparameters;
  try {
    hyperparameters = resolveHyperparameters(preset, overrides as Partial<Hyperparameters>);
  } catch (error) {
    if (error instanceof HyperparameterError) throw new UsageError(error.message);
    throw error;
  }

  const baselinesRaw = text('baselines') ?? (generator === 'shapes' ? BASELINE_NAMES.join(',') : 'caption,greedy');
  const baselines: BaselineName[] = [];
  if (baselinesRaw !== 'none') {
    for (const name of baselinesRaw.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!isOneOf(name, BASELINE_NAMES)) throw new UsageError(`--baselines: unknown baseline "${name}"; choose from ${BASELINE_NAMES.join(', ')} or "none".`);
      if (!baselines.includes(name)) baselines.push(name);
    }
  }

  const seedRaw = text('seed');
  const seed = seedRaw === undefined ? 1 : parseNumber('seed', seedRaw, true);
  if (seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be from 0 to 4294967295 (got ${seed}).`);
  const limitRaw = text('exhaustive-limit');
  const exhaustiveLimit = limitRaw === undefined ? 5000 : parseNumber('exhaustive-limit', limitRaw, true);

  const imageName = image.split(/[\\/]/).pop()?.replace(/\.[^.]+$/, '') || 'image';
  return {
    image,
    preset,
    hyperparameters,
    generator,
    model: text('model'),
    captioner,
    clipModel: text('clip-model'),
    baselines,
    outDir: text('out') ?? `out/${imageName}`,
    json: values.json === true,
    seed,
    cacheDir: text('cache-dir'),
    exhaustiveLimit,
  };
}
