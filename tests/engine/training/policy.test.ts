import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/math/random.js';
import { initTensorflow } from '../../../src/engine/policy/backend.js';
import { PolicyNetwork } from '../../../src/engine/policy/policyNetwork.js';

const shape = { inputSize: 512, hiddenUnits: 128, actions: 4 };

function state(seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: 512 }, () => rng.normal() / Math.sqrt(512));
}

beforeAll(async () => {
  await initTensorflow();
});

describe('PolicyNetwork', () => {
  it('runs on the WebAssembly backend by default', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('gives a chosen word probability 0 and renormalises the rest to sum 1', () => {
    const policy = new PolicyNetwork({ ...shape, learningRate: 0.01, seed: 1 });
    const full = policy.probabilities(state(1), [true, true, true, true]);
    const masked = policy.probabilities(state(1), [true, false, true, false]);
    expect(full.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(masked[1]).toBe(0);
    expect(masked[3]).toBe(0);
    expect(masked.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    // Renormalised: the survivors keep their ratio.
    expect((masked[0] as number) / (masked[2] as number)).toBeCloseTo((full[0] as number) / (full[2] as number), 4);
    policy.dispose();
  });

  it('never samples or greedily picks a masked word', () => {
    const policy = new PolicyNetwork({ ...shape, learningRate: 0.01, seed: 2, outputBias: [5, 0, 0, 0] });
    const rng = new Rng(3);
    const available = [false, true, true, true];
    for (let i = 0; i < 200; i++) expect(policy.sample(state(2), available, rng)).not.toBe(0);
    expect(policy.greedy(state(2), available)).not.toBe(0);
    expect(policy.greedy(state(2), [true, true, true, true])).toBe(0);
    policy.dispose();
  });

  it('raises the probability of an action with positive advantage under the masked distribution', () => {
    const policy = new PolicyNetwork({ ...shape, learningRate: 0.05, seed: 4 });
    const s = state(5);
    const available = [false, true, true, true];
    const before = policy.probabilities(s, available)[2] as number;
    for (let i = 0; i < 5; i++) policy.update([{ state: s, available, action: 2 }], [1], 0);
    const after = policy.probabilities(s, available);
    expect(after[2] as number).toBeGreaterThan(before + 0.1);
    expect(after[0]).toBe(0);
    policy.dispose();
  });

  it('restores weights and Adam state exactly from a JSON snapshot', async () => {
    const a = new PolicyNetwork({ ...shape, learningRate: 0.05, seed: 6 });
    const s = state(7);
    const all = [true, true, true, true];
    a.update([{ state: s, available: all, action: 1 }], [1], 0.01);
    const snapshot = JSON.parse(JSON.stringify(await a.snapshot()));
    const b = await PolicyNetwork.fromSnapshot(snapshot);
    expect(Array.from(b.probabilities(s, all))).toEqual(Array.from(a.probabilities(s, all)));
    // Same next update on both: identical only if Adam's moments and step count came back too.
    a.update([{ state: s, available: all, action: 3 }], [0.5], 0.01);
    b.update([{ state: s, available: all, action: 3 }], [0.5], 0.01);
    expect(Array.from(b.probabilities(s, all))).toEqual(Array.from(a.probabilities(s, all)));
    a.dispose();
    b.dispose();
  });

  it('does not leak tensors across updates', () => {
    const policy = new PolicyNetwork({ ...shape, learningRate: 0.01, seed: 8 });
    const s = state(9);
    const all = [true, true, true, true];
    policy.update([{ state: s, available: all, action: 0 }], [1], 0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      policy.update([{ state: s, available: all, action: i % 4 }], [1], 0.01);
      policy.probabilities(s, all);
    }
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});

describe('REINFORCE on a toy bandit', () => {
  it('learns to prefer the rewarded arm', () => {
    const policy = new PolicyNetwork({ ...shape, learningRate: 0.02, seed: 10 });
    const s = state(11);
    const all = [true, true, true, true];
    const rng = new Rng(12);
    const rewardOf = (a: number) => (a === 2 ? 1 : 0);
    const before = policy.probabilities(s, all)[2] as number;
    for (let iteration = 0; iteration < 30; iteration++) {
      const actions = Array.from({ length: 16 }, () => policy.sample(s, all, rng));
      const rewards: number[] = actions.map(rewardOf);
      const baseline = rewards.reduce((x, y) => x + y, 0) / rewards.length;
      policy.update(
        actions.map((action) => ({ state: s, available: all, action })),
        rewards.map((r) => r - baseline),
        0,
      );
    }
    const after = policy.probabilities(s, all)[2] as number;
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);
    policy.dispose();
  });
});
