/** The mapping between the engine's checkpoint and the runs.checkpoint column. */
import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../../src/db/schema.js';
import type { TrainerCheckpoint } from '../../src/engine/training/checkpoint.js';
import { CheckpointFormatError, fromRunCheckpoint, toRunCheckpoint } from '../../src/worker/checkpointCodec.js';

const tensor = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' as const, data: Buffer.from(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.25).buffer).toString('base64') });

const checkpoint: TrainerCheckpoint = {
  version: 1,
  completedIterations: 4,
  policy: {
    shape: { inputSize: 3, hiddenUnits: 2, actions: 2 },
    learningRate: 0.01,
    weights: [tensor('w1', [3, 2]), tensor('b1', [2]), tensor('w2', [2, 2]), tensor('b2', [2])],
    optimizer: [{ name: 'iter', shape: [], dtype: 'int32', data: Buffer.from(new Int32Array([4]).buffer).toString('base64') }, tensor('w1/m', [3, 2])],
  },
  rng: [1, 2, 3, 4],
  trainingSeeds: [17],
  best: { prompt: 'red ball', words: ['red', 'ball'], reward: 0.81, iteration: 3 },
  contenders: [{ prompt: 'red ball', words: ['red', 'ball'], reward: 0.81, iteration: 3 }],
  selectionSeeds: [5, 6],
  iterationsWithoutImprovement: 1,
  history: [{ iteration: 0, meanReturn: Number.NaN, meanFinalReward: 0.5, greedyPrompt: 'ball red', greedyReward: null, loss: 0.1, entropy: 0.6, generationsUsed: 8, costUsd: 0 }],
  usage: { generatorCalls: 12, costUsd: 0, seenKeys: ['a', 'b'] },
};

/** What a jsonb column gives back: JSON, where NaN became null. */
const throughJsonb = (stored: RunCheckpoint) => JSON.parse(JSON.stringify(stored)) as RunCheckpoint;

describe('checkpoint codec', () => {
  it('round-trips the engine checkpoint through the column (NaN statistics included)', () => {
    const stored = throughJsonb(toRunCheckpoint(checkpoint));
    expect(stored.iteration).toBe(4);
    expect(stored.rngState).toEqual([1, 2, 3, 4]);
    expect(fromRunCheckpoint(stored)).toEqual(checkpoint);
  });

  it('reads a checkpoint written before finalist selection existed', () => {
    const stored = throughJsonb(toRunCheckpoint(checkpoint));
    const { contenders: _c, selectionSeeds: _s, ...older } = stored.trainerState as Record<string, unknown>;
    const restored = fromRunCheckpoint({ ...stored, trainerState: older as RunCheckpoint['trainerState'] });
    expect(restored.contenders).toEqual([]);
    expect(restored.selectionSeeds).toEqual([]);
  });

  it('refuses a malformed checkpoint with a message saying which part is wrong', () => {
    const stored = throughJsonb(toRunCheckpoint(checkpoint));
    expect(() => fromRunCheckpoint({ ...stored, rngState: [1, 2] })).toThrow(CheckpointFormatError);
    expect(() => fromRunCheckpoint({ ...stored, policyWeights: { tensors: 'nope' } })).toThrow(/policy weights is not in the expected format/);
  });
});
