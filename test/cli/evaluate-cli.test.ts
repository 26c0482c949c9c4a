import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/evaluate';
import { applyCalibrator, calibrate, parseCalibrator } from '../../src/evaluation/calibration';
import { binaryLabel, parseLabelledSet } from '../../src/evaluation/labelled-set';
import { evaluate, toEvaluationItems, PAPER_SETTINGS } from '../../src/evaluation/metrics';
import { loadScorer } from '../../src/engine/load-scorer';
import { useModelSource } from '../../src/models/node/node-model-source';
import { LABELLED_JSONL } from '../../src/fixtures/labelled-ideas';

const VARIED = resolve('.fixtures/tiny-varied-qwen2');
const PLANTED = resolve('.fixtures/tiny-planted-qwen2');

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdin: async () => new Uint8Array() });
  return { code, stdout, stderr };
}

let dir = '';
let labelledFile = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'referee-evaluate-'));
  labelledFile = join(dir, 'labelled.jsonl');
  await writeFile(labelledFile, LABELLED_JSONL);
});

describe('npm run evaluate', () => {
  it('--json: the report is what the core computes from the engine\'s own scores; --calibrate writes a calibrator that reproduces its numbers', async () => {
    const out = join(dir, 'calibrator.json');
    const { code, stdout, stderr } = await run(['--model', VARIED, '--dtype', 'q4', '--json', '--calibrate', out, labelledFile]);
    expect(stderr).toMatch(/16 of 16 labelled ideas scored/);
    expect(code).toBe(0);
    const document = JSON.parse(stdout);
    expect(document).toMatchObject({ schema: 'referee.evaluation', version: 1, file: 'labelled.jsonl', model: { id: 'tiny-varied-qwen2', dtype: 'q4', device: 'cpu' }, profile: 'paper' });

    // The same ideas scored by the engine directly, evaluated by the core.
    const labelled = parseLabelledSet(LABELLED_JSONL, { format: 'jsonl' }).items;
    await useModelSource(VARIED);
    const scorer = await loadScorer('tiny-varied-qwen2', { dtype: 'q4', device: 'cpu' });
    const outcomes = await scorer.scoreAll(labelled.map((l) => l.idea));
    await scorer.dispose();
    const items = toEvaluationItems(labelled, outcomes.map((o) => (o.ok ? o.result : null)), PAPER_SETTINGS);
    expect(JSON.parse(JSON.stringify(evaluate(items)))).toEqual(document.report);
    expect(document.report.counts).toEqual({ ideas: 16, scored: 16, withRating: 14, withOutcome: 4, positives: 8, negatives: 8 });
    expect(document.report.expected.accuracy.n).toBe(16);
    expect(document.report.expected.auroc.value).not.toBeNull();

    const calibrator = parseCalibrator(await readFile(out, 'utf8'));
    expect(calibrator).toEqual(document.calibration.calibrator);
    expect(calibrator.fit.method).toBe('platt');
    expect(calibrator.fittedOn).toMatchObject({ file: 'labelled.jsonl', n: 8, heldOut: 8, model: { id: 'tiny-varied-qwen2', dtype: 'q4' }, threshold: 5.5 });
    const again = calibrate(
      items.map((i) => ({ pAccept: i.pAccept, label: binaryLabel(i) })),
      { settings: PAPER_SETTINGS, file: 'labelled.jsonl', model: calibrator.fittedOn.model, profile: 'paper' },
    );
    if (!again.ok) throw new Error(again.message);
    expect(again.report.calibrator.fit).toEqual(calibrator.fit);
    for (const item of items) expect(applyCalibrator(calibrator, item.pAccept!)).toBe(applyCalibrator(again.report.calibrator, item.pAccept!));
  });

  it('prints a table by default; a constant greedy score (the planted model) explains Spearman instead of NaN', async () => {
    const { code, stdout } = await run(['--model', PLANTED, '--dtype', 'fp32', labelledFile]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Model tiny-planted-qwen2 \(fp32, cpu\), paper prompt, on labelled\.jsonl\./);
    expect(stdout).toMatch(/16 labelled ideas \(16 scored; 14 with a rating, 4 with an outcome\); 8 positive, 8 negative/);
    // Every greedy score is 7.5 (pass): accuracy is the share of positives, 8/16.
    expect(stdout).toMatch(/Accuracy\s+50\.0% \[28\.0%, 72\.0%\]\s+16/);
    expect(stdout).toMatch(/Spearman vs rating\s+— \(undefined: every greedy score is the same \(7\.5\), so there is no ranking\)/);
    expect(stdout).not.toMatch(/NaN/);
  });

  it('rows without a valid label are reported by row and make the exit code 1; a too-small set gets no calibrator', async () => {
    const file = join(dir, 'some-bad.csv');
    await writeFile(file, 'title,text,rating,outcome\nA,First idea.,7,\nB,Second idea.,,\nC,Third idea.,12,\nD,Fourth idea.,,maybe\nE,Fifth idea.,3,reject\n');
    const out = join(dir, 'never.json');
    const { code, stdout, stderr } = await run(['--model', PLANTED, '--calibrate', out, file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/skipped row 3: no label/);
    expect(stderr).toMatch(/skipped row 4: the "rating" 12 is outside 1–10/);
    expect(stderr).toMatch(/skipped row 5: the "outcome" "maybe" is not one of/);
    expect(stderr).toMatch(/no calibrator written: Calibration needs at least 10 scored, labelled ideas \(has 2\)/);
    expect(stderr).toMatch(/2 of 2 labelled ideas scored, 3 rows skipped/);
    expect(stdout).toMatch(/2 labelled ideas/);
    await expect(readFile(out)).rejects.toThrow();
  });

  it('usage errors exit 2; an unreadable set exits 1', async () => {
    expect((await run([labelledFile])).code).toBe(2);
    expect((await run(['--model', PLANTED, '--method', 'magic', labelledFile])).code).toBe(2);
    const text = join(dir, 'plain.txt');
    await writeFile(text, 'An idea.\n');
    const { code, stderr } = await run(['--model', PLANTED, text]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/plain text has no labels/);
  });
});

afterAll(() => undefined);
