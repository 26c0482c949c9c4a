import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Download, Page } from '@playwright/test';
import { useModelSource } from '../src/models/node/node-model-source';
import { applyCalibrator, calibrate, parseCalibrator } from '../src/evaluation/calibration';
import { binaryLabel, parseLabelledSet } from '../src/evaluation/labelled-set';
import { evaluate, METRIC_NAMES, PAPER_SETTINGS, toEvaluationItems, type EvaluationItem, type EvaluationReport } from '../src/evaluation/metrics';
import type { EvaluationDocument } from '../src/evaluation/report-document';
import { formatMetric } from '../src/evaluation/report-text';
import { ExportSchema } from '../src/scoring/scored-idea';
import { loadScorer } from '../src/engine/load-scorer';
import { LABELLED_IDEAS, LABELLED_JSONL } from '../src/fixtures/labelled-ideas';
import { expect, test } from './fixtures';
import { VARIED_DTYPE } from './ideas';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
const SCORE_TIMEOUT = 240_000;

const readDownload = async (download: Download) => readFileSync((await download.path())!);

async function download(page: Page, button: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button, exact: true }).click()]);
  return readDownload(file);
}

/** The labelled set scored by the engine in Node (what `npm run evaluate` does), evaluated by the core. */
let node: { items: EvaluationItem[]; report: EvaluationReport };

test.describe.configure({ timeout: 600_000 });

test.beforeAll(async ({}, testInfo) => {
  if (testInfo.project.name !== 'wasm') return;
  const labelled = parseLabelledSet(LABELLED_JSONL, { format: 'jsonl' }).items;
  const { id } = await useModelSource(path.join(FIXTURES_DIR, 'tiny-varied-qwen2'));
  const scorer = await loadScorer(id, { dtype: VARIED_DTYPE, device: 'cpu' });
  const outcomes = await scorer.scoreAll(labelled.map((l) => l.idea));
  await scorer.dispose();
  const items = toEvaluationItems(labelled, outcomes.map((o) => (o.ok ? o.result : null)), PAPER_SETTINGS);
  node = { items, report: evaluate(items, PAPER_SETTINGS) };
});

test.describe('evaluate and calibrate in the page', () => {
  test.skip(({ webgpu }) => webgpu, 'the labelled set is scored on WASM (SwiftShader WebGPU is too slow for sixteen ideas)');

  test('a labelled set scored in the page gives the metrics the core computes in Node; an exported calibrator re-imported gives the same probabilities', async ({ page }) => {
    await page.goto(`/?model=tiny-varied-qwen2&dtype=${VARIED_DTYPE}`);
    await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: SCORE_TIMEOUT });
    const panel = page.getByTestId('evaluate-panel');
    await panel.getByLabel('Labelled set (JSON, JSONL or CSV)').setInputFiles({ name: 'labelled.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(LABELLED_JSONL) });
    await expect(panel.getByTestId('eval-message')).toHaveText('Read 16 labelled ideas from labelled.jsonl.');
    await panel.getByRole('button', { name: 'Score the labelled set (16)' }).click();
    await expect(panel.getByTestId('eval-progress')).toHaveText('labelled.jsonl: 16 of 16 labelled ideas scored', { timeout: SCORE_TIMEOUT });
    await expect(panel.getByTestId('metrics-table')).toBeVisible();

    // Idea text is text: the one with markup shows it literally, and no element came of it.
    await expect(panel.getByTestId('eval-idea-text').nth(5)).toHaveText(LABELLED_IDEAS[5]!.text);
    await expect(panel.locator('[data-testid="labelled-table"] b')).toHaveCount(0);

    const doc = JSON.parse((await download(page, 'Export the report (JSON)')).toString('utf8')) as EvaluationDocument;
    expect(doc).toMatchObject({ schema: 'referee.evaluation', version: 1, file: 'labelled.jsonl', model: { id: 'tiny-varied-qwen2', dtype: VARIED_DTYPE, device: 'wasm' }, profile: 'paper' });
    const pageItems = doc.ideas.map(({ where: _w, id: _id, ...item }) => item as EvaluationItem);
    // The page's numbers are the core's numbers for the page's scores, to the last bit…
    expect(doc.report).toEqual(JSON.parse(JSON.stringify(evaluate(pageItems, PAPER_SETTINGS))));
    // …and its scores are the engine's in Node (WASM and onnxruntime-node differ in the last float bits).
    pageItems.forEach((item, i) => {
      const n = node.items[i]!;
      expect(item.greedy).toBe(n.greedy);
      expect(Math.abs(item.expected! - n.expected!)).toBeLessThan(1e-4);
      expect(Math.abs(item.pAccept! - n.pAccept!)).toBeLessThan(1e-4);
    });
    expect(doc.report.counts).toEqual(node.report.counts);
    for (const statistic of ['greedy', 'expected'] as const) {
      for (const name of METRIC_NAMES) {
        const shown = doc.report[statistic][name];
        const expected = node.report[statistic][name];
        expect(shown.n, `${statistic} ${name} n`).toBe(expected.n);
        expect(shown.message, `${statistic} ${name} message`).toBe(expected.message);
        for (const key of ['value', 'low', 'high'] as const) {
          if (expected[key] === null) expect(shown[key]).toBeNull();
          else expect(Math.abs(shown[key]! - expected[key]!), `${statistic} ${name} ${key}`).toBeLessThan(1e-3);
        }
        // The table shows the report as the CLI prints it.
        await expect(panel.getByTestId(`${name}-${statistic}`)).toHaveText(formatMetric(name, shown));
        await expect(panel.getByTestId(`${name}-${statistic}-n`)).toHaveText(String(shown.n));
      }
    }

    // The charts, as SVG and PNG.
    await expect(panel.getByRole('img', { name: /^ROC curve: greedy: AUROC/ })).toBeVisible();
    const svg = (await download(page, 'Download ROC curve as SVG')).toString('utf8');
    expect(svg).toMatch(/^<\?xml[^]*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*<polyline/);
    const png = await download(page, 'Download Score vs rating as PNG');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    // Calibration: fitted on the page's scores exactly as the core fits it.
    await panel.getByRole('button', { name: 'Fit a calibrator' }).click();
    await expect(panel.getByTestId('calibration-check')).toBeVisible();
    await expect(panel.getByTestId('calibrator-description')).toHaveText(
      /^Platt scaling fitted on 8 labelled ideas \(4 positive\) from labelled\.jsonl, scored by tiny-varied-qwen2 \(q4, wasm, paper prompt\), P\(score > 5\.5\); checked on 8 held-out ideas; \d{4}-\d\d-\d\d\.$/,
    );
    await expect(panel.getByTestId('calibrated-p')).toHaveCount(0); // not shown until asked
    await panel.getByLabel('Show calibrated P(accept)').check();
    await expect(panel.getByTestId('calibrated-p')).toHaveCount(16);
    await expect(panel.getByTestId('labelled-table').locator('caption')).toContainText('Calibrated P(accept): Platt scaling fitted on 8 labelled ideas');
    const shownCalibrated = async () => (await panel.getByTestId('calibrated-p').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).map(Number);
    const raw = (await panel.getByTestId('raw-p').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).map(Number);
    const before = await shownCalibrated();

    const [exportEvent] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export the calibrator' }).click()]);
    const exportedPath = (await exportEvent.path())!;
    const exported = parseCalibrator(readFileSync(exportedPath, 'utf8'));
    // In Node the same calibrator gives the same probabilities (up to the last bit of Math.exp between V8 builds).
    raw.forEach((p, i) => expect(Math.abs(applyCalibrator(exported, p) - before[i]!)).toBeLessThan(1e-12));
    const refit = calibrate(
      pageItems.map((item) => ({ pAccept: item.pAccept, label: binaryLabel(item) })),
      { settings: PAPER_SETTINGS, file: 'labelled.jsonl', model: exported.fittedOn.model, profile: 'paper' },
    );
    if (!refit.ok) throw new Error(refit.message);
    // Fitted again in Node on the page's scores: the same method and, within float noise, the same probabilities
    // (the Platt optimum is flat on so few ideas, so its parameters agree less closely than what they give).
    expect(refit.report.calibrator.fit.method).toBe(exported.fit.method);
    raw.forEach((p, i) => expect(Math.abs(applyCalibrator(refit.report.calibrator, p) - before[i]!)).toBeLessThan(1e-6));

    await panel.getByRole('button', { name: 'Remove the calibrator' }).click();
    await expect(panel.getByTestId('calibrated-p')).toHaveCount(0);
    await panel.getByLabel('Import a calibrator (JSON)').setInputFiles(exportedPath);
    await expect(panel.getByTestId('calibrator-description')).toContainText('Platt scaling fitted on 8 labelled ideas (4 positive) from labelled.jsonl');
    await panel.getByLabel('Show calibrated P(accept)').check();
    // Exported and imported in the page: the very same probabilities, bit for bit.
    expect(await shownCalibrated()).toEqual(before);

    // A reload keeps the scored set, its metrics and the calibrator in use.
    await page.reload();
    await expect(panel.getByTestId('eval-progress')).toHaveText('labelled.jsonl: 16 of 16 labelled ideas scored');
    await expect(panel.getByTestId('accuracy-greedy')).toHaveText(formatMetric('accuracy', doc.report.greedy.accuracy));
    expect(await shownCalibrated()).toEqual(before);

    // Opted in, the ideas list shows the calibrated P(accept) next to the raw one, says what it rests on, and
    // its export carries both with the calibrator.
    await page.getByLabel('Title (optional)').fill('Calibrated');
    await page.getByLabel('Idea (abstract or proposal)').fill('Route each token to 2 of 64 experts.');
    await page.getByRole('button', { name: 'Add and score' }).click();
    const row = page.getByTestId('idea-row').first();
    await expect(row).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });
    await expect(page.getByTestId('calibration-note')).toContainText('Calibrated P(accept): Platt scaling fitted on 8 labelled ideas (4 positive) from labelled.jsonl');
    await expect(row.getByTestId('p-accept')).toHaveText(/^\d+% · \d+% calibrated$/);
    const ideasExport = ExportSchema.parse(JSON.parse((await download(page, 'Export JSON')).toString('utf8')));
    expect(ideasExport.calibrator).toEqual(exported);
    const scoredIdea = ideasExport.ideas[0]!;
    expect(scoredIdea.calibratedPAccept).toBe(Number(await row.getByTestId('p-accept-calibrated').getAttribute('data-value')));
    expect(Math.abs(scoredIdea.calibratedPAccept! - applyCalibrator(exported, scoredIdea.result!.pAbove))).toBeLessThan(1e-12);
    await panel.getByLabel('Show calibrated P(accept)').uncheck();
    await expect(row.getByTestId('p-accept-calibrated')).toHaveCount(0);
    await expect(page.getByTestId('calibration-note')).toHaveCount(0);
  });

  test('a reload mid-way through scoring a labelled set loses nothing, and the rest is scored', async ({ page }) => {
    const many = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `Idea ${i}: ${LABELLED_IDEAS[i % 16]!.text}`, rating: 1 + (i % 10) * 0.9 })).join('\n');
    await page.goto(`/?model=tiny-varied-qwen2&dtype=${VARIED_DTYPE}`);
    await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: SCORE_TIMEOUT });
    const panel = page.getByTestId('evaluate-panel');
    await panel.getByLabel('Labelled set (JSON, JSONL or CSV)').setInputFiles({ name: 'many.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(many) });
    await panel.getByRole('button', { name: 'Score the labelled set (60)' }).click();
    const scoredRows = panel.locator('[data-testid="eval-row"][data-status="scored"]');
    await expect(scoredRows.first()).toBeVisible({ timeout: SCORE_TIMEOUT });
    const before = await scoredRows.count();
    expect(before).toBeLessThan(60);
    await page.reload();
    await expect(panel.getByTestId('eval-row')).toHaveCount(60);
    expect(await scoredRows.count()).toBeGreaterThanOrEqual(before);
    await expect(panel.getByTestId('eval-progress')).toHaveText('many.jsonl: 60 of 60 labelled ideas scored', { timeout: SCORE_TIMEOUT });
    await expect(panel.getByTestId('accuracy-greedy-n')).toHaveText('60');
  });

  test('rows without a valid label are listed with the reason; a calibrator that is not one is refused', async ({ page }) => {
    await page.goto('/');
    const panel = page.getByTestId('evaluate-panel');
    await panel.getByLabel('Labelled set (JSON, JSONL or CSV)').setInputFiles({
      name: 'some-bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('title,text,rating,outcome\nA,First idea.,7,\nB,Second idea.,,\nC,Third idea.,12,\n'),
    });
    await expect(panel.getByTestId('eval-message')).toHaveText('Read 1 labelled ideas from some-bad.csv; left out 2 rows (below).');
    await expect(panel.getByTestId('eval-problems').locator('li')).toHaveText([
      'row 3: no label (expected a "rating" from 1 to 10 and/or an "outcome")',
      'row 4: the "rating" 12 is outside 1–10',
    ]);
    await expect(panel.getByTestId('eval-progress')).toContainText('0 of 1 labelled ideas scored');
    await panel.getByLabel('Import a calibrator (JSON)').setInputFiles({ name: 'nope.json', mimeType: 'application/json', buffer: Buffer.from('{"schema":"referee.scores"}') });
    await expect(panel.getByRole('alert').filter({ hasText: 'nope.json' })).toHaveText(/Could not import nope\.json: not a valid Referee calibrator \(referee\.calibrator v1\)/);
  });
});
