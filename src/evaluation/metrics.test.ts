import { describe, expect, it } from 'vitest';
import { makeDistribution, distributionStats } from '../scoring/score-stats';
import type { ScoreResult } from '../scoring/scored-idea';
import { evaluate, toEvaluationItems, type EvaluationItem } from './metrics';
import { formatReport } from './report-text';

/**
 * Six ideas worked by hand (label: outcome when given, else rating > 5.5):
 *   A rating 7 → +, greedy 7.5 (+), expected 6.8 (+)
 *   B rating 6 → +, greedy 5   (−), expected 5.6 (+)
 *   C rating 4 → −, greedy 6   (+), expected 5.2 (−)
 *   D rating 3 → −, greedy 3   (−), expected 3.5 (−)
 *   E accept, rating 5 → + (the outcome wins), greedy 7 (+), expected 6 (+)
 *   F reject, no rating → −, greedy 5 (−), no expected score
 */
const SIX: EvaluationItem[] = [
  { rating: 7, greedy: 7.5, expected: 6.8, pAccept: 0.8 },
  { rating: 6, greedy: 5, expected: 5.6, pAccept: 0.55 },
  { rating: 4, greedy: 6, expected: 5.2, pAccept: 0.45 },
  { rating: 3, greedy: 3, expected: 3.5, pAccept: 0.1 },
  { rating: 5, outcome: true, greedy: 7, expected: 6, pAccept: 0.6 },
  { outcome: false, greedy: 5, expected: null, pAccept: null },
];

describe('evaluation metrics on a hand-worked set', () => {
  const report = evaluate(SIX);

  it('counts and the label rule', () => {
    expect(report.counts).toEqual({ ideas: 6, scored: 6, withRating: 5, withOutcome: 2, positives: 3, negatives: 3 });
    expect(report.labelRule).toBe('positive = outcome accept/pass when given, else rating > 5.5');
  });

  it('greedy: accuracy 4/6 (Wilson), balanced 2/3, baseline 1/2, AUROC 7.5/9, MAE 1.1, RMSE √1.85, Spearman 0.7', () => {
    const g = report.greedy;
    expect(g.missing).toBe(0);
    expect(g.accuracy).toMatchObject({ value: 4 / 6, n: 6, interval: 'wilson' });
    expect(g.accuracy.low).toBeCloseTo(0.3000, 3);
    expect(g.accuracy.high).toBeCloseTo(0.9032, 3);
    expect(g.balancedAccuracy).toMatchObject({ n: 6, interval: 'stratified bootstrap' });
    expect(g.balancedAccuracy.value).toBeCloseTo(2 / 3, 12);
    expect(g.majorityBaseline).toMatchObject({ value: 0.5, n: 6, interval: 'wilson' });
    expect(g.auroc.value).toBeCloseTo(7.5 / 9, 12);
    expect(g.mae).toMatchObject({ n: 5, interval: 'bootstrap' });
    expect(g.mae.value).toBeCloseTo(1.1, 12);
    expect(g.rmse.value).toBeCloseTo(Math.sqrt(1.85), 12);
    expect(g.spearman.value).toBeCloseTo(0.7, 12);
    for (const m of [g.balancedAccuracy, g.auroc, g.mae, g.rmse, g.spearman]) {
      expect(m.low!).toBeLessThanOrEqual(m.value!);
      expect(m.high!).toBeGreaterThanOrEqual(m.value!);
    }
  });

  it('expected: F has no expected score and is left out (n 5): everything right, AUROC 1, MAE 0.66', () => {
    const e = report.expected;
    expect(e.missing).toBe(1);
    expect(e.accuracy).toMatchObject({ value: 1, n: 5 });
    expect(e.balancedAccuracy.value).toBe(1);
    expect(e.majorityBaseline.value).toBeCloseTo(0.6, 12);
    expect(e.auroc.value).toBe(1);
    expect(e.mae.value).toBeCloseTo(0.66, 12);
  });

  it('is deterministic (seeded bootstrap) and prints as a table', () => {
    expect(evaluate(SIX)).toEqual(report);
    const text = formatReport(report);
    expect(text).toMatch(/Accuracy\s+66\.7% \[30\.0%, 90\.3%\]\s+6\s+100\.0%/);
    expect(text).toMatch(/1 labelled ideas have no expected score/);
  });

  it('a one-class set: balanced accuracy and AUROC say why instead of NaN', () => {
    const items: EvaluationItem[] = [
      { outcome: true, greedy: 7, expected: 6, pAccept: 0.7 },
      { outcome: true, greedy: 5, expected: 5, pAccept: 0.3 },
      { rating: 8, greedy: 6, expected: 6.5, pAccept: 0.6 },
    ];
    const r = evaluate(items);
    expect(r.greedy.accuracy.value).toBeCloseTo(2 / 3, 12);
    expect(r.greedy.majorityBaseline.value).toBe(1);
    expect(r.greedy.balancedAccuracy).toMatchObject({ value: null, n: 3, message: 'all 3 labelled ideas are positive: this needs both classes' });
    expect(r.greedy.auroc.value).toBeNull();
    expect(r.greedy.auroc.message).toMatch(/needs both classes/);
    // One rating: MAE has a value but too few for an interval; Spearman needs 3.
    expect(r.greedy.mae).toMatchObject({ value: 2, n: 1, low: null, message: 'no interval: fewer than 5 ideas' });
    expect(r.greedy.spearman).toMatchObject({ value: null, n: 1, message: 'needs at least 3 rated ideas with a greedy score (has 1)' });
  });

  it('no ratings, nothing scored, and a constant score each give a message', () => {
    const outcomesOnly = evaluate([
      { outcome: true, greedy: 7, expected: 6, pAccept: 0.7 },
      { outcome: false, greedy: 5, expected: 5, pAccept: 0.3 },
    ]);
    for (const m of ['mae', 'rmse', 'spearman'] as const) {
      expect(outcomesOnly.greedy[m]).toMatchObject({ value: null, n: 0, message: 'the set has no ratings (outcomes only): this needs ratings' });
    }
    const unscored = evaluate([{ rating: 7, greedy: null, expected: null, pAccept: null }]);
    expect(unscored.greedy.accuracy).toMatchObject({ value: null, n: 0, message: 'no labelled idea has a greedy score yet' });
    expect(unscored.greedy.mae.message).toBe('no rated idea has a greedy score yet');
    expect(unscored.counts.scored).toBe(0);
    const constant = evaluate([7, 6, 3, 4].map((rating) => ({ rating, greedy: 7.5, expected: rating / 2, pAccept: 0.7 })));
    expect(constant.greedy.spearman.message).toBe('undefined: every greedy score is the same (7.5), so there is no ranking');
    expect(constant.expected.spearman.value).toBeCloseTo(1, 12);
    // Every greedy score is 7.5: AUROC is exactly one half (all ties).
    expect(constant.greedy.auroc.value).toBe(0.5);
  });

  it('threshold and comparison apply to the score and to the rating label alike', () => {
    const items: EvaluationItem[] = [
      { rating: 6, greedy: 6, expected: 6, pAccept: 0.5 },
      { rating: 5, greedy: 5, expected: 5, pAccept: 0.5 },
    ];
    expect(evaluate(items, { threshold: 6, comparison: '>' }).counts.positives).toBe(0);
    const ge = evaluate(items, { threshold: 6, comparison: '>=' });
    expect(ge.counts.positives).toBe(1);
    expect(ge.greedy.accuracy.value).toBe(1);
  });

  it('evaluation items from labelled ideas and score results; P(accept) read at the evaluation threshold', () => {
    const distribution = makeDistribution([
      { score: 7.5, probability: 0.7 },
      { score: 5, probability: 0.2 },
      { score: 4.5, probability: 0.1 },
    ]);
    const result = { greedy: { score: 7.5, answer: '\\boxed{7.5}' }, distribution, expected: distributionStats(distribution).expected } as unknown as ScoreResult;
    const items = toEvaluationItems(
      [
        { idea: { text: 'a' }, rating: 7, where: 'line 1' },
        { idea: { text: 'b' }, outcome: false, where: 'line 2' },
      ],
      [result, null],
      { threshold: 4.8, comparison: '>' },
    );
    expect(items[0]).toMatchObject({ rating: 7, greedy: 7.5 });
    expect(items[0]!.pAccept).toBeCloseTo(0.9, 12);
    expect(items[1]).toEqual({ outcome: false, greedy: null, expected: null, pAccept: null });
  });
});
