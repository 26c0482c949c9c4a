import { describe, expect, it } from 'vitest';
import { exportCsv, exportJson, exportJsonl, type IdeaEntry } from '../scoring/idea-list';
import { DEFAULT_DECISION } from '../scoring/score-stats';
import { ExportSchema, ScoredIdeaLineSchema } from '../scoring/scored-idea';
import { scoreResultOf } from '../../test/support/score-result';
import { applyCalibrator, calibrate, parseCalibrator, type Calibrator } from './calibration';
import { evaluationDocument } from './report-document';
import { evaluate } from './metrics';
import { mulberry32 } from './statistics';

const result = scoreResultOf(
  [
    { score: 7.5, probability: 0.7 },
    { score: 5, probability: 0.2 },
    { score: 4.5, probability: 0.1 },
  ],
  7.5,
  { id: 'tiny-planted-qwen2', revision: null, dtype: 'q4', device: 'cpu' },
  '2026-11-25T00:00:00.000Z',
);
const entries: IdeaEntry[] = [
  { id: 'a', text: 'Scored.', status: 'scored', result },
  { id: 'b', text: 'Failed.', status: 'failed', error: { code: 'too-long', message: 'too long' } },
];
const settings = { ...DEFAULT_DECISION };

function aCalibrator(): Calibrator {
  const random = mulberry32(5);
  const inputs = Array.from({ length: 40 }, () => {
    const p = random();
    return { pAccept: p, label: random() < p * p };
  });
  const fitted = calibrate(inputs, {
    settings: { threshold: 5.5, comparison: '>' },
    file: 'mine.csv',
    model: result.provenance.model,
    profile: 'paper',
    now: new Date('2026-11-25T00:00:00Z'),
  });
  if (!fitted.ok) throw new Error(fitted.message);
  return fitted.report.calibrator;
}

describe('calibrated P(accept) in the exports (only when opted in)', () => {
  it('without a calibrator the exports are as before: no calibrated field, no extra CSV columns', () => {
    const json = exportJson(entries, settings, new Date('2026-11-25T00:00:00Z'));
    expect(json).not.toHaveProperty('calibrator');
    expect(json.ideas[0]).not.toHaveProperty('calibratedPAccept');
    expect(exportCsv(entries, settings).split('\n')[0]).toBe(
      '\uFEFF' +
      'id,title,text,status,greedy,expected,spread,p_accept,decision,threshold,comparison,decided_by,model,dtype,device,profile,error,signals,flagged_text_moved,raises_most,lowers_most,distribution,coverage',
    );
  });

  it('with one, JSON carries the calibrator and each scored idea its calibrated P(accept); JSONL and CSV say what it was fitted on', () => {
    const calibrator = aCalibrator();
    const expected = applyCalibrator(calibrator, 0.7);
    const json = ExportSchema.parse(JSON.parse(JSON.stringify(exportJson(entries, settings, new Date(), calibrator))));
    expect(json.calibrator).toEqual(calibrator);
    expect(json.ideas[0]!.calibratedPAccept).toBe(expected);
    expect(json.ideas[1]).not.toHaveProperty('calibratedPAccept');
    // The export, imported as a calibrator, is the same calibrator.
    expect(parseCalibrator(JSON.stringify(json))).toEqual(calibrator);

    const lines = exportJsonl(entries, settings, calibrator).trim().split('\n').map((l) => ScoredIdeaLineSchema.parse(JSON.parse(l)));
    expect(lines[0]).toMatchObject({ calibratedPAccept: expected, calibratedBy: expect.stringMatching(/^Platt scaling fitted on 20 labelled ideas .* from mine\.csv/) });
    expect(lines[1]).not.toHaveProperty('calibratedBy');

    const csv = exportCsv(entries, settings, calibrator).split('\n');
    expect(csv[0]).toMatch(/,error,signals,flagged_text_moved,raises_most,lowers_most,distribution,coverage,p_accept_calibrated,calibrated_by$/);
    expect(csv[1]).toContain(`,${expected},"Platt scaling fitted on 20 labelled ideas`);
    expect(csv[2]).toMatch(/,too long,,,,,,,,$/);
  });

  it('an evaluation report that carries a calibrator imports as that calibrator', () => {
    const calibrator = aCalibrator();
    const report = evaluate([{ rating: 7, greedy: 7, expected: 7, pAccept: 0.7 }]);
    const document = evaluationDocument({
      file: 'mine.csv',
      model: null,
      profile: null,
      report,
      labelled: [{ idea: { text: 'x' }, rating: 7, where: 'row 2' }],
      items: [{ rating: 7, greedy: 7, expected: 7, pAccept: 0.7 }],
      skipped: [],
      calibration: { ok: true, report: { calibrator, heldOut: { before: { n: 0, bins: [], ece: null, brier: null }, after: { n: 0, bins: [], ece: null, brier: null } }, heldOutPoints: [], notes: [] } },
    });
    expect(parseCalibrator(JSON.stringify(document))).toEqual(calibrator);
  });
});
