import { describe, expect, it } from 'vitest';
import { advantages, discountedReturns } from '../../../src/engine/training/returns.js';

describe('discountedReturns', () => {
  it('sums the remaining rewards when gamma is 1 (the paper)', () => {
    expect(discountedReturns([0.5, 0.75, 0.25], 1)).toEqual([1.5, 1, 0.25]);
  });

  it('discounts later rewards', () => {
    const [g0, g1, g2] = discountedReturns([1, 1, 1], 0.5);
    expect(g2).toBeCloseTo(1);
    expect(g1).toBeCloseTo(1.5);
    expect(g0).toBeCloseTo(1.75);
  });

  it('handles an empty episode', () => {
    expect(discountedReturns([], 1)).toEqual([]);
  });
});

describe('advantages', () => {
  const returns = [
    [3, 1],
    [1, 2],
    [2, 3],
  ];

  it('leaves returns alone without a baseline', () => {
    expect(advantages(returns, 'none')).toEqual(returns);
  });

  it('subtracts the mean of the other episodes (leave-one-out)', () => {
    const a = advantages(returns, 'leave-one-out');
    expect(a[0]?.[0]).toBeCloseTo(3 - 1.5);
    expect(a[1]?.[0]).toBeCloseTo(1 - 2.5);
    expect(a[2]?.[1]).toBeCloseTo(3 - 1.5);
  });

  it('z-scores each step across episodes', () => {
    const a = advantages(returns, 'z-score');
    const column = a.map((r) => r[0] as number);
    expect(column.reduce((s, v) => s + v, 0)).toBeCloseTo(0);
    expect(Math.sqrt(column.reduce((s, v) => s + v * v, 0) / column.length)).toBeCloseTo(1);
  });

  it('gives zero advantage when every episode returned the same', () => {
    expect(advantages([[1], [1]], 'z-score')).toEqual([[0], [0]]);
    expect(advantages([[1], [1]], 'leave-one-out')).toEqual([[0], [0]]);
  });
});
