import { useId, useState } from 'react';
import { calibrate, calibrationWorsened, describeCalibrator, ISOTONIC_MIN_FIT, parseCalibrator, type RequestedMethod } from '../../evaluation/calibration';
import { binaryLabel } from '../../evaluation/labelled-set';
import type { EvaluationItem } from '../../evaluation/metrics';
import { decodeUtf8 } from '../../scoring/idea-input';
import { FileInput } from '../ideas/FileInput';
import { ReliabilityDiagram } from './Charts';
import { downloadText } from './download';
import { useEvaluation } from './evaluate-store';

const four = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/**
 * Fit a calibrator on part of the labelled set and see it on the held-out rest; use it (opt in), export it,
 * or import one. Whatever is shown calibrated says what it was fitted on.
 */
export function CalibrationSection({
  items,
  fileName,
  model,
  profile,
  canFit,
}: {
  items: readonly EvaluationItem[];
  fileName: string | null;
  model: { id: string; revision: string | null; dtype: string; device: string } | null;
  profile: 'paper' | 'agent' | null;
  canFit: boolean;
}) {
  const { method, fit, calibrator, showCalibrated, settings } = useEvaluation();
  const { setMethod, setFit, setCalibrator, setShowCalibrated } = useEvaluation.getState();
  const [importError, setImportError] = useState<string | null>(null);
  const ids = { method: useId() };

  const runFit = () => {
    if (!model || !profile) return;
    const outcome = calibrate(
      items.map((item) => ({ pAccept: item.pAccept, label: binaryLabel(item, settings.threshold, settings.comparison) })),
      { method, settings, file: fileName, model, profile },
    );
    if (outcome.ok) {
      setFit({ report: outcome.report });
      // One that made the held-out ideas worse calibrated is shown, with a warning, but not put in use.
      if (!calibrationWorsened(outcome.report)) setCalibrator(outcome.report.calibrator);
    } else setFit({ error: outcome.message });
  };

  const importCalibrator = async (file: File) => {
    try {
      setCalibrator(parseCalibrator(decodeUtf8(new Uint8Array(await file.arrayBuffer()), file.name)));
      setImportError(null);
    } catch (error) {
      setImportError(`Could not import ${file.name}: ${(error as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="calibration-heading" className="eval-calibration">
      <h3 id="calibration-heading">Calibrate P(accept)</h3>
      <p>
        The model's P(accept) is not calibrated odds. A calibrator is fitted on half of the scored labelled ideas (a seeded split that keeps both classes
        in each half) and checked on the other half. Platt scaling is used unless the fitting half has at least {ISOTONIC_MIN_FIT} ideas, when isotonic
        regression can be.
      </p>
      <label htmlFor={ids.method}>Method </label>
      <select id={ids.method} value={method} onChange={(e) => setMethod(e.target.value as RequestedMethod)}>
        <option value="auto">automatic (isotonic from {ISOTONIC_MIN_FIT} fitted ideas, else Platt)</option>
        <option value="platt">Platt scaling</option>
        <option value="isotonic">isotonic regression</option>
      </select>
      <button type="button" disabled={!canFit} onClick={runFit}>
        Fit a calibrator
      </button>

      {fit && 'error' in fit && (
        <p className="error" role="alert" data-testid="calibration-error">
          {fit.error}
        </p>
      )}
      {fit && 'report' in fit && (
        <div data-testid="calibration-check">
          {fit.report.notes.map((note) => (
            <p key={note} className="eval-note">
              {note}
            </p>
          ))}
          {calibrationWorsened(fit.report) && (
            <p className="error" role="alert" data-testid="calibration-worse">
              This calibrator made the held-out ideas worse calibrated ({calibrationWorsened(fit.report)}), so it is not in use. With few labelled ideas
              a fit is noisy: label more, or{' '}
              <button type="button" onClick={() => setCalibrator(fit.report.calibrator)}>
                use it anyway
              </button>
              .
            </p>
          )}
          <table>
            <caption>On the {fit.report.heldOut.before.n} held-out ideas (lower is better)</caption>
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">Raw P(accept)</th>
                <th scope="col">Calibrated</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">ECE</th>
                <td data-testid="ece-before">{four(fit.report.heldOut.before.ece)}</td>
                <td data-testid="ece-after">{four(fit.report.heldOut.after.ece)}</td>
              </tr>
              <tr>
                <th scope="row">Brier score</th>
                <td data-testid="brier-before">{four(fit.report.heldOut.before.brier)}</td>
                <td data-testid="brier-after">{four(fit.report.heldOut.after.brier)}</td>
              </tr>
            </tbody>
          </table>
          <ReliabilityDiagram
            title="Reliability on held-out ideas, before and after"
            file="reliability-held-out"
            series={[
              { name: 'raw', color: '#9a6b00', points: fit.report.heldOut.before.bins },
              { name: 'calibrated', color: '#2d6cdf', points: fit.report.heldOut.after.bins },
            ]}
          />
        </div>
      )}

      <h4>Calibrator in use</h4>
      {calibrator ? (
        <>
          <p data-testid="calibrator-description">{describeCalibrator(calibrator)}.</p>
          <label>
            <input type="checkbox" checked={showCalibrated} onChange={(e) => setShowCalibrated(e.target.checked)} /> Show calibrated P(accept)
          </label>
          <button type="button" onClick={() => downloadText(`referee-calibrator-${calibrator.fittedOn.fittedAt.slice(0, 10)}.json`, 'application/json', `${JSON.stringify(calibrator, null, 2)}\n`)}>
            Export the calibrator
          </button>
          <button type="button" onClick={() => setCalibrator(null)}>
            Remove the calibrator
          </button>
        </>
      ) : (
        <p>None: P(accept) is shown raw.</p>
      )}
      <FileInput label="Import a calibrator (JSON)" accept=".json" onFile={(file) => void importCalibrator(file)} />
      {importError && (
        <p className="error" role="alert">
          {importError}
        </p>
      )}
    </section>
  );
}
