/** The evaluation report as plain text (the CLI's table); the page renders the same numbers as HTML. */
import type { CalibrationReport } from './calibration';
import { describeCalibrator } from './calibration';
import { METRIC_LABELS, METRIC_NAMES, type EvaluationReport, type Metric, type MetricName } from './metrics';

const PROPORTIONS = new Set<MetricName>(['accuracy', 'balancedAccuracy', 'majorityBaseline']);

/** "72.0% [62.5–80.0]" for proportions, "0.812 [0.70–0.90]" otherwise, or the reason there is no number. */
export function formatMetric(name: MetricName, metric: Metric): string {
  if (metric.value === null) return `— (${metric.message ?? 'not available'})`;
  const f = (v: number) => (PROPORTIONS.has(name) ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));
  const interval = metric.low !== null && metric.high !== null ? ` [${f(metric.low)}, ${f(metric.high)}]` : '';
  return `${f(metric.value)}${interval}${metric.message ? ` (${metric.message})` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

export function formatReport(report: EvaluationReport): string {
  const { counts, settings, bootstrap } = report;
  const lines = [
    `${counts.ideas} labelled ideas (${counts.scored} scored; ${counts.withRating} with a rating, ${counts.withOutcome} with an outcome); ` +
      `${counts.positives} positive, ${counts.negatives} negative (${report.labelRule}).`,
    `Model decision: score ${settings.comparison} ${settings.threshold}. 95% intervals: Wilson for proportions, percentile bootstrap ` +
      `(${bootstrap.resamples} resamples, seed ${bootstrap.seed}) otherwise.`,
    '',
  ];
  const rows = [['metric', 'greedy score', 'n', 'expected score', 'n']];
  for (const name of METRIC_NAMES) {
    rows.push([METRIC_LABELS[name], formatMetric(name, report.greedy[name]), String(report.greedy[name].n), formatMetric(name, report.expected[name]), String(report.expected[name].n)]);
  }
  lines.push(table(rows));
  for (const s of [report.greedy, report.expected]) {
    if (s.missing > 0) lines.push(`${s.missing} labelled ideas have no ${s.statistic} score and are left out of its column.`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatCalibration(report: CalibrationReport): string {
  const { before, after } = report.heldOut;
  const n = (v: number | null) => (v === null ? '—' : v.toFixed(4));
  const lines = [
    `Calibrator: ${describeCalibrator(report.calibrator)}.`,
    ...report.notes,
    `Held out (${before.n} ideas): ECE ${n(before.ece)} → ${n(after.ece)}, Brier ${n(before.brier)} → ${n(after.brier)} (raw → calibrated).`,
  ];
  return `${lines.join('\n')}\n`;
}
