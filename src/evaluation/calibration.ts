/**
 * Calibrating P(accept): the model's P(score ⋛ threshold) is not calibrated odds. On a labelled set, part
 * of the ideas (a seeded, stratified split) fit a calibrator, Platt scaling or isotonic regression, and the
 * rest (held out) show the reliability before and after. The fitted calibrator is a versioned JSON document
 * (`referee.calibrator` v1) that records what it was fitted on, so nothing calibrated is shown without it.
 * Pure logic; no DOM, no I/O.
 */
import { CALIBRATOR_SCHEMA_ID, CALIBRATOR_SCHEMA_VERSION, CalibratorSchema, type Calibrator } from '../scoring/calibrator-schema';
import { applyCalibrator, calibratedPAccept, CalibratorImportError, describeCalibrator, interpolate, logit, parseCalibrator, sigmoid } from '../scoring/calibrator';
import { pAbove, type Comparison } from '../scoring/score-stats';
import type { ScoreResult } from '../scoring/scored-idea';
import { labelRuleText, type EvaluationSettings } from './metrics';
import { mulberry32, shuffled } from './statistics';

export type CalibrationMethod = 'platt' | 'isotonic';
export type RequestedMethod = CalibrationMethod | 'auto';

/** Isotonic regression is fitted only on at least this many labelled ideas (the fitting part); else Platt. */
export const ISOTONIC_MIN_FIT = 50;
/** Calibration needs at least this many labelled, scored ideas, and at least 2 of each class. */
export const MIN_CALIBRATION_IDEAS = 10;
export const MIN_PER_CLASS = 2;
/** Half the set fits, half is held out; the split is stratified by class and seeded. */
export const DEFAULT_SPLIT = { seed: 20250725, trainFraction: 0.5 } as const;
/** Raw probabilities are clipped to [ε, 1 − ε] before the logit. */
export const PLATT_EPSILON = 1e-6;
export const RELIABILITY_BINS = 10;

// ---------------------------------------------------------------------------------------------
// Split

/**
 * A stratified, seeded split: each class is shuffled with one PRNG (positives first) and its first
 * round(fraction × size) ideas, at least 1 and at most size − 1, go to the fitting part. Indices ascend.
 */
export function splitIndices(labels: readonly boolean[], seed: number, trainFraction: number): { train: number[]; heldOut: number[] } {
  const random = mulberry32(seed);
  const train: number[] = [];
  const heldOut: number[] = [];
  for (const cls of [true, false]) {
    const members = shuffled(
      labels.flatMap((label, i) => (label === cls ? [i] : [])),
      random,
    );
    const k = Math.min(members.length - 1, Math.max(1, Math.round(trainFraction * members.length)));
    train.push(...members.slice(0, k));
    heldOut.push(...members.slice(k));
  }
  return { train: train.sort((a, b) => a - b), heldOut: heldOut.sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------------------------
// Platt scaling

/** log(1 + e^z), without overflow. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/**
 * Platt scaling: calibrated = σ(a·logit(p) + b), fitted by Newton's method with a backtracking line search
 * (Lin, Lin & Weng's robust form of Platt's algorithm) to Platt's smoothed targets, (N₊ + 1)/(N₊ + 2) for
 * positives and 1/(N₋ + 2) for negatives, so a separable set does not drive the slope to infinity.
 */
export function fitPlatt(probabilities: readonly number[], labels: readonly boolean[], epsilon = PLATT_EPSILON): { a: number; b: number } {
  const x = probabilities.map((p) => logit(p, epsilon));
  const nPos = labels.filter(Boolean).length;
  const nNeg = labels.length - nPos;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (nNeg + 2);
  const t = labels.map((l) => (l ? hi : lo));
  const objective = (a: number, b: number) => x.reduce((s, xi, i) => s + t[i]! * softplus(-(a * xi + b)) + (1 - t[i]!) * softplus(a * xi + b), 0);
  let a = 0;
  let b = Math.log((nPos + 1) / (nNeg + 1));
  let f = objective(a, b);
  const sigma = 1e-12;
  for (let iteration = 0; iteration < 100; iteration++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < x.length; i++) {
      const q = sigmoid(a * x[i]! + b);
      const w = q * (1 - q);
      h11 += x[i]! * x[i]! * w;
      h22 += w;
      h21 += x[i]! * w;
      const d = q - t[i]!;
      g1 += x[i]! * d;
      g2 += d;
    }
    if (Math.abs(g1) < 1e-10 && Math.abs(g2) < 1e-10) break;
    const det = h11 * h22 - h21 * h21;
    const da = -(h22 * g1 - h21 * g2) / det;
    const db = -(-h21 * g1 + h11 * g2) / det;
    const descent = g1 * da + g2 * db;
    let step = 1;
    let moved = false;
    while (step >= 1e-10) {
      const na = a + step * da;
      const nb = b + step * db;
      const nf = objective(na, nb);
      if (nf < f + 1e-4 * step * descent) {
        a = na;
        b = nb;
        f = nf;
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return { a, b };
}

// ---------------------------------------------------------------------------------------------
// Isotonic regression

/**
 * Isotonic regression by pool-adjacent-violators: the non-decreasing step function of p that best fits the
 * labels in squared error. Equal p values are pooled first. Returned as breakpoints (x ascending, y
 * non-decreasing): each block contributes its lowest and highest p; between breakpoints the calibrator
 * interpolates linearly, outside them it holds the end value.
 */
export function fitIsotonic(probabilities: readonly number[], labels: readonly boolean[]): { x: number[]; y: number[] } {
  const order = probabilities.map((p, i) => [p, labels[i] ? 1 : 0] as const).sort((a, b) => a[0] - b[0]);
  // Blocks of [xMin, xMax, sum of y, weight].
  const blocks: [number, number, number, number][] = [];
  for (const [p, y] of order) {
    const last = blocks[blocks.length - 1];
    if (last && last[1] === p) {
      last[2] += y;
      last[3] += 1;
    } else blocks.push([p, p, y, 1]);
    while (blocks.length >= 2) {
      const b2 = blocks[blocks.length - 1]!;
      const b1 = blocks[blocks.length - 2]!;
      if (b1[2] / b1[3] <= b2[2] / b2[3]) break;
      blocks.splice(blocks.length - 2, 2, [b1[0], b2[1], b1[2] + b2[2], b1[3] + b2[3]]);
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const [lo, hi, sum, weight] of blocks) {
    x.push(lo);
    y.push(sum / weight);
    if (hi !== lo) {
      x.push(hi);
      y.push(sum / weight);
    }
  }
  return { x, y };
}

// ---------------------------------------------------------------------------------------------
// Reliability

export interface ReliabilityBin {
  readonly low: number;
  readonly high: number;
  readonly count: number;
  /** null for an empty bin. */
  readonly meanPredicted: number | null;
  readonly observedRate: number | null;
}

export interface Reliability {
  readonly n: number;
  readonly bins: ReliabilityBin[];
  /** Expected calibration error: Σ (count / n)·|mean predicted − observed rate| over the bins. */
  readonly ece: number | null;
  /** Mean (p − y)². */
  readonly brier: number | null;
}

/** Equal-width bins over [0, 1] (the last includes 1), with ECE and the Brier score. */
export function reliability(probabilities: readonly number[], labels: readonly boolean[], binCount = RELIABILITY_BINS): Reliability {
  const sums = Array.from({ length: binCount }, () => ({ count: 0, p: 0, y: 0 }));
  probabilities.forEach((p, i) => {
    const bin = sums[Math.min(binCount - 1, Math.max(0, Math.floor(p * binCount)))]!;
    bin.count++;
    bin.p += p;
    bin.y += labels[i] ? 1 : 0;
  });
  const n = probabilities.length;
  const bins = sums.map((s, i) => ({
    low: i / binCount,
    high: (i + 1) / binCount,
    count: s.count,
    meanPredicted: s.count ? s.p / s.count : null,
    observedRate: s.count ? s.y / s.count : null,
  }));
  if (n === 0) return { n, bins, ece: null, brier: null };
  const ece = sums.reduce((e, s) => e + (s.count ? (s.count / n) * Math.abs(s.p / s.count - s.y / s.count) : 0), 0);
  const brier = probabilities.reduce((b, p, i) => b + (p - (labels[i] ? 1 : 0)) ** 2, 0) / n;
  return { n, bins, ece, brier };
}

// ---------------------------------------------------------------------------------------------
// The stored calibrator: applying one is scoring's (src/scoring/calibrator.ts); re-exported for the
// evaluation's users.

export { applyCalibrator, calibratedPAccept, CALIBRATOR_SCHEMA_ID, CALIBRATOR_SCHEMA_VERSION, CalibratorImportError, CalibratorSchema, describeCalibrator, parseCalibrator, type Calibrator };

// ---------------------------------------------------------------------------------------------
// Fitting on a labelled set

export interface CalibrationInput {
  /** Raw P(accept) at the settings' threshold; null when the idea has no score. */
  readonly pAccept: number | null;
  readonly label: boolean;
}

export interface CalibrationOptions {
  readonly method?: RequestedMethod;
  readonly seed?: number;
  readonly trainFraction?: number;
  readonly settings: EvaluationSettings;
  readonly file: string | null;
  readonly model: Calibrator['fittedOn']['model'];
  readonly profile: 'paper' | 'agent';
  readonly now?: Date;
}

export interface CalibrationReport {
  readonly calibrator: Calibrator;
  readonly heldOut: { readonly before: Reliability; readonly after: Reliability };
  /** Held-out raw and calibrated probabilities with their labels (for charts). */
  readonly heldOutPoints: { readonly raw: number; readonly calibrated: number; readonly label: boolean }[];
  /** Why the method differs from the one asked for, if it does. */
  readonly notes: string[];
}

/**
 * Whether the calibrator made the held-out ideas' P(accept) better calibrated, or at least no worse, by ECE
 * and by the Brier score. A calibrator that made either worse is not put in use unless the user insists.
 */
export function calibrationWorsened(report: Pick<CalibrationReport, 'heldOut'>): string | null {
  const { before, after } = report.heldOut;
  const worse: string[] = [];
  if (before.ece !== null && after.ece !== null && after.ece > before.ece) worse.push(`ECE ${before.ece.toFixed(2)} → ${after.ece.toFixed(2)}`);
  if (before.brier !== null && after.brier !== null && after.brier > before.brier) worse.push(`Brier ${before.brier.toFixed(2)} → ${after.brier.toFixed(2)}`);
  return worse.length > 0 ? worse.join(', ') : null;
}

export type CalibrationOutcome = { readonly ok: true; readonly report: CalibrationReport } | { readonly ok: false; readonly message: string };

/**
 * Fits a calibrator on a seeded, stratified part of the scored, labelled ideas and checks it on the rest.
 * `auto` picks isotonic regression when the fitting part has at least ISOTONIC_MIN_FIT ideas, Platt scaling
 * otherwise; `isotonic` on fewer falls back to Platt with a note.
 */
export function calibrate(inputs: readonly CalibrationInput[], options: CalibrationOptions): CalibrationOutcome {
  const usable = inputs.filter((i): i is CalibrationInput & { pAccept: number } => i.pAccept !== null);
  const positives = usable.filter((i) => i.label).length;
  const negatives = usable.length - positives;
  if (usable.length < MIN_CALIBRATION_IDEAS) {
    return { ok: false, message: `Calibration needs at least ${MIN_CALIBRATION_IDEAS} scored, labelled ideas (has ${usable.length}).` };
  }
  if (positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS) {
    return {
      ok: false,
      message: `Calibration needs at least ${MIN_PER_CLASS} positive and ${MIN_PER_CLASS} negative ideas, so that both the fitting and the held-out part have each (has ${positives} positive, ${negatives} negative).`,
    };
  }
  const seed = options.seed ?? DEFAULT_SPLIT.seed;
  const trainFraction = options.trainFraction ?? DEFAULT_SPLIT.trainFraction;
  const labels = usable.map((i) => i.label);
  const split = splitIndices(labels, seed, trainFraction);
  const trainP = split.train.map((i) => usable[i]!.pAccept);
  const trainY = split.train.map((i) => labels[i]!);
  const notes: string[] = [];
  const requested = options.method ?? 'auto';
  let method: CalibrationMethod = requested === 'platt' ? 'platt' : trainP.length >= ISOTONIC_MIN_FIT ? 'isotonic' : 'platt';
  if (requested === 'isotonic' && method === 'platt') {
    notes.push(`Isotonic regression needs at least ${ISOTONIC_MIN_FIT} ideas in the fitting part (has ${trainP.length}); fitted Platt scaling instead.`);
  } else if (requested === 'auto') {
    notes.push(
      method === 'isotonic'
        ? `Isotonic regression: the fitting part has ${trainP.length} ideas (≥ ${ISOTONIC_MIN_FIT}).`
        : `Platt scaling: the fitting part has ${trainP.length} ideas, fewer than the ${ISOTONIC_MIN_FIT} isotonic regression needs.`,
    );
  }
  const fit: Calibrator['fit'] = method === 'platt' ? { method, ...fitPlatt(trainP, trainY), epsilon: PLATT_EPSILON } : { method, ...fitIsotonic(trainP, trainY) };
  if (new Set(trainP).size === 1) notes.push('Every fitted idea has the same raw P(accept): the calibrator maps everything to one value.');

  const heldP = split.heldOut.map((i) => usable[i]!.pAccept);
  const heldY = split.heldOut.map((i) => labels[i]!);
  const draft = { fit, fittedOn: { threshold: options.settings.threshold, comparison: options.settings.comparison } };
  const apply = (p: number) => applyCalibrator(draft as Calibrator, p);
  const calibratedHeld = heldP.map(apply);
  const before = reliability(heldP, heldY);
  const after = reliability(calibratedHeld, heldY);
  const calibrator: Calibrator = {
    schema: CALIBRATOR_SCHEMA_ID,
    version: CALIBRATOR_SCHEMA_VERSION,
    input: 'pAccept',
    fit,
    fittedOn: {
      file: options.file,
      n: trainP.length,
      positives: trainY.filter(Boolean).length,
      heldOut: heldP.length,
      heldOutPositives: heldY.filter(Boolean).length,
      labelRule: labelRuleText(options.settings),
      model: options.model,
      profile: options.profile,
      threshold: options.settings.threshold,
      comparison: options.settings.comparison as Comparison,
      split: { seed, trainFraction },
      fittedAt: (options.now ?? new Date()).toISOString(),
    },
    heldOut: { before: { ece: before.ece, brier: before.brier }, after: { ece: after.ece, brier: after.brier } },
  };
  return {
    ok: true,
    report: {
      calibrator,
      heldOut: { before, after },
      heldOutPoints: heldP.map((raw, i) => ({ raw, calibrated: calibratedHeld[i]!, label: heldY[i]! })),
      notes,
    },
  };
}
