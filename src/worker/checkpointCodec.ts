/**
 * The one mapping between the engine's `TrainerCheckpoint` and the `runs.checkpoint`
 * column (`RunCheckpoint`):
 *
 *   completedIterations        → iteration
 *   policy.{shape,learningRate,weights} → policyWeights
 *   policy.optimizer (Adam moments)     → optimizerState
 *   rng                        → rngState
 *   the rest (seeds, best prompt, patience, history, usage) → trainerState
 *
 * Reading validates the stored value, so a checkpoint written by another
 * version fails with a clear message instead of a confusing engine error.
 * JSON has no NaN: a NaN statistic is stored as null and read back as NaN.
 */
import { z } from 'zod';
import type { JsonValue, RunCheckpoint } from '../db/schema.js';
import type { TrainerCheckpoint } from '../engine/training/checkpoint.js';

/** The engine's checkpoint is plain data (numbers, strings, arrays, objects); interfaces just cannot say so. */
function asJson(value: unknown): JsonValue {
  return value as JsonValue;
}

export function toRunCheckpoint(checkpoint: TrainerCheckpoint): RunCheckpoint {
  const { policy, rng, completedIterations, ...trainer } = checkpoint;
  return {
    iteration: completedIterations,
    policyWeights: asJson({ shape: policy.shape, learningRate: policy.learningRate, tensors: policy.weights }),
    optimizerState: asJson({ tensors: policy.optimizer }),
    rngState: asJson(rng),
    trainerState: asJson(trainer),
  };
}

const number = z.number();
/** A statistic that may have been NaN when written. */
const statistic = z
  .number()
  .nullable()
  .transform((value) => value ?? Number.NaN);

const encodedTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
  data: z.string(),
});

const policyWeights = z.object({
  shape: z.object({ inputSize: z.number().int().positive(), hiddenUnits: z.number().int().positive(), actions: z.number().int().positive() }),
  learningRate: number,
  tensors: z.array(encodedTensor),
});

const optimizerState = z.object({ tensors: z.array(encodedTensor) });

const rngState = z.tuple([number, number, number, number]);

const bestPrompt = z.object({ prompt: z.string(), words: z.array(z.string()), reward: statistic, iteration: z.number().int() });

const iterationStats = z.object({
  iteration: z.number().int(),
  meanReturn: statistic,
  meanFinalReward: statistic,
  greedyPrompt: z.string(),
  greedyReward: number.nullable(),
  loss: statistic,
  entropy: statistic,
  generationsUsed: number,
  costUsd: number,
});

const trainerState = z.object({
  version: z.literal(1),
  trainingSeeds: z.array(number),
  best: bestPrompt.nullable(),
  // Absent from checkpoints written before finalist selection existed.
  contenders: z.array(bestPrompt).default([]),
  selectionSeeds: z.array(number).default([]),
  iterationsWithoutImprovement: z.number().int().nonnegative(),
  history: z.array(iterationStats),
  usage: z.object({ generatorCalls: number, costUsd: number, seenKeys: z.array(z.string()) }),
});

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, part: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new CheckpointFormatError(`The stored checkpoint cannot be resumed: its ${part} is not in the expected format${where} (${issue?.message ?? 'unknown problem'}).`);
  }
  return result.data;
}

export function fromRunCheckpoint(stored: RunCheckpoint): TrainerCheckpoint {
  const weights = parse(policyWeights, stored.policyWeights, 'policy weights');
  const optimizer = parse(optimizerState, stored.optimizerState, 'optimizer state');
  const rng = parse(rngState, stored.rngState, 'random-number state');
  const trainer = parse(trainerState, stored.trainerState, 'trainer state');
  if (!Number.isInteger(stored.iteration) || stored.iteration < 0) {
    throw new CheckpointFormatError(`The stored checkpoint cannot be resumed: iteration ${stored.iteration} is not a count.`);
  }
  return {
    ...trainer,
    completedIterations: stored.iteration,
    policy: { shape: weights.shape, learningRate: weights.learningRate, weights: weights.tensors, optimizer: optimizer.tensors },
    rng,
  };
}
