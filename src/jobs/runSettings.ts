/**
 * What a run needs besides its hyperparameters — the seed, the baselines to
 * compare with, the generator — kept in the run's `hyperparameters` jsonb
 * under one key (`runSettings`), because the `runs` table has no column for
 * them. The seed must be stored: a run resumed on another worker repeats the
 * uninterrupted run only with the same seed.
 */
import { z } from 'zod';
import type { BaselineName } from '../engine/baselines/baselines.js';
import type { GeneratorChoice } from '../engine/providers/stack.js';
import type { Hyperparameters } from '../engine/training/hyperparameters.js';

// Listed here rather than imported: the engine modules that export them load
// TensorFlow.js and transformers.js, and the bot enqueues runs without either.
const BASELINES = ['caption', 'greedy', 'random', 'exhaustive'] as const satisfies readonly BaselineName[];
const GENERATORS = ['shapes', 'replicate', 'openai'] as const satisfies readonly GeneratorChoice[];

export interface RunSettings {
  /** Seeds captions, policy, sampling and training images: the same seed repeats the run. */
  seed: number;
  /** Baselines evaluated after training and recorded with the run. */
  baselines: BaselineName[];
  /** Image generator (`shapes`: the offline world). */
  generator: GeneratorChoice;
  /** Generator model; the provider's default when absent. */
  model?: string;
}

/** The `hyperparameters` column as runs store it. */
export type StoredRunHyperparameters = Hyperparameters & { runSettings?: Partial<RunSettings> };

const SETTINGS_KEY = 'runSettings';

const storedSettings = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    baselines: z.array(z.enum(BASELINES)).optional(),
    generator: z.enum(GENERATORS).optional(),
    model: z.string().min(1).optional(),
  })
  .optional();

export class RunSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSettingsError';
  }
}

/** The value to store in `runs.hyperparameters` for a run with these settings. */
export function withRunSettings(hyperparameters: Hyperparameters, settings: Partial<RunSettings>): StoredRunHyperparameters {
  const parsed = storedSettings.safeParse(settings);
  if (!parsed.success) throw new RunSettingsError(`Invalid run settings: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.`);
  return { ...engineHyperparameters(hyperparameters), [SETTINGS_KEY]: settings };
}

/**
 * The run's settings, with defaults: seed = the run's id (stable across
 * resumes), no baselines, the shapes generator.
 */
export function readRunSettings(run: { id: number; hyperparameters: Hyperparameters }): RunSettings {
  const stored = (run.hyperparameters as StoredRunHyperparameters)[SETTINGS_KEY];
  const parsed = storedSettings.safeParse(stored);
  if (!parsed.success) throw new RunSettingsError(`Run ${run.id} has invalid settings: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.`);
  const settings = parsed.data ?? {};
  return {
    seed: settings.seed ?? run.id,
    baselines: settings.baselines ?? [],
    generator: settings.generator ?? 'shapes',
    ...(settings.model !== undefined ? { model: settings.model } : {}),
  };
}

/** The hyperparameters without the stored settings, as the engine takes them. */
export function engineHyperparameters(stored: Hyperparameters): Hyperparameters {
  const { [SETTINGS_KEY]: _settings, ...hyperparameters } = stored as StoredRunHyperparameters;
  return hyperparameters;
}
