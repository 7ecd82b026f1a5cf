/**
 * A policy restored from a snapshot after k Adam steps must continue exactly
 * as the policy that was never interrupted — for every k. tfjs's own
 * setWeights recomputes β₂ᵏ⁺¹ with pow(), one ulp away from the running
 * product at k = 2 and 5; PolicyNetwork.fromSnapshot corrects it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/math/random.js';
import { initTensorflow } from '../../../src/engine/policy/backend.js';
import { PolicyNetwork, type PolicySnapshot, type PolicyStep } from '../../../src/engine/policy/policyNetwork.js';

const STEPS = 7;

function batch(step: number): { steps: PolicyStep[]; advantages: number[] } {
  const rng = new Rng(100 + step);
  const steps = Array.from({ length: 6 }, () => ({
    state: Float32Array.from({ length: 8 }, () => rng.next() - 0.5),
    available: [true, true, true],
    action: rng.int(3),
  }));
  return { steps, advantages: steps.map(() => rng.next() - 0.5) };
}

async function train(policy: PolicyNetwork, from: number): Promise<PolicySnapshot> {
  for (let step = from; step < STEPS; step++) {
    const { steps, advantages } = batch(step);
    policy.update(steps, advantages, 0.01);
  }
  return policy.snapshot();
}

describe('exact Adam resume', () => {
  beforeAll(async () => {
    await initTensorflow();
  });

  it('continues bit-identically from a snapshot taken after any number of steps', async () => {
    const options = { inputSize: 8, hiddenUnits: 4, actions: 3, learningRate: 0.05, seed: 9 };
    const uninterrupted = await train(new PolicyNetwork(options), 0);
    for (let k = 1; k < STEPS; k++) {
      const first = new PolicyNetwork(options);
      for (let step = 0; step < k; step++) {
        const { steps, advantages } = batch(step);
        first.update(steps, advantages, 0.01);
      }
      const saved = JSON.parse(JSON.stringify(await first.snapshot())) as PolicySnapshot;
      const resumed = await train(await PolicyNetwork.fromSnapshot(saved), k);
      expect(resumed.weights.map((w) => w.data), `resumed after ${k} steps`).toEqual(uninterrupted.weights.map((w) => w.data));
    }
  });
});
