/**
 * The statistics the evaluation rests on, each small enough to check by hand: a seeded PRNG, mid-ranks,
 * the Wilson interval, a percentile bootstrap, AUROC (Mann–Whitney with mid-ranks), Spearman's rho
 * (Pearson on average ranks), MAE and RMSE. Pure functions; no DOM, no I/O.
 */
import { mulberry32 } from './prng';

export { mulberry32 };

/** A uniformly random integer in [0, n). */
export function randomIndex(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Ranks 1..n, tied values sharing the mean of the ranks they span (mid-ranks). */
export function midRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** 1.96: the two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for `successes` of `n` (95%). */
export function wilsonInterval(successes: number, n: number, z = Z95): [number, number] {
  if (n <= 0) throw new Error('a Wilson interval needs n ≥ 1');
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of nothing');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
}

/** 2000 resamples, seed 20250725: every bootstrap interval in a report uses these unless told otherwise. */
export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 2000, seed: 20250725 };

export interface BootstrapResult {
  readonly low: number;
  readonly high: number;
  /** Resamples where the statistic was undefined (e.g. every rank tied) and were left out. */
  readonly skipped: number;
}

/**
 * Percentile bootstrap (95%) of a statistic over `groups` of items: each group is resampled with
 * replacement to its own size (one group = the plain bootstrap; positives and negatives as two groups = a
 * stratified bootstrap, so every resample keeps both classes). The PRNG is seeded afresh for each call, so
 * an interval does not depend on which other intervals were computed first. Returns null when fewer than
 * half the resamples gave a value.
 */
export function bootstrapInterval<T>(
  groups: readonly (readonly T[])[],
  statistic: (resampled: readonly (readonly T[])[]) => number | null,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): BootstrapResult | null {
  const random = mulberry32(options.seed);
  const values: number[] = [];
  let skipped = 0;
  for (let r = 0; r < options.resamples; r++) {
    const resampled = groups.map((group) => Array.from({ length: group.length }, () => group[randomIndex(random, group.length)]!));
    const value = statistic(resampled);
    if (value === null || !Number.isFinite(value)) skipped++;
    else values.push(value);
  }
  if (values.length < options.resamples / 2) return null;
  values.sort((a, b) => a - b);
  return { low: quantileSorted(values, 0.025), high: quantileSorted(values, 0.975), skipped };
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting one half (Mann–Whitney U from mid-ranks). null without both classes.
 */
export function auroc(scores: readonly number[], labels: readonly boolean[]): number | null {
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const ranks = midRanks(scores);
  let rankSum = 0;
  labels.forEach((label, i) => {
    if (label) rankSum += ranks[i]!;
  });
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** ROC curve points from (0,0) to (1,1), one per distinct score (tied scores move diagonally). */
export function rocCurve(scores: readonly number[], labels: readonly boolean[]): { fpr: number; tpr: number; threshold: number }[] {
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => b[0] - a[0]);
  const points = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1]) tp++;
    else fp++;
    if (i + 1 === order.length || order[i + 1]![0] !== order[i]![0]) points.push({ fpr: fp / negatives, tpr: tp / positives, threshold: order[i]![0] });
  }
  return points;
}

/** Pearson's correlation; null when either side is constant or n < 2. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho: Pearson's correlation of the average ranks (ties share their mean rank). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(midRanks(x), midRanks(y));
}

export function meanAbsoluteError(predicted: readonly number[], actual: readonly number[]): number | null {
  if (predicted.length === 0) return null;
  return predicted.reduce((n, p, i) => n + Math.abs(p - actual[i]!), 0) / predicted.length;
}

export function rootMeanSquaredError(predicted: readonly number[], actual: readonly number[]): number | null {
  if (predicted.length === 0) return null;
  return Math.sqrt(predicted.reduce((n, p, i) => n + (p - actual[i]!) ** 2, 0) / predicted.length);
}
