import { applyCalibrator, describeCalibrator, type Calibrator } from '../../evaluation/calibration';
import { binaryLabel, type LabelledIdea } from '../../evaluation/labelled-set';
import type { EvaluationItem, EvaluationSettings } from '../../evaluation/metrics';
import { score, twoDecimals } from '../format';
import type { EvaluationEntry } from './evaluate-store';

const pct = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(1)}%`);

/** Every labelled idea with its labels and scores; the calibrated P(accept) only when the user opted in. */
export function LabelledTable({
  labelled,
  entries,
  items,
  settings,
  calibrator,
}: {
  labelled: readonly LabelledIdea[];
  entries: readonly EvaluationEntry[];
  items: readonly EvaluationItem[];
  settings: EvaluationSettings;
  calibrator: Calibrator | null;
}) {
  return (
    <div className="table-scroll">
      <table data-testid="labelled-table">
        <caption>
          The labelled ideas. P(accept) is the model's raw probability of a score {settings.comparison === '>' ? 'above' : 'at least'} {settings.threshold}.
          {calibrator ? ` Calibrated P(accept): ${describeCalibrator(calibrator)}.` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Idea</th>
            <th scope="col">Rating</th>
            <th scope="col">Outcome</th>
            <th scope="col">Label</th>
            <th scope="col">Greedy</th>
            <th scope="col">Expected</th>
            <th scope="col">P(accept)</th>
            {calibrator && <th scope="col">Calibrated P(accept)</th>}
          </tr>
        </thead>
        <tbody>
          {labelled.map((l, i) => {
            const item = items[i]!;
            const entry = entries[i];
            const calibrated = calibrator && item.pAccept !== null ? applyCalibrator(calibrator, item.pAccept) : null;
            return (
              <tr key={i} data-testid="eval-row" data-status={entry?.status ?? 'draft'}>
                <td>{i + 1}</td>
                <td className="idea">
                  {l.idea.title && <strong>{l.idea.title}</strong>}
                  <p data-testid="eval-idea-text">{l.idea.text}</p>
                  {entry?.status !== 'scored' && <span className="status">{entry?.error ? `failed: ${entry.error.message}` : (entry?.status ?? 'draft')}</span>}
                </td>
                <td>{l.rating ?? '—'}</td>
                <td>{l.outcome === undefined ? '—' : l.outcome ? 'accept' : 'reject'}</td>
                <td>{binaryLabel(l, settings.threshold, settings.comparison) ? 'positive' : 'negative'}</td>
                <td>{score(item.greedy)}</td>
                <td>{twoDecimals(item.expected)}</td>
                <td data-testid="raw-p" data-value={item.pAccept ?? ''}>
                  {pct(item.pAccept)}
                </td>
                {calibrator && (
                  <td data-testid="calibrated-p" data-value={calibrated ?? ''}>
                    {pct(calibrated)}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
