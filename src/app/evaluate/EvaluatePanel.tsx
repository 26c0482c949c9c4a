import { useId, useMemo, useState } from 'react';
import { reliability } from '../../evaluation/calibration';
import { binaryLabel, parseLabelledSet } from '../../evaluation/labelled-set';
import { evaluate, toEvaluationItems, type EvaluationItem } from '../../evaluation/metrics';
import { evaluationDocument } from '../../evaluation/report-document';
import { FileInput } from '../ideas/FileInput';
import { ThresholdInput } from '../ideas/ThresholdInput';
import { auroc, rocCurve } from '../../evaluation/statistics';
import { decodeUtf8, describeProblem } from '../../scoring/idea-input';
import type { Comparison } from '../../scoring/score-stats';
import { isWaiting } from '../../scoring/scored-idea';
import { useReferee } from '../store';
import { CalibrationSection } from './CalibrationSection';
import { ReliabilityDiagram, RocChart, ScoreScatter } from './Charts';
import { downloadText } from './download';
import { useEvaluation } from './evaluate-store';
import { LabelledTable } from './LabelledTable';
import { MetricsTable } from './MetricsTable';
import './evaluate.css';

const COLORS = { greedy: '#2d7d46', expected: '#2d6cdf', pAccept: '#9a6b00' };

/**
 * Evaluate and calibrate: import ideas with known ratings or outcomes, score them with the loaded model,
 * and see how far the scores agree (metrics with intervals, charts), then fit a calibrator for P(accept).
 */
export function EvaluatePanel() {
  const { set, entries, settings, fit, calibrator, showCalibrated } = useEvaluation();
  const { loadSet, clearSet, queueAll, cancel, setSettings } = useEvaluation.getState();
  const modelReady = useReferee((s) => s.model.state === 'ready');
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const ids = { threshold: useId(), comparison: useId() };


  const items = useMemo<EvaluationItem[]>(() => (set ? toEvaluationItems(set.items, entries.map((e) => e.result ?? null), settings) : []), [set, entries, settings]);
  const scored = entries.filter((e) => e.status === 'scored').length;
  const waiting = entries.filter(isWaiting).length;
  const unscored = entries.filter((e) => e.status === 'draft' || e.status === 'failed').length;
  // Metrics once scoring is idle: a bootstrap per idea scored would slow a large set down.
  const report = useMemo(() => (set && scored > 0 && waiting === 0 ? evaluate(items, settings) : null), [set, items, settings, scored, waiting]);
  const firstResult = entries.find((e) => e.result)?.result;
  const model = firstResult ? firstResult.provenance.model : null;
  const profile = firstResult ? firstResult.provenance.profile : null;
  const models = new Set(entries.flatMap((e) => (e.result ? [`${e.result.provenance.model.id} ${e.result.provenance.model.dtype} ${e.result.provenance.profile}`] : [])));

  const importSet = async (file: File) => {
    try {
      const parsed = parseLabelledSet(decodeUtf8(new Uint8Array(await file.arrayBuffer()), file.name), { fileName: file.name });
      loadSet({ fileName: file.name, items: parsed.items, problems: parsed.problems });
      setMessage({ kind: parsed.problems.length ? 'error' : 'info', text: `Read ${parsed.items.length} labelled ideas from ${file.name}${parsed.problems.length ? `; left out ${parsed.problems.length} rows (below)` : ''}.` });
    } catch (error) {
      setMessage({ kind: 'error', text: `Could not read ${file.name}: ${(error as Error).message}` });
    }
  };

  const labels = items.map((item) => binaryLabel(item, settings.threshold, settings.comparison));
  const withScore = (key: 'greedy' | 'expected' | 'pAccept') => {
    const keep = items.flatMap((item, i) => (item[key] === null ? [] : [[item[key]!, labels[i]!] as const]));
    return { scores: keep.map((k) => k[0]), labels: keep.map((k) => k[1]) };
  };
  const roc = (key: 'greedy' | 'expected' | 'pAccept', name: string) => {
    const { scores, labels: l } = withScore(key);
    return { name, color: COLORS[key], points: rocCurve(scores, l), auroc: auroc(scores, l) };
  };
  const rawReliability = withScore('pAccept');

  return (
    <section className="panel evaluate" aria-labelledby="evaluate-heading" data-testid="evaluate-panel">
      <h2 id="evaluate-heading">Evaluate and calibrate</h2>
      <p>
        How far to trust the score, measured on your own ideas with known outcomes. Import a labelled set: JSON, JSON Lines or CSV with each idea's
        text (and optional title) plus a <code>rating</code> (1–10, e.g. a mean review score) and/or an <code>outcome</code> (accept/reject,
        pass/fail). It is scored with the model loaded above, in this page, and nothing leaves it.
      </p>
      <FileInput label="Labelled set (JSON, JSONL or CSV)" accept=".json,.jsonl,.ndjson,.csv" onFile={(file) => void importSet(file)} />
      <div>
        <label htmlFor={ids.threshold}>Cut-off for ratings and scores </label>
        <ThresholdInput id={ids.threshold} value={settings.threshold} onChange={(threshold) => setSettings({ threshold })} />{' '}
        <label htmlFor={ids.comparison}>Positive when </label>
        <select id={ids.comparison} value={settings.comparison} onChange={(e) => setSettings({ comparison: e.target.value as Comparison })}>
          <option value=">">above (&gt;, the paper's metric)</option>
          <option value=">=">at least (≥)</option>
        </select>
      </div>
      {message && (
        <p className={`notice ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="eval-message">
          {message.text}
        </p>
      )}

      {set && (
        <>
          {set.problems.length > 0 && (
            <details open data-testid="eval-problems">
              <summary>{set.problems.length} rows left out of {set.fileName}</summary>
              <ul>
                {set.problems.map((p) => (
                  <li key={p.where}>{describeProblem(p)}</li>
                ))}
              </ul>
            </details>
          )}
          <p data-testid="eval-progress" aria-live="polite">
            {set.fileName}: {scored} of {set.items.length} labelled ideas scored{waiting ? ` · ${waiting} in the queue` : ''}
            {!modelReady && (waiting > 0 || unscored > 0) ? ' · load a model above to score them' : ''}
          </p>
          {models.size > 1 && (
            <p className="error" role="alert">
              These ideas were scored by {models.size} different models, dtypes or prompts; re-import the set to score it with one.
            </p>
          )}
          <button type="button" disabled={unscored === 0} onClick={queueAll}>
            Score the labelled set ({unscored})
          </button>
          <button type="button" disabled={waiting === 0} onClick={cancel}>
            Cancel scoring
          </button>
          <button type="button" onClick={clearSet}>
            Remove the labelled set
          </button>

          {report && (
            <>
              <h3>Agreement with the labels</h3>
              <MetricsTable report={report} />
              <button
                type="button"
                onClick={() =>
                  downloadText(
                    'referee-evaluation.json',
                    'application/json',
                    `${JSON.stringify(
                      evaluationDocument({
                        file: set.fileName,
                        model,
                        profile,
                        report,
                        labelled: set.items,
                        items,
                        skipped: set.problems,
                        ...(fit && 'report' in fit ? { calibration: { ok: true as const, report: fit.report } } : {}),
                      }),
                      null,
                      2,
                    )}\n`,
                  )
                }
              >
                Export the report (JSON)
              </button>
              <div className="eval-charts">
                <ReliabilityDiagram
                  title="Reliability of raw P(accept)"
                  file="reliability"
                  series={[{ name: 'raw P(accept), all scored ideas', color: COLORS.pAccept, points: reliability(rawReliability.scores, rawReliability.labels).bins }]}
                />
                <RocChart series={[roc('greedy', 'greedy'), roc('expected', 'expected'), roc('pAccept', 'P(accept)')]} />
                <ScoreScatter
                  threshold={settings.threshold}
                  series={(['greedy', 'expected'] as const).map((key) => ({
                    name: key,
                    color: COLORS[key],
                    points: items.flatMap((item) => (item.rating !== undefined && item[key] !== null ? [{ rating: item.rating, score: item[key]! }] : [])),
                  }))}
                />
              </div>
            </>
          )}
          <CalibrationSection items={items} fileName={set.fileName} model={model} profile={profile} canFit={report !== null && models.size === 1} />
          <LabelledTable labelled={set.items} entries={entries} items={items} settings={settings} calibrator={showCalibrated ? calibrator : null} />
        </>
      )}
      {!set && <CalibrationSection items={[]} fileName={null} model={null} profile={null} canFit={false} />}
    </section>
  );
}
