/**
 * Returns and baselines as small pure functions (like cart-pole's
 * `discountRewards`), tested on their own.
 */
import type { BaselineKind } from './hyperparameters.js';

/**
 * G_t = r_t + γ·G_{t+1}. With γ = 1 each step's return is the sum of the
 * rewards from that step on, and G_0 is the paper's R(τ) = G_1 + … + G_k.
 */
export function discountedReturns(rewards: readonly number[], gamma: number): number[] {
  const returns = new Array<number>(rewards.length);
  let running = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    running = (rewards[t] as number) + gamma * running;
    returns[t] = running;
  }
  return returns;
}

/**
 * Centres each episode's returns against the other episodes of the batch.
 * `returns[e][t]` is episode e's return from step t; all episodes have the same length.
 * - none: the returns themselves (the paper).
 * - leave-one-out: G − mean of the other episodes' G at the same step (unbiased, low variance).
 * - z-score: (G − mean) / sd at the same step.
 */
export function advantages(returns: readonly (readonly number[])[], kind: BaselineKind): number[][] {
  if (kind === 'none' || returns.length === 0) return returns.map((r) => [...r]);
  const n = returns.length;
  const steps = Math.max(...returns.map((r) => r.length));
  const out = returns.map((r) => new Array<number>(r.length).fill(0));
  for (let t = 0; t < steps; t++) {
    const column = returns.map((r) => r[t]).filter((v): v is number => v !== undefined);
    const total = column.reduce((s, v) => s + v, 0);
    const mean = total / column.length;
    const sd = Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length);
    for (let e = 0; e < n; e++) {
      const g = returns[e]?.[t];
      if (g === undefined) continue;
      const row = out[e] as number[];
      if (kind === 'leave-one-out') {
        row[t] = column.length > 1 ? g - (total - g) / (column.length - 1) : 0;
      } else {
        row[t] = sd > 1e-12 ? (g - mean) / sd : 0;
      }
    }
  }
  return out;
}
