import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Download, Page } from '@playwright/test';
import { ExportSchema } from '../src/scoring/scored-idea';
import { diagnose, expect, test, type RefereeOptions } from './fixtures';
import { ATTRIBUTION_IDEA, FIVE_IDEAS, VARIED_DTYPE } from './ideas';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
/** SwiftShader WebGPU (a CPU pretending to be a GPU) takes ~30 s an idea on these 2-core machines. */
const SCORE_TIMEOUT = 240_000;

/**
 * Opens the app on a served model and waits until the model is ready. The webgpu project asks for WebGPU in
 * the address: Automatic would pick WASM over its SwiftShader adapter (e2e/backend.spec.ts tests that).
 */
async function openApp(page: Page, model: string, dtype = 'q4'): Promise<void> {
  const webgpu = (test.info().project.use as Partial<RefereeOptions>).webgpu === true;
  await page.goto(`/?model=${model}&dtype=${dtype}${webgpu ? '&device=webgpu' : ''}`);
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: SCORE_TIMEOUT });
}

const rows = (page: Page) => page.getByTestId('idea-row');

async function waitAllScored(page: Page, count: number): Promise<void> {
  await expect(rows(page)).toHaveCount(count);
  await expect(page.locator('[data-testid="idea-row"][data-status="scored"]')).toHaveCount(count, { timeout: SCORE_TIMEOUT * 3 });
}

/** KV cache tensors the scorer worker read back to the CPU, and cut or gathered on the device (its diagnostics). */
function kvCacheCounts(page: Page): Promise<{ readBacks: number; onDevice: number } | null> {
  return diagnose(page, { kind: 'kv-cache-counts' });
}

async function readDownload(download: Download): Promise<string> {
  return readFileSync((await download.path())!, 'utf8');
}

// Every test here may score on SwiftShader WebGPU.
test.describe.configure({ timeout: 900_000 });

test.describe('the Referee app', () => {

  test('scores a pasted idea on the planted model: 7.5 greedy, 6.70 expected, 70%, pass; the export carries them', async ({ page, webgpu }) => {
    await openApp(page, 'tiny-planted-qwen2');
    await expect(page.getByTestId('model-device')).toHaveText(webgpu ? 'webgpu' : 'wasm');
    await expect(page.getByTestId('model-backend-reason')).toHaveText(
      webgpu ? /^WebGPU, as the address asks \(\?device=webgpu\), on a software renderer \(SwiftShader\)/ : 'WASM: this browser offers no WebGPU adapter.',
    );
    await page.getByLabel('Title (optional)').fill('Sparse experts');
    await page.getByLabel('Idea (abstract or proposal)').fill('Route each token to 2 of 64 experts.');
    await page.getByRole('button', { name: 'Add and score' }).click();
    const row = rows(page).first();
    await expect(row).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });
    await expect(row.getByTestId('greedy')).toHaveText('7.5');
    await expect(row.getByTestId('expected')).toHaveText(/^6\.70 ± 1\.23$/);
    await expect(row.getByTestId('p-accept')).toHaveText('70%');
    await expect(row.getByTestId('decision')).toHaveText('pass');
    await expect(row.getByRole('img', { name: /Score distribution: 4\.5: 10%, 5: 20%, 7\.5: 70%/ })).toBeVisible();
    // Each row says which model, build and device scored it, and how long it took.
    await expect(row.getByTestId('scored-by')).toHaveText(new RegExp(`tiny-planted-qwen2, q4 on ${webgpu ? 'webgpu' : 'wasm'}, \\d+\\.\\d s$`));

    // Threshold changes re-decide at once, without the model.
    await page.getByRole('spinbutton', { name: 'Threshold' }).fill('8');
    await expect(row.getByTestId('decision')).toHaveText('fail');
    await expect(row.getByTestId('p-accept')).toHaveText('0%');
    await page.getByRole('spinbutton', { name: 'Threshold' }).fill('5.5');
    await expect(row.getByTestId('decision')).toHaveText('pass');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
    const exported = ExportSchema.parse(JSON.parse(await readDownload(download)));
    expect(exported.ideas).toHaveLength(1);
    const result = exported.ideas[0]!.result!;
    expect(exported.ideas[0]).toMatchObject({ title: 'Sparse experts', text: 'Route each token to 2 of 64 experts.', status: 'scored' });
    expect(result.greedy).toEqual({ score: 7.5, answer: '\\boxed{7.5}' });
    expect(Math.abs(result.expected! - 6.7)).toBeLessThan(1e-3);
    expect(Math.abs(result.pAbove - 0.7)).toBeLessThan(1e-3);
    expect(result.decision).toEqual({ pass: true, by: 'greedy', value: 7.5, threshold: 5.5, comparison: '>' });
    expect(result.provenance.model).toEqual({ id: 'tiny-planted-qwen2', revision: null, dtype: 'q4', device: webgpu ? 'webgpu' : 'wasm' });
    expect(result.provenance.profile).toBe('paper');
    expect(result.provenance.app.name).toBe('referee');
    // The CSV carries the distribution too, in one cell a spreadsheet can split.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV', exact: true }).click()]);
    const [header, firstRow] = (await readDownload(csvDownload)).replace('\uFEFF', '').trim().split('\n');
    expect(header).toMatch(/,distribution,coverage$/);
    // Every score the readout reached, to 4 significant digits (4 and 7 carry ~1e-7 here).
    expect(firstRow).toMatch(/,4:[^;,]+;4\.5:0\.100\d;5:0\.200\d;7:[^;,]+;7\.5:0\.700\d,1\.0000$/);
    // The three digits' continuations share a batch gathered from the box's cache: on WebGPU on the GPU, with
    // no KV cache tensor read back to the CPU (on WASM the cache is in memory: nothing to read back either).
    const counts = await kvCacheCounts(page);
    expect(counts?.readBacks).toBe(0);
    if (webgpu) expect(counts?.onDevice).toBeGreaterThan(0);
  });

  test('five pasted ideas on the varied model rank as the engine ranks them in Node', async ({ page, webgpu }) => {
    const node = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'tiny-varied-qwen2', 'expected-scores.json'), 'utf8')) as {
      expected: number;
      pAbove: number;
    }[];
    await openApp(page, 'tiny-varied-qwen2', VARIED_DTYPE);
    await page.getByLabel('Paste many').check();
    if (webgpu) {
      // On the device, the scorer's numbers for two of them (SwiftShader takes minutes an idea); the ranking,
      // the queue's display and Compare do not depend on the device and run in the wasm project.
      await page.getByLabel(/Ideas, a blank line between each/).fill(FIVE_IDEAS.slice(0, 2).join('\n\n'));
      await page.getByRole('button', { name: 'Add and score' }).click();
      await waitAllScored(page, 2);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
      const exported = ExportSchema.parse(JSON.parse(await readDownload(download)));
      for (const [i, text] of FIVE_IDEAS.slice(0, 2).entries()) {
        const result = exported.ideas.find((idea) => idea.text === text)!.result!;
        expect(Math.abs(result.pAbove - node[i]!.pAbove), `P(accept) of idea ${i}`).toBeLessThanOrEqual(1e-3);
        expect(Math.abs(result.expected! - node[i]!.expected), `expected score of idea ${i}`).toBeLessThanOrEqual(1e-3);
      }
      expect((await kvCacheCounts(page))?.readBacks).toBe(0);
      return;
    }
    await page.getByLabel(/Ideas, a blank line between each/).fill(FIVE_IDEAS.join('\n\n'));
    await page.getByRole('button', { name: 'Add and score' }).click();
    // While the queue runs: a progress bar, and the time left at the pace measured so far, in the list and in
    // the top bar (in view wherever the page is scrolled).
    await expect(page.getByRole('progressbar', { name: 'Queue progress' })).toBeVisible();
    await expect(page.getByTestId('time-left')).toHaveText(/^ · about [\d.]+ (s|min|h) left$/, { timeout: 120_000 });
    await expect(page.getByTestId('top-progress')).toHaveText(/^\d of 5 scored · about [\d.]+ (s|min|h) left$/);
    await waitAllScored(page, 5);
    await expect(page.getByTestId('time-left')).toHaveCount(0);
    await expect(page.getByTestId('top-progress')).toHaveCount(0);

    await page.getByRole('button', { name: 'Expected ± spread' }).click(); // sorts descending
    const shown = await rows(page).getByTestId('idea-text').allTextContents();
    const nodeOrder = FIVE_IDEAS.map((text, i) => ({ text, expected: node[i]!.expected })).sort((a, b) => b.expected - a.expected);
    expect(shown).toEqual(nodeOrder.map((i) => i.text));
    const expectedCells = await rows(page).getByTestId('expected').allTextContents();
    // Two decimals on screen; WebGPU kernels sum in another order than onnxruntime-node's, so allow one step.
    expectedCells.forEach((cell, i) => expect(Math.abs(Number.parseFloat(cell) - nodeOrder[i]!.expected)).toBeLessThanOrEqual(0.006));
    // The exported numbers agree with Node's within 1e-3, on WASM and on WebGPU (SwiftShader, whose 4-lane
    // subgroups onnxruntime's attention would get wrong: the worker turns subgroups off there).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
    const exported = ExportSchema.parse(JSON.parse(await readDownload(download)));
    for (const [i, text] of FIVE_IDEAS.entries()) {
      const result = exported.ideas.find((idea) => idea.text === text)!.result!;
      expect(Math.abs(result.pAbove - node[i]!.pAbove), `P(accept) of idea ${i}`).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(result.expected! - node[i]!.expected), `expected score of idea ${i}`).toBeLessThanOrEqual(1e-3);
    }

    // Side by side: the two best, with P(first beats second).
    await page.getByRole('checkbox', { name: `Compare ${nodeOrder[0]!.text.slice(0, 40)}` }).check();
    await page.getByRole('checkbox', { name: `Compare ${nodeOrder[1]!.text.slice(0, 40)}` }).check();
    await expect(page.getByTestId('compare-card')).toHaveCount(2);
    await expect(page.getByTestId('pairwise').locator('tbody tr').first().locator('td').nth(1)).toHaveText(/^\d+% · tie \d+%$/);
    // A fifth idea is refused with a message, not silently.
    for (const idea of nodeOrder.slice(2, 4)) await page.getByRole('checkbox', { name: `Compare ${idea.text.slice(0, 40)}` }).check();
    await page.getByRole('checkbox', { name: `Compare ${nodeOrder[4]!.text.slice(0, 40)}` }).click();
    await expect(page.getByTestId('notice')).toHaveText(/Compare holds four ideas at a time/);
    await expect(page.getByRole('checkbox', { name: `Compare ${nodeOrder[4]!.text.slice(0, 40)}` })).not.toBeChecked();
    await expect(page.getByTestId('compare-card')).toHaveCount(4);
  });

  test('a reload mid-batch loses nothing, and the rest of the queue finishes', async ({ page, webgpu }) => {
    test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
    await openApp(page, 'tiny-varied-qwen2', VARIED_DTYPE);
    await page.getByLabel('Paste many').check();
    await page.getByLabel(/Ideas, a blank line between each/).fill(FIVE_IDEAS.join('\n\n'));
    await page.getByRole('button', { name: 'Add and score' }).click();
    await expect(page.locator('[data-testid="idea-row"][data-status="scored"]').first()).toBeVisible({ timeout: SCORE_TIMEOUT });
    const scoredBefore = await page.locator('[data-testid="idea-row"][data-status="scored"]').count();
    expect(scoredBefore).toBeLessThan(5);
    const firstScore = await rows(page).first().getByTestId('expected').textContent();

    await page.reload();
    await expect(rows(page)).toHaveCount(5);
    await expect(rows(page).getByTestId('idea-text')).toHaveText(FIVE_IDEAS);
    await expect(rows(page).first().getByTestId('expected')).toHaveText(firstScore!);
    await waitAllScored(page, 5);
  });

  test('an exported list imports back identically', async ({ page, webgpu }) => {
    test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
    await openApp(page, 'tiny-planted-qwen2');
    await page.getByLabel('Paste many').check();
    await page.getByLabel(/Ideas, a blank line between each/).fill('First idea.\n\nSecond idea, with "quotes" and <b>tags</b>.');
    await page.getByRole('button', { name: 'Add and score' }).click();
    await waitAllScored(page, 2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
    const file = await download.path();
    const before = ExportSchema.parse(JSON.parse(await readDownload(download)));

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Clear the list' }).click();
    await expect(rows(page)).toHaveCount(0);
    await page.getByLabel(/Import a file/).setInputFiles(file!);
    await expect(page.getByTestId('notice')).toHaveText(/Restored 2 ideas from .*: 2 added, 0 updated .*, 0 already in the list kept as they were\./);
    await expect(rows(page)).toHaveCount(2);

    const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
    const after = ExportSchema.parse(JSON.parse(await readDownload(again)));
    expect(after.ideas).toEqual(before.ideas);
  });

  test('bad input gets a clear message and loses nothing', async ({ page, webgpu }) => {
    test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
    await openApp(page, 'tiny-planted-qwen2');
    // Empty idea: a message, nothing queued.
    await page.getByRole('button', { name: 'Add and score' }).click();
    await expect(page.getByTestId('notice')).toHaveText(/The idea is empty/);
    await expect(rows(page)).toHaveCount(0);

    // Idea text with HTML and script: shown as text, nothing executed.
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> **bold**';
    await page.getByLabel('Idea (abstract or proposal)').fill(hostile);
    await page.getByRole('button', { name: 'Add and score' }).click();
    await expect(rows(page).first().getByTestId('idea-text')).toHaveText(hostile);
    await expect(rows(page).first()).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // Over the model's context (4096 tokens): the idea fails with its token count; the app goes on.
    await page.getByLabel('Idea (abstract or proposal)').fill('word '.repeat(5000));
    await page.getByRole('button', { name: 'Add and score' }).click();
    const long = rows(page).nth(1);
    await expect(long).toHaveAttribute('data-status', 'failed', { timeout: SCORE_TIMEOUT });
    await expect(long.getByTestId('idea-error')).toHaveText(/The idea is \d+ tokens; .* over the limit of 4086/);
    // The top bar counts it, with a way to the list.
    await expect(page.getByTestId('top-progress')).toHaveText('1 failed');

    // Malformed import: a message, the list untouched.
    await page.getByLabel(/Import a file/).setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('[{"text": "a"') });
    await expect(page.getByTestId('notice')).toHaveText(/Could not import broken\.json: not valid JSON.*Your list is unchanged/);
    await expect(rows(page)).toHaveCount(2);
  });

  test('a model address that 404s is a clear message, and the app stays usable', async ({ page, webgpu }) => {
    test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
    await page.goto('/?model=no-such-model');
    await expect(page.getByTestId('model-error')).toHaveText(/The model "no-such-model" could not be found/, { timeout: SCORE_TIMEOUT });
    // The Model field keeps what was asked for, to correct, not the default.
    await expect(page.getByLabel(/^Model \(a converted folder/)).toHaveValue('no-such-model');
    await page.getByLabel('Idea (abstract or proposal)').fill('Still here.');
    await page.getByRole('button', { name: 'Add without scoring' }).click();
    await expect(rows(page)).toHaveCount(1);
  });
});

test.describe('the Referee app on a phone, by keyboard', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('fits a phone-sized screen, every control has a name, and an idea can be added by keyboard alone', async ({ page, webgpu }) => {
    test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
    await page.goto('/?model=tiny-planted-qwen2');
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, select, textarea')]
        .filter((el) => {
          const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          const text = el.tagName === 'BUTTON' ? el.textContent?.trim() : '';
          return !labelled && !text;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);

    await page.getByLabel('Title (optional)').focus();
    await page.keyboard.type('Keyboard idea');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Add and score' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first().getByTestId('idea-title')).toHaveText('Keyboard idea');

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});

test.describe('device figures', () => {
  test.use({ measureDevice: true });
  test('after a load the page measures this device once, shows it, keeps it per model, and sizes the list before scoring', async ({ page, webgpu }) => {
    test.skip(webgpu, 'the measurement is the same code on every device: covered in the wasm project');
    await openApp(page, 'tiny-planted-qwen2');
    const figures = page.getByTestId('device-figures');
    await expect(figures.getByTestId('seconds-per-idea')).toHaveText(/^[\d.]+ (s|min|h)$/, { timeout: SCORE_TIMEOUT });
    expect(Number(await figures.getByTestId('prefill-rate').textContent())).toBeGreaterThan(0);
    expect(Number(await figures.getByTestId('pass-ms').textContent())).toBeGreaterThanOrEqual(0);
    const measured = await figures.textContent();

    // A list of ideas shows what it would take before the user starts.
    await page.getByLabel('Paste many').check();
    await page.getByLabel(/Ideas, a blank line between each/).fill('One.\n\nTwo.\n\nThree.');
    await page.getByRole('button', { name: 'Add without scoring' }).click();
    await expect(page.getByTestId('time-to-score')).toHaveText(/^about [\d.]+ (s|min|h) to score 3 here$/);

    // Kept for this model: the next visit shows the same measurement without measuring again.
    await page.reload();
    await expect(page.getByTestId('model-device')).toBeVisible({ timeout: SCORE_TIMEOUT });
    await expect(figures).toHaveText(measured!);
    await expect(page.getByTestId('time-to-score')).toBeVisible();

    // Another model is measured for itself; asked again, the figures are replaced.
    await page.getByLabel(/^Model \(a converted folder/).fill('tiny-varied-qwen2');
    await page.getByRole('button', { name: 'Load the model' }).click();
    await expect(page.getByTestId('model-device')).toBeVisible({ timeout: SCORE_TIMEOUT });
    await expect(figures.getByTestId('seconds-per-idea')).toBeVisible({ timeout: SCORE_TIMEOUT });
    const other = await figures.textContent();
    expect(other).not.toEqual(measured);
    await figures.getByRole('button', { name: 'Measure again' }).click();
    await expect(figures).not.toHaveText(other!, { timeout: SCORE_TIMEOUT });
    await expect(figures.getByTestId('seconds-per-idea')).toBeVisible({ timeout: SCORE_TIMEOUT });

    // Once scored, explaining them all says its cost first (an upper bound: a scoring per sentence and the idea's own).
    await page.getByRole('button', { name: 'Score all unscored (3)' }).click();
    await expect(page.locator('[data-testid="idea-row"][data-status="scored"]')).toHaveCount(3, { timeout: SCORE_TIMEOUT });
    await expect(page.getByRole('button', { name: /^Explain all scored \(3\) \(at most about [\d.]+ (s|min|h)\)$/ })).toBeVisible();
  });
});

test('a checkpoint with no ONNX build (like the original AlphaResearch-RM repo) is explained, not a crash', async ({ page, baseURL, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  const checkpointUrl = `${baseURL}/models/checkpoints/tiny-planted-qwen2`;
  await page.goto(`/?model=${encodeURIComponent(checkpointUrl)}`);
  await expect(page.getByTestId('model-error')).toHaveText(/holds a PyTorch \(safetensors\) checkpoint, not an ONNX build.*npm run convert/, {
    timeout: SCORE_TIMEOUT,
  });
  await page.getByLabel('Idea (abstract or proposal)').fill('Waiting for a model.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(rows(page).first()).toHaveAttribute('data-status', 'queued');
  // With no model, the queue says what it waits for and how to get a model.
  await expect(page.getByTestId('notice')).toHaveText(/Added 1 idea\. They wait in the queue: load a model in the Model panel/);
});

test('a model too large for the device is refused before any weight is downloaded', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  const weightRequests: string[] = [];
  // HEAD requests (sizes for the storage check) download nothing; a GET of a weight file would.
  page.on('request', (r) => r.method() === 'GET' && /\.onnx|onnx_data/.test(r.url()) && weightRequests.push(r.url()));
  await page.goto('/?model=config-only-7b&device=wasm');
  await expect(page.getByTestId('model-error')).toHaveText(/needs about 4\.\d\d GB, but the WASM runtime .* at most 4 GB/, { timeout: SCORE_TIMEOUT });
  expect(weightRequests).toEqual([]);
});

test('a model that will not fit the storage quota is refused before the download, and the app stays usable', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  // Chromium's CDP quota override does not reach StorageManager.estimate() here, so the page's view of the
  // quota is emulated: 20 MB, of which 1 MB is used.
  await page.addInitScript(() => {
    Object.defineProperty(navigator.storage, 'estimate', { value: async () => ({ quota: 20_000_000, usage: 1_000_000 }) });
  });
  const weightRequests: string[] = [];
  page.on('request', (r) => r.method() === 'GET' && /onnx_data/.test(r.url()) && weightRequests.push(r.url()));
  await page.goto('/?model=tiny-planted-qwen2');
  await expect(page.getByTestId('model-error')).toHaveText(/The model is 3\d MB to download \(plus 2\d MB for a moment, while its largest file is stored\), but this browser lets Referee store only 19 MB more/, {
    timeout: SCORE_TIMEOUT,
  });
  expect(weightRequests).toEqual([]);
  await page.getByLabel('Idea (abstract or proposal)').fill('Kept for later.');
  await page.getByRole('button', { name: 'Add without scoring' }).click();
  await expect(rows(page)).toHaveCount(1);
});

test('Explain shows what each sentence adds to P(accept), as Node computes it, and keeps it with the score', async ({ page, webgpu }) => {
  test.skip(webgpu, 'the attribution is the scorer’s, checked on the device by the five-ideas test: covered in the wasm project');
  const node = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'tiny-varied-qwen2', 'expected-attribution.json'), 'utf8')) as { text: string; delta: { pAbove: number } }[];
  await openApp(page, 'tiny-varied-qwen2', VARIED_DTYPE);
  await page.getByLabel('Title (optional)').fill(ATTRIBUTION_IDEA.title);
  await page.getByLabel('Idea (abstract or proposal)').fill(ATTRIBUTION_IDEA.text);
  await page.getByRole('button', { name: 'Add and score' }).click();
  const row = rows(page).first();
  await expect(row).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });
  await expect(row.getByTestId('attribution')).toHaveCount(0);
  await row.getByRole('button', { name: `Explain ${ATTRIBUTION_IDEA.title}` }).click();
  const units = row.getByTestId('attribution-unit');
  await expect(units).toHaveCount(4, { timeout: SCORE_TIMEOUT });
  await expect(row).toHaveAttribute('data-status', 'scored');
  // Each part's Δ, written beside it, is Node's (percentage points, one decimal).
  const deltas = await row.getByTestId('attribution-delta').allTextContents();
  deltas.forEach((text, i) => {
    const shown = Number(text.trim().replace('[', '').replace(' pts]', '').replace('−', '-'));
    expect(Math.abs(shown - node[i]!.delta.pAbove * 100), `unit ${i}: ${text}`).toBeLessThanOrEqual(0.1 + 1e-9);
  });
  await expect(units.first()).toContainText(ATTRIBUTION_IDEA.title);

  // Kept with the score: after a reload, and in the export (within 1e-3 of Node's, WASM against onnxruntime-node).
  await page.reload();
  await expect(rows(page).first().getByTestId('attribution-unit')).toHaveCount(4);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
  const exported = ExportSchema.parse(JSON.parse(await readDownload(download)));
  const attribution = exported.ideas[0]!.result!.attribution!;
  expect(attribution.map((u) => u.text)).toEqual(node.map((u) => u.text));
  attribution.forEach((u, i) => expect(Math.abs(u.delta.pAbove - node[i]!.delta.pAbove)).toBeLessThanOrEqual(1e-3));

  // Re-scoring clears it.
  await rows(page).first().getByRole('button', { name: `Score ${ATTRIBUTION_IDEA.title}` }).click();
  await expect(rows(page).first()).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });
  await expect(rows(page).first().getByTestId('attribution')).toHaveCount(0, { timeout: SCORE_TIMEOUT });

  // "Explain all" queues every scored idea not explained yet, with the attribution.
  await page.getByRole('button', { name: /^Explain all scored \(1\)/ }).click();
  await expect(rows(page).first().getByTestId('attribution-unit')).toHaveCount(4, { timeout: SCORE_TIMEOUT });
  await expect(page.getByRole('button', { name: /^Explain all scored/ })).toHaveCount(0);
});

test('a model the browser evicted between visits is said to be gone, with a way to download it again; the list is untouched', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await openApp(page, 'tiny-planted-qwen2');
  await page.getByLabel('Idea (abstract or proposal)').fill('Kept through the eviction.');
  await page.getByRole('button', { name: 'Add without scoring' }).click();
  // What a browser under storage pressure does: the model's cache is gone.
  expect(await page.evaluate(() => caches.delete('transformers-cache'))).toBe(true);
  await page.goto('/');
  await expect(page.getByTestId('model-gone')).toContainText('tiny-planted-qwen2, the model used here last, is no longer kept in this browser');
  await expect(page.getByTestId('model-line')).toContainText('The model is no longer kept here');
  await expect(rows(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Download it again' }).click();
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: SCORE_TIMEOUT });
  await expect(rows(page).getByTestId('idea-text')).toHaveText(['Kept through the eviction.']);
});

test('ideas scored by another model can be re-scored with the loaded one in one go', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await openApp(page, 'tiny-planted-qwen2');
  await page.getByLabel('Paste many').check();
  await page.getByLabel(/Ideas, a blank line between each/).fill('First.\n\nSecond.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await waitAllScored(page, 2);
  await expect(page.getByRole('button', { name: /scored by another model/ })).toHaveCount(0);
  await page.getByLabel(/^Model \(a converted folder/).fill('tiny-varied-qwen2');
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-status')).toContainText('tiny-varied-qwen2', { timeout: SCORE_TIMEOUT });
  await page.getByRole('button', { name: /^Re-score 2 scored by another model with tiny-varied-qwen2/ }).click();
  await expect(rows(page).getByTestId('scored-by')).toHaveText([/tiny-varied-qwen2/, /tiny-varied-qwen2/], { timeout: SCORE_TIMEOUT });
  await expect(page.getByRole('button', { name: /scored by another model/ })).toHaveCount(0);
});

test('a load that makes no progress is stopped with a message, and loading again works', async ({ page, context, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await page.addInitScript(() => {
    const w = window as { refereeDiagnostics?: object };
    w.refereeDiagnostics = { ...w.refereeDiagnostics, loadStallMs: 4000 };
  });
  // The weights never arrive: the request is held open and never answered.
  const stall = (): void => {};
  await context.route('**/models/tiny-planted-qwen2/onnx/*onnx_data*', stall);
  await page.goto('/?model=tiny-planted-qwen2');
  await expect(page.getByTestId('model-error')).toHaveText(/the load made no progress for 4 s \(a stalled download, or a worker that stopped answering\), so it was stopped\. Load the model again to retry/, {
    timeout: SCORE_TIMEOUT,
  });
  await context.unroute('**/models/tiny-planted-qwen2/onnx/*onnx_data*', stall);
  // The retry gets the ordinary bound (the stopped worker's files may take a moment to be let go).
  await page.evaluate(() => Object.assign((window as unknown as { refereeDiagnostics: object }).refereeDiagnostics, { loadStallMs: 120_000 }));
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: SCORE_TIMEOUT });
});

test('Paste many keeps a multi-paragraph abstract whole when Title: lines mark the ideas, and says what it will add first', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await page.goto('/');
  await page.getByLabel('Paste many').check();
  const pasted = 'Title: Sparse experts\nRoute each token to 2 of 64 experts.\n\nWe test on C4.\n\nTitle: Curricula\nSmall models on synthetic curricula.';
  await page.getByLabel(/Ideas, a blank line between each/).fill(pasted);
  await expect(page.getByTestId('paste-preview')).toHaveText('2 ideas will be added (2 with a title).');
  await page.getByRole('button', { name: 'Add without scoring' }).click();
  await expect(rows(page).getByTestId('idea-title')).toHaveText(['Sparse experts', 'Curricula']);
  await expect(rows(page).first().getByTestId('idea-text')).toContainText('We test on C4.');
});

test('a model that fails to load leaves the one that worked: the page goes back to it, says why, and scores', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await openApp(page, 'tiny-planted-qwen2');
  await page.getByLabel(/^Model \(a converted folder/).fill('no-such-model');
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('notice')).toHaveText(/The model "no-such-model" could not be found.*Referee went back to tiny-planted-qwen2, the model that was loaded\./, { timeout: SCORE_TIMEOUT });
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: SCORE_TIMEOUT });
  await expect(page.getByTestId('model-status')).toContainText('tiny-planted-qwen2');
  await page.getByLabel('Idea (abstract or proposal)').fill('Scored by the model that was kept.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(rows(page).first().getByTestId('greedy')).toHaveText('7.5', { timeout: SCORE_TIMEOUT });
});

test('a model chosen in the page loads and scores, a Llama decoder as a Qwen2 one', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await page.goto('/');
  await page.getByLabel(/^Model \(a converted folder/).fill('tiny-planted-llama');
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: SCORE_TIMEOUT });
  await page.getByLabel('Idea (abstract or proposal)').fill('Chosen in the page.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  const row = rows(page).first();
  await expect(row.getByTestId('greedy')).toHaveText('7.5', { timeout: SCORE_TIMEOUT });
  await expect(row.getByTestId('expected')).toHaveText(/^6\.70 ± 1\.23$/);
  await expect(row.getByTestId('p-accept')).toHaveText('70%');
});

test('a loaded model is kept: it loads again with the model server unreachable, is listed with its size, and can be deleted', async ({ page, context, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await openApp(page, 'tiny-planted-qwen2');
  await expect(page.getByTestId('cached-model')).toHaveText([/\/models\/tiny-planted-qwen2\/$/]);
  await expect(page.getByTestId('cached-models')).toContainText(/\d+\.\d MB in \d+ files/);

  const modelRequests: string[] = [];
  await context.route('**/models/**', (route) => {
    // The site's list of models (index.json) is not the model: the page asks for it on every open.
    if (!route.request().url().endsWith('/models/index.json')) modelRequests.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await openApp(page, 'tiny-planted-qwen2');
  await page.getByLabel('Idea (abstract or proposal)').fill('Scored from the kept copy.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(rows(page).first().getByTestId('greedy')).toHaveText('7.5', { timeout: SCORE_TIMEOUT });
  expect(modelRequests).toEqual([]);

  await context.unroute('**/models/**');
  await page.getByRole('button', { name: /Delete the cached copy of .*tiny-planted-qwen2/ }).click();
  await expect(page.getByTestId('cached-models')).toHaveCount(0);
});

test('editing marks a score stale, re-scoring refreshes it, and cancelling stops the queue between ideas', async ({ page, webgpu }) => {
  test.skip(webgpu, 'does not depend on the device: covered in the wasm project');
  await openApp(page, 'tiny-planted-qwen2');
  await page.getByLabel('Idea (abstract or proposal)').fill('First version.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  const row = rows(page).first();
  await expect(row).toHaveAttribute('data-status', 'scored', { timeout: SCORE_TIMEOUT });

  await row.getByRole('button', { name: /^Edit / }).click();
  await row.getByLabel('Idea text').fill('Second version.');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row.getByTestId('idea-text')).toHaveText('Second version.');
  await expect(row.getByTestId('status')).toHaveText(/edited since scored/);
  await expect(row.getByTestId('greedy')).toHaveText('7.5');

  await row.getByRole('button', { name: /^Score / }).click();
  await expect(row.getByTestId('status')).toHaveText('scored', { timeout: SCORE_TIMEOUT });

  await page.getByLabel('Paste many').check();
  await page.getByLabel(/Ideas, a blank line between each/).fill('One.\n\nTwo.\n\nThree.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await page.getByRole('button', { name: 'Cancel the queue' }).click();
  await expect(page.locator('[data-testid="idea-row"][data-status="queued"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="idea-row"][data-status="scoring"]')).toHaveCount(0, { timeout: SCORE_TIMEOUT });
  // The idea already being scored finishes; the ones still waiting do not start.
  expect(await page.locator('[data-testid="idea-row"][data-status="draft"]').count()).toBeGreaterThanOrEqual(2);
});
