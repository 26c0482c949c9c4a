/**
 * How well the model's scores agree with a labelled set, for the greedy score (the paper's number) and the
 * expected score: binary accuracy at the threshold (the paper's metric), balanced accuracy, the
 * majority-class baseline, AUROC, and MAE / RMSE / Spearman against ratings. Every number carries a 95%
 * interval (Wilson for proportions, a seeded percentile bootstrap otherwise) and the n it rests on; where a
 * number cannot be computed it carries a message saying why instead of NaN.
 */
import { passes, pAbove, type Comparison } from '../scoring/score-stats';
import type { ScoreResult } from '../scoring/scored-idea';
import { binaryLabel, type LabelledIdea } from './labelled-set';
import {
  auroc,
  bootstrapInterval,
  DEFAULT_BOOTSTRAP,
  meanAbsoluteError,
  rootMeanSquaredError,
  spearman,
  wilsonInterval,
  type BootstrapOptions,
} from './statistics';

/** One labelled idea with what the model said of it (null where it has no such score, or was not scored). */
export interface EvaluationItem {
  readonly rating?: number;
  readonly outcome?: boolean;
  readonly greedy: number | null;
  readonly expected: number | null;
  /** P(score ⋛ threshold) at the evaluation's threshold, over all probability mass. */
  readonly pAccept: number | null;
}

export interface EvaluationSettings {
  readonly threshold: number;
  readonly comparison: Comparison;
}

/** The paper's metric: positive when the mean rating > 5.5, and the same rule for the model's score. */
export const PAPER_SETTINGS: EvaluationSettings = { threshold: 5.5, comparison: '>' };

export type IntervalMethod = 'wilson' | 'bootstrap' | 'stratified bootstrap';

export interface Metric {
  /** null when it cannot be computed; `message` then says why. */
  readonly value: number | null;
  /** The 95% interval; null with a message when there is none. */
  readonly low: number | null;
  readonly high: number | null;
  readonly interval: IntervalMethod | null;
  /** How many labelled ideas the value rests on. */
  readonly n: number;
  readonly message?: string;
}

export const SCORE_STATISTICS = ['greedy', 'expected'] as const;
export type ScoreStatistic = (typeof SCORE_STATISTICS)[number];

export const METRIC_NAMES = ['accuracy', 'balancedAccuracy', 'majorityBaseline', 'auroc', 'mae', 'rmse', 'spearman'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const METRIC_LABELS: Record<MetricName, string> = {
  accuracy: 'Accuracy',
  balancedAccuracy: 'Balanced accuracy',
  majorityBaseline: 'Majority-class baseline',
  auroc: 'AUROC',
  mae: 'MAE vs rating',
  rmse: 'RMSE vs rating',
  spearman: 'Spearman vs rating',
};

export type ScoreMetrics = Record<MetricName, Metric> & {
  readonly statistic: ScoreStatistic;
  /** Labelled ideas without this score (not scored yet, failed, or no readable score): left out. */
  readonly missing: number;
};

export interface EvaluationReport {
  readonly settings: EvaluationSettings;
  readonly labelRule: string;
  readonly counts: {
    readonly ideas: number;
    /** With a score result. */
    readonly scored: number;
    readonly withRating: number;
    readonly withOutcome: number;
    /** Binary labels over the whole set. */
    readonly positives: number;
    readonly negatives: number;
  };
  readonly greedy: ScoreMetrics;
  readonly expected: ScoreMetrics;
  readonly bootstrap: BootstrapOptions;
}

/** Bootstrap intervals are given from this many ideas up; below, the value stands alone with a message. */
export const MIN_BOOTSTRAP_N = 5;
/** Spearman's rho needs at least this many rated ideas. */
export const MIN_SPEARMAN_N = 3;

export function labelRuleText(settings: EvaluationSettings): string {
  return `positive = outcome accept/pass when given, else rating ${settings.comparison} ${settings.threshold}`;
}

/** The evaluation items for a labelled set and its score results (same order; missing results are unscored). */
export function toEvaluationItems(
  labelled: readonly LabelledIdea[],
  results: readonly (ScoreResult | null | undefined)[],
  settings: EvaluationSettings = PAPER_SETTINGS,
): EvaluationItem[] {
  return labelled.map((item, i) => {
    const result = results[i];
    return {
      ...(item.rating !== undefined ? { rating: item.rating } : {}),
      ...(item.outcome !== undefined ? { outcome: item.outcome } : {}),
      greedy: result?.greedy.score ?? null,
      expected: result?.expected ?? null,
      pAccept: result ? pAbove(result.distribution, settings.threshold, settings.comparison) : null,
    };
  });
}

export function evaluate(items: readonly EvaluationItem[], settings: EvaluationSettings = PAPER_SETTINGS, bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP): EvaluationReport {
  const labels = items.map((item) => binaryLabel(item, settings.threshold, settings.comparison));
  const positives = labels.filter(Boolean).length;
  return {
    settings,
    labelRule: labelRuleText(settings),
    counts: {
      ideas: items.length,
      scored: items.filter((i) => i.greedy !== null || i.expected !== null || i.pAccept !== null).length,
      withRating: items.filter((i) => i.rating !== undefined).length,
      withOutcome: items.filter((i) => i.outcome !== undefined).length,
      positives,
      negatives: items.length - positives,
    },
    greedy: scoreMetrics('greedy', items, labels, settings, bootstrap),
    expected: scoreMetrics('expected', items, labels, settings, bootstrap),
    bootstrap,
  };
}

interface Pair {
  readonly score: number;
  readonly label: boolean;
  readonly rating?: number;
}

function scoreMetrics(statistic: ScoreStatistic, items: readonly EvaluationItem[], labels: readonly boolean[], settings: EvaluationSettings, bootstrap: BootstrapOptions): ScoreMetrics {
  const pairs: Pair[] = [];
  items.forEach((item, i) => {
    const score = item[statistic];
    if (score !== null) pairs.push({ score, label: labels[i]!, ...(item.rating !== undefined ? { rating: item.rating } : {}) });
  });
  const predicted = (p: Pair) => passes(p.score, settings.threshold, settings.comparison);
  const pos = pairs.filter((p) => p.label);
  const neg = pairs.filter((p) => !p.label);
  const n = pairs.length;
  const rated = pairs.filter((p): p is Pair & { rating: number } => p.rating !== undefined);
  const anyRatings = items.some((i) => i.rating !== undefined);
  const name = statistic === 'greedy' ? 'greedy score' : 'expected score';

  const noneScored = `no labelled idea has a ${name} yet`;
  const oneClass = n > 0 && (pos.length === 0 || neg.length === 0) ? `all ${n} labelled ideas are ${pos.length === 0 ? 'negative' : 'positive'}: this needs both classes` : undefined;

  const correct = pairs.filter((p) => predicted(p) === p.label).length;
  const majority = Math.max(pos.length, neg.length);
  const balanced = (groups: readonly (readonly Pair[])[]): number | null => {
    const [p, q] = groups as [readonly Pair[], readonly Pair[]];
    if (p.length === 0 || q.length === 0) return null;
    return (p.filter(predicted).length / p.length + q.filter((x) => !predicted(x)).length / q.length) / 2;
  };
  const area = (groups: readonly (readonly Pair[])[]): number | null => {
    const all = [...groups[0]!, ...groups[1]!];
    return auroc(all.map((p) => p.score), all.map((p) => p.label));
  };

  const ratingMessage = !anyRatings ? 'the set has no ratings (outcomes only): this needs ratings' : `no rated idea has a ${name} yet`;
  const mae = (g: readonly (readonly Pair[])[]) => meanAbsoluteError(g[0]!.map((p) => p.score), g[0]!.map((p) => p.rating!));
  const rmse = (g: readonly (readonly Pair[])[]) => rootMeanSquaredError(g[0]!.map((p) => p.score), g[0]!.map((p) => p.rating!));
  const rho = (g: readonly (readonly Pair[])[]) => spearman(g[0]!.map((p) => p.score), g[0]!.map((p) => p.rating!));
  let spearmanMetric: Metric;
  if (rated.length === 0) spearmanMetric = missing(0, ratingMessage);
  else if (rated.length < MIN_SPEARMAN_N) spearmanMetric = missing(rated.length, `needs at least ${MIN_SPEARMAN_N} rated ideas with a ${name} (has ${rated.length})`);
  else if (new Set(rated.map((p) => p.score)).size === 1) spearmanMetric = missing(rated.length, `undefined: every ${name} is the same (${Number(rated[0]!.score.toPrecision(6))}), so there is no ranking`);
  else if (new Set(rated.map((p) => p.rating)).size === 1) spearmanMetric = missing(rated.length, `undefined: every rating is the same (${rated[0]!.rating})`);
  else spearmanMetric = bootstrapped(rho([rated]), [rated], rho, bootstrap, 'bootstrap');

  return {
    statistic,
    missing: items.length - n,
    accuracy: n === 0 ? missing(0, noneScored) : proportion(correct, n),
    balancedAccuracy: n === 0 ? missing(0, noneScored) : oneClass ? missing(n, oneClass) : bootstrapped(balanced([pos, neg]), [pos, neg], balanced, bootstrap, 'stratified bootstrap'),
    majorityBaseline: n === 0 ? missing(0, noneScored) : proportion(majority, n),
    auroc: n === 0 ? missing(0, noneScored) : oneClass ? missing(n, oneClass) : bootstrapped(area([pos, neg]), [pos, neg], area, bootstrap, 'stratified bootstrap'),
    mae: rated.length === 0 ? missing(0, ratingMessage) : bootstrapped(mae([rated]), [rated], mae, bootstrap, 'bootstrap'),
    rmse: rated.length === 0 ? missing(0, ratingMessage) : bootstrapped(rmse([rated]), [rated], rmse, bootstrap, 'bootstrap'),
    spearman: spearmanMetric,
  };
}

function missing(n: number, message: string): Metric {
  return { value: null, low: null, high: null, interval: null, n, message };
}

function proportion(successes: number, n: number): Metric {
  const [low, high] = wilsonInterval(successes, n);
  return { value: successes / n, low, high, interval: 'wilson', n };
}

function bootstrapped<T>(
  value: number | null,
  groups: readonly (readonly T[])[],
  statistic: (g: readonly (readonly T[])[]) => number | null,
  options: BootstrapOptions,
  method: IntervalMethod,
): Metric {
  const n = groups.reduce((k, g) => k + g.length, 0);
  if (value === null) return missing(n, 'cannot be computed on this set');
  if (n < MIN_BOOTSTRAP_N) return { value, low: null, high: null, interval: null, n, message: `no interval: fewer than ${MIN_BOOTSTRAP_N} ideas` };
  const interval = bootstrapInterval(groups, statistic, options);
  if (!interval) return { value, low: null, high: null, interval: null, n, message: 'no interval: the statistic is undefined in most resamples' };
  return { value, low: interval.low, high: interval.high, interval: method, n };
}
