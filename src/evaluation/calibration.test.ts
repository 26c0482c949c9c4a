import { describe, expect, it } from 'vitest';
import {
  applyCalibrator,
  calibrate,
  calibrationWorsened,
  CalibratorImportError,
  describeCalibrator,
  fitIsotonic,
  fitPlatt,
  ISOTONIC_MIN_FIT,
  parseCalibrator,
  reliability,
  splitIndices,
  type CalibrationInput,
  type CalibrationOptions,
} from './calibration';
import { mulberry32 } from './statistics';

const OPTIONS: CalibrationOptions = {
  settings: { threshold: 5.5, comparison: '>' },
  file: 'labelled.jsonl',
  model: { id: 'tiny-varied-qwen2', revision: null, dtype: 'q4', device: 'cpu' },
  profile: 'paper',
  now: new Date('2026-11-25T12:00:00Z'),
};

/** n ideas whose true acceptance rate is p² (the raw P(accept) overstates), drawn with a fixed seed. */
function overconfident(n: number, seed = 3): CalibrationInput[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const p = random();
    return { pAccept: p, label: random() < p * p };
  });
}

describe('Platt scaling', () => {
  it('two raw values, 3+/1− at 0.75 and 1+/3− at 0.25: smoothed targets give 2/3 and 1/3 exactly (a = ln2/ln3, b = 0)', () => {
    const p = [0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25];
    const y = [true, true, true, false, true, false, false, false];
    // Targets: (4+1)/(4+2) = 5/6 and 1/(4+2) = 1/6; the group means are 2/3 and 1/3.
    const { a, b } = fitPlatt(p, y);
    expect(a).toBeCloseTo(Math.log(2) / Math.log(3), 8);
    expect(b).toBeCloseTo(0, 8);
  });

  it('a constant raw probability maps to the mean smoothed target; a separable set stays finite', () => {
    const { a, b } = fitPlatt([0.7, 0.7, 0.7, 0.7], [true, true, false, false]);
    const z = a * Math.log(0.7 / 0.3) + b;
    expect(1 / (1 + Math.exp(-z))).toBeCloseTo(0.5, 8);
    const separable = fitPlatt([0.9, 0.8, 0.2, 0.1], [true, true, false, false]);
    expect(Number.isFinite(separable.a) && separable.a > 0).toBe(true);
  });
});

describe('isotonic regression (pool adjacent violators)', () => {
  it('pools a violating pair and interpolates between breakpoints', () => {
    const fit = fitIsotonic([0.1, 0.2, 0.3, 0.4], [false, true, false, true]);
    expect(fit).toEqual({ x: [0.1, 0.2, 0.3, 0.4], y: [0, 0.5, 0.5, 1] });
    const cal = { fit: { method: 'isotonic' as const, ...fit } } as Parameters<typeof applyCalibrator>[0];
    expect(applyCalibrator(cal, 0.05)).toBe(0);
    expect(applyCalibrator(cal, 0.25)).toBe(0.5);
    expect(applyCalibrator(cal, 0.35)).toBeCloseTo(0.75, 12);
    expect(applyCalibrator(cal, 0.9)).toBe(1);
  });

  it('pools equal raw values first (ties), then violators', () => {
    expect(fitIsotonic([0.5, 0.5, 0.5, 0.2], [true, false, false, true])).toEqual({ x: [0.2, 0.5], y: [0.5, 0.5] });
    expect(fitIsotonic([0.3, 0.3, 0.6], [true, false, true])).toEqual({ x: [0.3, 0.6], y: [0.5, 1] });
  });
});

describe('reliability', () => {
  it('bins, ECE and Brier by hand', () => {
    const r = reliability([0.05, 0.15, 0.12, 0.95], [false, true, false, true]);
    expect(r.bins[1]).toMatchObject({ low: 0.1, high: 0.2, count: 2, observedRate: 0.5 });
    expect(r.bins[1]!.meanPredicted).toBeCloseTo(0.135, 12);
    expect(r.bins[5]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
    expect(r.bins[9]!.count).toBe(1);
    expect(r.ece).toBeCloseTo(0.2075, 12);
    expect(r.brier).toBeCloseTo(0.185475, 12);
    expect(reliability([], [])).toMatchObject({ n: 0, ece: null, brier: null });
    expect(reliability([1], [true]).bins[9]!.count).toBe(1);
  });
});

describe('the seeded split', () => {
  it('is stratified, deterministic, and leaves each class in both parts', () => {
    const labels = [true, false, true, true, false, false, true, false, false, true, true];
    const a = splitIndices(labels, 7, 0.5);
    expect(splitIndices(labels, 7, 0.5)).toEqual(a);
    expect([...a.train, ...a.heldOut].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(a.train.filter((i) => labels[i]).length).toBe(3); // round(0.5 · 6)
    expect(a.train.filter((i) => !labels[i]).length).toBe(3); // round(0.5 · 5) = 3
    expect(splitIndices(labels, 8, 0.5)).not.toEqual(a);
    const tiny = splitIndices([true, true, false, false], 1, 0.9);
    expect(tiny.heldOut.length).toBe(2);
  });
});

describe('fitting a calibrator on a labelled set', () => {
  it('too small, or one class: a clear message, not a fit', () => {
    const nine = overconfident(9);
    expect(calibrate(nine, OPTIONS)).toEqual({ ok: false, message: 'Calibration needs at least 10 scored, labelled ideas (has 9).' });
    const oneClass = Array.from({ length: 12 }, (_, i) => ({ pAccept: i / 12, label: true }));
    const result = calibrate(oneClass, OPTIONS);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/at least 2 positive and 2 negative ideas, .* \(has 12 positive, 0 negative\)/);
    const unscored = [...overconfident(8), { pAccept: null, label: true }, { pAccept: null, label: false }];
    expect(calibrate(unscored, OPTIONS)).toMatchObject({ ok: false, message: expect.stringMatching(/has 8/) });
  });

  it('a set too small for isotonic: isotonic asked for, Platt fitted, and the note says why', () => {
    const result = calibrate(overconfident(40), { ...OPTIONS, method: 'isotonic' });
    if (!result.ok) throw new Error(result.message);
    expect(result.report.calibrator.fit.method).toBe('platt');
    expect(result.report.notes).toEqual([`Isotonic regression needs at least ${ISOTONIC_MIN_FIT} ideas in the fitting part (has 21); fitted Platt scaling instead.`]);
  });

  it('auto: isotonic from 50 fitted ideas; held-out calibration improves on an overconfident model', () => {
    const inputs = overconfident(400);
    const result = calibrate(inputs, OPTIONS);
    if (!result.ok) throw new Error(result.message);
    const { calibrator, heldOut, notes } = result.report;
    expect(calibrator.fit.method).toBe('isotonic');
    expect(notes[0]).toMatch(/^Isotonic regression: the fitting part has 201 ideas \(≥ 50\)\.$/);
    expect(calibrator.fittedOn).toMatchObject({
      file: 'labelled.jsonl',
      n: 201,
      heldOut: 199,
      threshold: 5.5,
      comparison: '>',
      profile: 'paper',
      model: { id: 'tiny-varied-qwen2', dtype: 'q4' },
      split: { seed: 20250725, trainFraction: 0.5 },
      fittedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(calibrator.fittedOn.n + calibrator.fittedOn.heldOut).toBe(400);
    expect(heldOut.after.brier!).toBeLessThan(heldOut.before.brier!);
    expect(heldOut.after.ece!).toBeLessThan(heldOut.before.ece!);
    const platt = calibrate(inputs, { ...OPTIONS, method: 'platt' });
    if (!platt.ok) throw new Error(platt.message);
    expect(platt.report.heldOut.after.brier!).toBeLessThan(platt.report.heldOut.before.brier!);
    expect(describeCalibrator(platt.report.calibrator)).toBe(
      'Platt scaling fitted on 201 labelled ideas (' +
        `${platt.report.calibrator.fittedOn.positives} positive) from labelled.jsonl, scored by tiny-varied-qwen2 (q4, cpu, paper prompt), ` +
        'P(score > 5.5); checked on 199 held-out ideas; 2026-11-25',
    );
  });

  it('exported and re-imported, a calibrator gives the very same probabilities (both methods)', () => {
    for (const method of ['platt', 'isotonic'] as const) {
      const result = calibrate(overconfident(200), { ...OPTIONS, method });
      if (!result.ok) throw new Error(result.message);
      const calibrator = result.report.calibrator;
      const back = parseCalibrator(JSON.stringify(calibrator, null, 2));
      expect(back).toEqual(calibrator);
      for (let p = 0; p <= 1.0000001; p += 0.01) expect(applyCalibrator(back, p)).toBe(applyCalibrator(calibrator, p));
      expect(result.report.heldOutPoints.every((pt) => applyCalibrator(back, pt.raw) === pt.calibrated)).toBe(true);
    }
  });

  it('a file that is not a calibrator is refused with the reason', () => {
    expect(() => parseCalibrator('{')).toThrow(CalibratorImportError);
    expect(() => parseCalibrator('{"schema":"referee.scores","version":1}')).toThrow(/not a valid Referee calibrator \(referee\.calibrator v1\): schema/);
    const result = calibrate(overconfident(200), { ...OPTIONS, method: 'isotonic' });
    if (!result.ok) throw new Error(result.message);
    const broken = structuredClone(result.report.calibrator) as { fit: { y: number[] } };
    broken.fit.y.reverse();
    expect(() => parseCalibrator(JSON.stringify(broken))).toThrow(/breakpoints must ascend/);
  });
});

describe('a calibrator that made things worse', () => {
  const reliability = (ece: number | null, brier: number | null) => ({ n: 6, bins: [], ece, brier });
  it('is named, with what got worse; one that helped or changed nothing is not', () => {
    expect(calibrationWorsened({ heldOut: { before: reliability(0.22, 0.2), after: reliability(0.4, 0.19) } })).toBe('ECE 0.22 → 0.40');
    expect(calibrationWorsened({ heldOut: { before: reliability(0.22, 0.2), after: reliability(0.4, 0.3) } })).toBe('ECE 0.22 → 0.40, Brier 0.20 → 0.30');
    expect(calibrationWorsened({ heldOut: { before: reliability(0.22, 0.2), after: reliability(0.1, 0.2) } })).toBeNull();
    expect(calibrationWorsened({ heldOut: { before: reliability(null, null), after: reliability(null, null) } })).toBeNull();
  });
});
