import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { startModelServer, type ModelServer, type ModelServerOptions } from './model-server';

/**
 * Downloading a model from a host on another port (CORS), the way the hub serves it (Range, SHA-256 etags):
 * resume after a cut connection, cancel with nothing half-written left in the cache, and a damaged file.
 * Downloads do not depend on the device, so these run in the WASM project only.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
const TIMEOUT = 240_000;
const DATA_FILE = /tiny-planted-qwen2\/onnx\/model_q4\.onnx_data$/;

test.describe.configure({ timeout: 600_000 });
test.skip(({ webgpu }) => webgpu, 'downloads do not depend on the device; covered in the wasm project');

let server: ModelServer | null = null;
test.afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(options: Omit<ModelServerOptions, 'root'>): Promise<ModelServer> {
  server = await startModelServer({ root: FIXTURES_DIR, ...options });
  return server;
}

const modelUrl = (s: ModelServer) => `${s.origin}/tiny-planted-qwen2`;

async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await (await caches.open('transformers-cache')).keys()).map((r) => r.url));
}

async function scorePlanted(page: Page): Promise<void> {
  await page.getByLabel('Idea (abstract or proposal)').fill('A planted idea.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });
}

test('a model on another port downloads with hashes checked, resumes after the connection is cut, and scores', async ({ page }) => {
  const host = await serve({ dropOnce: { path: DATA_FILE, afterBytes: 15_000_000 } });
  await page.goto(`/?model=${encodeURIComponent(modelUrl(host))}&dtype=q4`);
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });

  const dataGets = host.requests.filter((r) => r.method === 'GET' && DATA_FILE.test(r.path));
  expect(dataGets[0]?.range).toBeUndefined();
  // The second GET asks only for the rest: at least what was sent before the cut, less what was in flight.
  const resumedFrom = Number(/^bytes=(\d+)-$/.exec(dataGets[1]?.range ?? '')?.[1]);
  expect(resumedFrom).toBeGreaterThan(0);
  expect(resumedFrom).toBeLessThanOrEqual(15_000_000);
  expect(dataGets).toHaveLength(2);
  expect(await cachedUrls(page)).toContain(`${modelUrl(host)}/onnx/model_q4.onnx_data`);
  await scorePlanted(page);
});

test('cancelling a download leaves no partial file in the cache, and loading again resumes where it stopped', async ({ page }) => {
  const host = await serve({ throttle: { path: DATA_FILE, bytesPerSecond: 4_000_000 } });
  await page.goto('/');
  await page.getByLabel(/^Model \(a converted folder/).fill(modelUrl(host));
  await page.getByRole('button', { name: 'Load the model' }).click();
  // One bar over all files, with bytes, rate and time left.
  await expect(page.getByTestId('model-progress')).toHaveText(/MB of \d+\.\d MB · [\d.]+ MB\/s · about \d+ s left/, { timeout: TIMEOUT });
  // Cancel well into the weights file (tokenizer.json, 11 MB, comes first; the 4-bit weights are 25 MB), past a few flushed pieces.
  await expect
    .poll(async () => Number(/^([\d.]+) MB of/.exec((await page.getByTestId('model-progress').textContent()) ?? '')?.[1] ?? 0), { timeout: TIMEOUT })
    .toBeGreaterThan(16);
  await page.getByRole('button', { name: 'Cancel the download' }).click();
  await expect(page.getByTestId('model-cancelled')).toHaveText(/Download cancelled at [\d.]+ MB of [\d.]+ MB\. What was fetched is kept/);
  const cached = await cachedUrls(page);
  expect(cached.filter((url) => url.endsWith('model_q4.onnx_data'))).toEqual([]);

  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  const dataGets = host.requests.filter((r) => r.method === 'GET' && DATA_FILE.test(r.path));
  expect(Number(/^bytes=(\d+)-$/.exec(dataGets.at(-1)?.range ?? '')?.[1])).toBeGreaterThan(0);
  await scorePlanted(page);
});

test('a file whose bytes do not match the published SHA-256 is refused with a clear message and not kept', async ({ page }) => {
  const host = await serve({ wrongHash: DATA_FILE });
  await page.goto(`/?model=${encodeURIComponent(modelUrl(host))}&dtype=q4`);
  await expect(page.getByTestId('model-error')).toHaveText(/model_q4\.onnx_data arrived damaged: its SHA-256 is [0-9a-f]{64}, but the source publishes f{64}/, {
    timeout: TIMEOUT,
  });
  expect((await cachedUrls(page)).filter((url) => url.endsWith('onnx_data'))).toEqual([]);
  await page.getByLabel('Idea (abstract or proposal)').fill('Kept for later.');
  await page.getByRole('button', { name: 'Add without scoring' }).click();
  await expect(page.getByTestId('idea-row')).toHaveCount(1);
});

test('a converted folder picked from this computer is kept in the browser, scores with no server, and loads again after a reload', async ({ page, context }) => {
  const modelRequests: string[] = [];
  await context.route(/\/(local-)?models\//, (route) => {
    // The site's list of models (index.json) is not the model: the page asks for it on every open.
    if (!route.request().url().endsWith('/models/index.json')) modelRequests.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await page.goto('/');
  await page.getByLabel('Load a converted folder from this computer').setInputFiles(path.join(FIXTURES_DIR, 'checkpoints', 'tiny-planted-qwen2'));
  await expect(page.getByTestId('model-error')).toHaveText(/holds a safetensors checkpoint, not an ONNX build: convert it first/);

  await page.getByLabel('Load a converted folder from this computer').setInputFiles(path.join(FIXTURES_DIR, 'tiny-planted-qwen2'));
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  await expect(page.getByTestId('cached-model')).toHaveText([/\/local-models\/tiny-planted-qwen2\/$/]);
  await scorePlanted(page);

  // The last model is remembered, and a kept one loads by itself on return.
  await page.reload();
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  await expect(page.getByTestId('model-status').getByText('local:tiny-planted-qwen2')).toBeVisible();
  expect(modelRequests).toEqual([]);
});

test('running out of storage mid-download is explained at once, keeps the bytes, and loading again resumes', async ({ page, context }) => {
  const host = await serve({});
  await page.goto('/');
  // The browser's real quota for this origin, shrunk (the page's estimate does not see it, as when the
  // disk fills up from elsewhere): the weights stop fitting part-way.
  const cdp = await context.newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 25_000_000 });
  await page.getByLabel(/^Model \(a converted folder/).fill(modelUrl(host));
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-error')).toHaveText(
    /ran out of storage for Referee while downloading onnx\/model_q4\.onnx_data \(\d+ bytes of it are kept\)\. Free some space .* resumes from there/,
    { timeout: TIMEOUT },
  );
  expect((await cachedUrls(page)).filter((url) => url.endsWith('model_q4.onnx_data'))).toEqual([]);

  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.getByRole('button', { name: 'Load the model' }).click();
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  const dataGets = host.requests.filter((r) => r.method === 'GET' && DATA_FILE.test(r.path));
  expect(Number(/^bytes=(\d+)-$/.exec(dataGets.at(-1)?.range ?? '')?.[1])).toBeGreaterThan(0);
  await scorePlanted(page);
});
