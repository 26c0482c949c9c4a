import { describe, expect, it } from 'vitest';
import { decide, distributionStats, makeDistribution, pAbove, pAboveReadable, pFirstHigher, pTie } from './score-stats';

// The planted model's distribution, and one with a quarter of its mass unreadable.
const planted = makeDistribution([
  { score: 7.5, probability: 0.7 },
  { score: 5, probability: 0.2 },
  { score: 4.5, probability: 0.1 },
]);
const partial = makeDistribution([
  { score: 6, probability: 0.5 },
  { score: 4, probability: 0.25 },
]);

describe('score distribution maths', () => {
  it('merges equal scores, drops zero mass, sorts, and sums coverage', () => {
    const d = makeDistribution([
      { score: 5, probability: 0.1 },
      { score: 3, probability: 0 },
      { score: 5, probability: 0.2 },
      { score: 2, probability: 0.3 },
    ]);
    expect(d.entries).toEqual([
      { score: 2, probability: 0.3 },
      { score: 5, probability: 0.30000000000000004 },
    ]);
    expect(d.coverage).toBeCloseTo(0.6, 12);
  });

  it('expected 6.7, mode 7.5 and spread by hand for the planted distribution', () => {
    const stats = distributionStats(planted);
    expect(stats.expected).toBeCloseTo(6.7, 12);
    expect(stats.mode).toBe(7.5);
    // E[x²] = 0.7·56.25 + 0.2·25 + 0.1·20.25 = 46.4; var = 46.4 − 6.7² = 1.51
    expect(stats.spread).toBeCloseTo(Math.sqrt(1.51), 12);
  });

  it('renormalises expected over readable mass; nothing readable gives nulls', () => {
    expect(distributionStats(partial).expected).toBeCloseTo((6 * 0.5 + 4 * 0.25) / 0.75, 12);
    expect(distributionStats(makeDistribution([]))).toEqual({ expected: null, mode: null, spread: null });
  });

  it('P(score > t) and P(score ≥ t), unreadable mass counted as not above', () => {
    expect(pAbove(planted, 5.5, '>')).toBeCloseTo(0.7, 12);
    expect(pAbove(planted, 7.5, '>=')).toBeCloseTo(0.7, 12);
    expect(pAbove(planted, 7.5, '>')).toBe(0);
    expect(pAbove(planted, 5, '>=')).toBeCloseTo(0.9, 12);
    expect(pAbove(partial, 5.5, '>')).toBeCloseTo(0.5, 12);
    expect(pAboveReadable(partial, 5.5, '>')).toBeCloseTo(2 / 3, 12);
  });

  it('P(A higher than B) from two distributions', () => {
    // planted vs partial (readable part: 6 w.p. 2/3, 4 w.p. 1/3): 7.5 beats both; 5 and 4.5 beat only 4.
    expect(pFirstHigher(planted, partial)).toBeCloseTo(0.7 + 0.3 / 3, 12);
    expect(pFirstHigher(planted, planted)).toBeCloseTo(0.2 * 0.1 + 0.7 * 0.3, 12);
    // Higher, lower and tied add up to one.
    expect(pTie(planted, planted)! + 2 * pFirstHigher(planted, planted)!).toBeCloseTo(1, 12);
    expect(pFirstHigher(planted, partial)! + pFirstHigher(partial, planted)! + pTie(planted, partial)!).toBeCloseTo(1, 12);
  });

  it('decides by greedy (default, the paper), expected, or P(above) > 0.5, with > or >=', () => {
    expect(decide(7.5, planted, { threshold: 5.5, comparison: '>', decideBy: 'greedy' })).toMatchObject({ pass: true, value: 7.5 });
    expect(decide(5.5, planted, { threshold: 5.5, comparison: '>', decideBy: 'greedy' }).pass).toBe(false);
    expect(decide(5.5, planted, { threshold: 5.5, comparison: '>=', decideBy: 'greedy' }).pass).toBe(true);
    expect(decide(null, planted, { threshold: 5.5, comparison: '>', decideBy: 'greedy' })).toMatchObject({ pass: null, value: null });
    expect(decide(4, planted, { threshold: 6.8, comparison: '>', decideBy: 'expected' }).pass).toBe(false);
    expect(decide(4, planted, { threshold: 6.6, comparison: '>', decideBy: 'expected' }).pass).toBe(true);
    expect(decide(4, planted, { threshold: 5.5, comparison: '>', decideBy: 'pAbove' })).toMatchObject({ pass: true });
    expect(decide(4, planted, { threshold: 7.5, comparison: '>', decideBy: 'pAbove' })).toMatchObject({ pass: false, value: 0 });
  });
});
