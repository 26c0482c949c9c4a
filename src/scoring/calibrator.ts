/**
 * Applying a stored calibrator to a score: what the export and the ideas table need. Fitting one on a labelled
 * set is the evaluation's (src/evaluation/calibration.ts).
 */
import { CALIBRATOR_SCHEMA_ID, CALIBRATOR_SCHEMA_VERSION, CalibratorSchema, type Calibrator } from './calibrator-schema';
import { pAbove } from './score-stats';
import type { ScoreResult } from './scored-idea';

export const logit = (p: number, epsilon: number) => {
  const q = Math.min(1 - epsilon, Math.max(epsilon, p));
  return Math.log(q / (1 - q));
};
export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Piecewise-linear interpolation through (x, y), flat beyond the ends. */
export function interpolate(x: readonly number[], y: readonly number[], p: number): number {
  if (p <= x[0]!) return y[0]!;
  if (p >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= p) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span === 0 ? y[hi]! : y[lo]! + ((p - x[lo]!) / span) * (y[hi]! - y[lo]!);
}

/** The calibrated probability for a raw P(accept). */
export function applyCalibrator(calibrator: Calibrator, p: number): number {
  const fit = calibrator.fit;
  return fit.method === 'platt' ? sigmoid(fit.a * logit(p, fit.epsilon) + fit.b) : interpolate(fit.x, fit.y, p);
}

/** The calibrated P(accept) of a score result, read at the threshold the calibrator was fitted for. */
export function calibratedPAccept(calibrator: Calibrator, result: ScoreResult): number {
  return applyCalibrator(calibrator, pAbove(result.distribution, calibrator.fittedOn.threshold, calibrator.fittedOn.comparison));
}

/** One line saying what a calibrator was fitted on, to show next to anything calibrated. */
export function describeCalibrator(c: Calibrator): string {
  const f = c.fittedOn;
  const method = c.fit.method === 'platt' ? 'Platt scaling' : 'isotonic regression';
  return (
    `${method} fitted on ${f.n} labelled ideas (${f.positives} positive)${f.file ? ` from ${f.file}` : ''}, ` +
    `scored by ${f.model.id} (${f.model.dtype}, ${f.model.device}, ${f.profile} prompt), P(score ${f.comparison} ${f.threshold}); ` +
    `checked on ${f.heldOut} held-out ideas; ${f.fittedAt.slice(0, 10)}`
  );
}

export class CalibratorImportError extends Error {}

/** Reads a stored calibrator back (or the one a Referee export or evaluation report carries), validated against the schema. */
export function parseCalibrator(content: string): Calibrator {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new CalibratorImportError(`not valid JSON: ${(error as Error).message}`);
  }
  // A Referee export (`referee.scores`) or evaluation report (`referee.evaluation`) that carries one works too.
  const document = parsed as { schema?: unknown; calibrator?: unknown; calibration?: { calibrator?: unknown } } | null;
  const candidate =
    document?.schema === 'referee.scores' && document.calibrator !== undefined
      ? document.calibrator
      : document?.schema === 'referee.evaluation' && document.calibration?.calibrator !== undefined
        ? document.calibration.calibrator
        : parsed;
  const result = CalibratorSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CalibratorImportError(`not a valid Referee calibrator (${CALIBRATOR_SCHEMA_ID} v${CALIBRATOR_SCHEMA_VERSION}): ${issue ? `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}` : 'unknown problem'}`);
  }
  return result.data;
}

