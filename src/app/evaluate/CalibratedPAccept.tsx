import { calibratedPAccept, describeCalibrator, type Calibrator } from '../../evaluation/calibration';
import type { ScoreResult } from '../../scoring/scored-idea';
import { useEvaluation } from './evaluate-store';

/** The calibrator the user opted in to show, or null (then nothing calibrated is shown anywhere). */
export function useShownCalibrator(): Calibrator | null {
  return useEvaluation((s) => (s.showCalibrated ? s.calibrator : null));
}

/** " · 58% calibrated" after a raw P(accept), only when the user opted in; the tooltip says what it was fitted on. */
export function CalibratedPAccept({ result }: { result: ScoreResult }) {
  const calibrator = useShownCalibrator();
  if (!calibrator) return null;
  const p = calibratedPAccept(calibrator, result);
  return (
    <span className="calibrated" data-testid="p-accept-calibrated" data-value={p} title={`Calibrated: ${describeCalibrator(calibrator)}`}>
      {' '}
      · {Math.round(p * 100)}% calibrated
    </span>
  );
}

/** For the ideas table's caption: what the calibrated numbers rest on. */
export function CalibrationNote() {
  const calibrator = useShownCalibrator();
  if (!calibrator) return null;
  return <span data-testid="calibration-note"> Calibrated P(accept): {describeCalibrator(calibrator)}.</span>;
}
