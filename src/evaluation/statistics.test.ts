import { describe, expect, it } from 'vitest';
import {
  auroc,
  bootstrapInterval,
  meanAbsoluteError,
  midRanks,
  mulberry32,
  pearson,
  quantileSorted,
  rocCurve,
  rootMeanSquaredError,
  spearman,
  wilsonInterval,
} from './statistics';

describe('evaluation statistics, against hand-computed values', () => {
  it('mid-ranks share the mean rank among ties', () => {
    expect(midRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    expect(midRanks([5, 5, 5])).toEqual([2, 2, 2]);
    expect(midRanks([])).toEqual([]);
  });

  it('Wilson interval: 7 of 10, 72 of 100 (the paper: 62.5–79.9%), and the edges', () => {
    const [lo, hi] = wilsonInterval(7, 10);
    expect(lo).toBeCloseTo(0.396774, 5);
    expect(hi).toBeCloseTo(0.892209, 5);
    const [lo72, hi72] = wilsonInterval(72, 100);
    expect(lo72).toBeCloseTo(0.6251, 4);
    expect(hi72).toBeCloseTo(0.7986, 4);
    expect(wilsonInterval(0, 5)[0]).toBe(0);
    expect(wilsonInterval(5, 5)[1]).toBe(1);
    expect(() => wilsonInterval(0, 0)).toThrow(/n ≥ 1/);
  });

  it('AUROC: the textbook case, and ties counting one half', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    // positives {2, 3} vs negatives {1, 2}: 1 + ½ + 1 + 1 of 4 pairs
    expect(auroc([1, 2, 2, 3], [false, true, false, true])).toBe(0.875);
    expect(auroc([1, 1, 1, 1], [false, true, false, true])).toBe(0.5);
    expect(auroc([1, 2], [true, true])).toBeNull();
  });

  it('ROC curve: one point per distinct score, ties move diagonally', () => {
    expect(rocCurve([1, 2, 2, 3], [false, true, false, true]).map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(rocCurve([1], [true])).toEqual([]);
  });

  it('Spearman: Pearson on average ranks, ties included; undefined when one side is constant', () => {
    // ranks x [1, 2.5, 2.5, 4], y [1, 3, 2, 4]: 4.5 / √(4.5 · 5) = 3/√10
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    expect(spearman([2, 2, 2], [1, 2, 3])).toBeNull();
    expect(pearson([1], [1])).toBeNull();
  });

  it('MAE and RMSE', () => {
    expect(meanAbsoluteError([7, 5, 6], [6, 5, 8])).toBe(1);
    expect(rootMeanSquaredError([7, 5, 6], [6, 5, 8])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanAbsoluteError([], [])).toBeNull();
  });

  it('type-7 quantiles', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted([7], 0.975)).toBe(7);
  });

  it('the PRNG and the bootstrap are deterministic for a seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = (g: readonly (readonly number[])[]) => g[0]!.reduce((s, x) => s + x, 0) / g[0]!.length;
    const data = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]];
    const one = bootstrapInterval(data, mean, { resamples: 500, seed: 1 })!;
    expect(bootstrapInterval(data, mean, { resamples: 500, seed: 1 })).toEqual(one);
    expect(one.low).toBeLessThan(5.5);
    expect(one.high).toBeGreaterThan(5.5);
    expect(one.low).toBeGreaterThan(3);
    expect(one.high).toBeLessThan(8);
    expect(bootstrapInterval([[4, 4, 4]], mean, { resamples: 50, seed: 1 })).toEqual({ low: 4, high: 4, skipped: 0 });
    // A statistic undefined in every resample gives no interval.
    expect(bootstrapInterval([[1, 2]], () => null, { resamples: 10, seed: 1 })).toBeNull();
  });
});
