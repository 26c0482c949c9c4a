/** One score the model can write inside `\boxed{}`, with the probability it writes it. */
export interface ScoreMass {
  readonly score: number;
  readonly probability: number;
}

/** The model's score distribution as read from its token probabilities after `\boxed{`. */
export interface ScoreDistribution {
  /** Sorted by score, each score once. */
  readonly entries: readonly ScoreMass[];
  /** Total probability the readout covered; the rest (1 − coverage) is "unreadable". */
  readonly coverage: number;
}

export type Comparison = '>' | '>=';
export type DecisionStatistic = 'greedy' | 'expected' | 'pAbove';

export interface DecisionSettings {
  readonly threshold: number;
  /** `>` as in the paper's accuracy metric, `>=` as in the AlphaResearch agent loop. */
  readonly comparison: Comparison;
  readonly decideBy: DecisionStatistic;
}

/** The paper's filter reproduced exactly: the greedy score against 5.5. */
/** Scores run from 0 to 10 (AlphaResearch-RM writes 1–10): a threshold outside that decides nothing. */
export const THRESHOLD_RANGE = { min: 0, max: 10 } as const;

export const DEFAULT_DECISION: DecisionSettings = { threshold: 5.5, comparison: '>', decideBy: 'greedy' };

export function passes(value: number, threshold: number, comparison: Comparison): boolean {
  return comparison === '>' ? value > threshold : value >= threshold;
}

/** Merges equal scores, drops zero mass, sorts by score. */
export function makeDistribution(masses: readonly ScoreMass[]): ScoreDistribution {
  const byScore = new Map<number, number>();
  for (const { score, probability } of masses) {
    if (probability > 0) byScore.set(score, (byScore.get(score) ?? 0) + probability);
  }
  const entries = [...byScore].map(([score, probability]) => ({ score, probability })).sort((a, b) => a.score - b.score);
  return { entries, coverage: entries.reduce((n, e) => n + e.probability, 0) };
}

export interface DistributionStats {
  /** Mean of the distribution renormalised over the readable mass; null when nothing was readable. */
  readonly expected: number | null;
  /** The most probable score. */
  readonly mode: number | null;
  /** Standard deviation, renormalised like `expected`. */
  readonly spread: number | null;
}

export function distributionStats(distribution: ScoreDistribution): DistributionStats {
  const { entries, coverage } = distribution;
  if (coverage <= 0) return { expected: null, mode: null, spread: null };
  const expected = entries.reduce((n, e) => n + e.score * e.probability, 0) / coverage;
  const variance = entries.reduce((n, e) => n + (e.score - expected) ** 2 * e.probability, 0) / coverage;
  let mode = entries[0]!;
  for (const e of entries) if (e.probability > mode.probability) mode = e;
  return { expected, mode: mode.score, spread: Math.sqrt(variance) };
}

/**
 * P(score > threshold) (or ≥), as a share of all probability: unreadable mass counts as not above, so this
 * never overstates. `pAboveReadable` renormalises over the readable mass instead.
 */
export function pAbove(distribution: ScoreDistribution, threshold: number, comparison: Comparison): number {
  return distribution.entries.reduce((n, e) => n + (passes(e.score, threshold, comparison) ? e.probability : 0), 0);
}

export function pAboveReadable(distribution: ScoreDistribution, threshold: number, comparison: Comparison): number | null {
  return distribution.coverage > 0 ? pAbove(distribution, threshold, comparison) / distribution.coverage : null;
}

/** P(A's score > B's score) for independent draws from the two distributions, over their readable mass. */
export function pFirstHigher(a: ScoreDistribution, b: ScoreDistribution): number | null {
  if (a.coverage <= 0 || b.coverage <= 0) return null;
  let p = 0;
  for (const x of a.entries) for (const y of b.entries) if (x.score > y.score) p += x.probability * y.probability;
  return p / (a.coverage * b.coverage);
}

/** P(A's score = B's score) for independent draws, over their readable mass: what P(A > B) and P(B > A) leave. */
export function pTie(a: ScoreDistribution, b: ScoreDistribution): number | null {
  if (a.coverage <= 0 || b.coverage <= 0) return null;
  let p = 0;
  for (const x of a.entries) for (const y of b.entries) if (x.score === y.score) p += x.probability * y.probability;
  return p / (a.coverage * b.coverage);
}

export interface Decision {
  /** null when the deciding statistic is missing (no greedy score, or nothing readable). */
  readonly pass: boolean | null;
  readonly by: DecisionStatistic;
  readonly value: number | null;
  readonly threshold: number;
  readonly comparison: Comparison;
}

/**
 * Pass/fail for one score. By `pAbove`, an idea passes when P(score ⋛ threshold) > 0.5 (the distribution's
 * median side); by `greedy` or `expected`, when that number clears the threshold.
 */
export function decide(greedy: number | null, distribution: ScoreDistribution, settings: DecisionSettings): Decision {
  const { threshold, comparison, decideBy } = settings;
  let value: number | null;
  let pass: boolean | null;
  if (decideBy === 'pAbove') {
    value = pAboveReadable(distribution, threshold, comparison);
    pass = value === null ? null : value > 0.5;
  } else {
    value = decideBy === 'greedy' ? greedy : distributionStats(distribution).expected;
    pass = value === null ? null : passes(value, threshold, comparison);
  }
  return { pass, by: decideBy, value, threshold, comparison };
}
