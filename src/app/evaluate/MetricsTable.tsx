import { METRIC_LABELS, METRIC_NAMES, type EvaluationReport } from '../../evaluation/metrics';
import { formatMetric } from '../../evaluation/report-text';

/** The metrics for the greedy and the expected score, each with its 95% interval and the n it rests on. */
export function MetricsTable({ report }: { report: EvaluationReport }) {
  const { counts, bootstrap } = report;
  return (
    <div className="table-scroll">
      <table data-testid="metrics-table" className="eval-metrics">
        <caption>
          {counts.ideas} labelled ideas, {counts.positives} positive and {counts.negatives} negative ({report.labelRule}); the model passes an idea when
          its score is {report.settings.comparison === '>' ? 'above' : 'at least'} {report.settings.threshold}. Brackets: 95% intervals (Wilson for
          proportions, percentile bootstrap with {bootstrap.resamples} resamples, seed {bootstrap.seed}, otherwise).
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Greedy score</th>
            <th scope="col">n</th>
            <th scope="col">Expected score</th>
            <th scope="col">n</th>
          </tr>
        </thead>
        <tbody>
          {METRIC_NAMES.map((name) => (
            <tr key={name} data-testid={`metric-${name}`}>
              <th scope="row">{METRIC_LABELS[name]}</th>
              {(['greedy', 'expected'] as const).flatMap((statistic) => [
                <td key={statistic} data-testid={`${name}-${statistic}`}>
                  {formatMetric(name, report[statistic][name])}
                </td>,
                <td key={`${statistic}-n`} data-testid={`${name}-${statistic}-n`}>
                  {report[statistic][name].n}
                </td>,
              ])}
            </tr>
          ))}
        </tbody>
      </table>
      {[report.greedy, report.expected]
        .filter((s) => s.missing > 0)
        .map((s) => (
          <p key={s.statistic} className="eval-note">
            {s.missing} labelled ideas have no {s.statistic} score and are left out of its column.
          </p>
        ))}
    </div>
  );
}
