import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { convertIntoFolder } from '../src/builder/node/convert-folder';
import { NodeFileTree } from '../src/builder/node/node-files';
import { expect, test } from './fixtures';
import { startModelServer, type ModelServer, type ModelServerOptions } from './model-server';

/**
 * Converting a safetensors checkpoint in the page, from a host on another port (CORS, Range): the result
 * is byte for byte what `npm run convert` writes, survives a cut connection and a reload mid-way, and
 * scores; bad sources and too little room are explained before anything is written. The conversion does
 * not depend on the scoring device, so these run in the WASM project only.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHECKPOINTS = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures', 'checkpoints');
const TIMEOUT = 240_000;

test.describe.configure({ timeout: 600_000 });
test.skip(({ webgpu }) => webgpu, 'conversion does not depend on the device; covered in the wasm project');

let server: ModelServer | null = null;
test.afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(options: Partial<ModelServerOptions> = {}): Promise<ModelServer> {
  server = await startModelServer({ root: CHECKPOINTS, ...options });
  return server;
}

/** sha256 of every file `npm run convert -- <checkpoint> --dtype q4` writes, by path. */
async function cliHashes(name: string): Promise<Record<string, string>> {
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'referee-cli-')), name);
  const tree = new NodeFileTree(path.join(CHECKPOINTS, name));
  try {
    await convertIntoFolder(tree, out, { dtypes: ['q4'] });
  } finally {
    await tree.close();
  }
  const hashes: Record<string, string> = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else hashes[`${prefix}${entry.name}`] = createHash('sha256').update(await readFile(path.join(dir, entry.name))).digest('hex');
    }
  };
  await walk(out, '');
  return hashes;
}

/** sha256 of every file the page keeps for `local:<name>`, by path inside the model folder. */
async function keptHashes(page: Page, name: string): Promise<Record<string, string>> {
  return page.evaluate(async (folderName) => {
    const cache = await caches.open('transformers-cache');
    const prefix = `${location.origin}/local-models/${folderName}/`;
    const hashes: Record<string, string> = {};
    for (const request of await cache.keys()) {
      if (!request.url.startsWith(prefix)) continue;
      const bytes = await (await cache.match(request))!.arrayBuffer();
      hashes[request.url.slice(prefix.length)] = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return hashes;
  }, name);
}

async function conversionFolders(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const parent = await root.getDirectoryHandle('referee-conversions').catch(() => null);
    const names: string[] = [];
    if (parent) for await (const key of (parent as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    return names;
  });
}
test('an unreachable checkpoint, or a browser offline, is said at once, not after a minute of retries', async ({ page, context }) => {
  await page.goto('/');
  // Nothing listens on port 9: the first request fails, and nothing is retried.
  await checkConversion(page, 'http://127.0.0.1:9/tiny-planted-qwen2');
  await expect(page.getByTestId('convert-error')).toHaveText(/could not reach .*127\.0\.0\.1:9.*: check the address and this computer's connection/, { timeout: 15_000 });
  await context.setOffline(true);
  await checkConversion(page, 'AlphaResearch/AlphaResearch-RM-Qwen-2.5-7B');
  await expect(page.getByTestId('convert-error')).toHaveText(/This browser is offline: converting reads AlphaResearch\/AlphaResearch-RM-Qwen-2\.5-7B over the network/, { timeout: 15_000 });
  await context.setOffline(false);
});

/** Cache entries of models kept under this page's /local-models/. */
async function keptLocalUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await (await caches.open('transformers-cache')).keys()).map((r) => r.url).filter((url) => url.includes('/local-models/')));
}

/** Waits until the progress line says more than `megabytes` MB are converted. */
async function waitUntilConverted(page: Page, megabytes: number): Promise<void> {
  await expect
    .poll(async () => Number(/^Converted ([\d.]+) MB/.exec((await page.getByTestId('convert-progress').textContent().catch(() => '')) ?? '')?.[1] ?? 0), { timeout: TIMEOUT })
    .toBeGreaterThan(megabytes);
}

async function checkConversion(page: Page, source: string): Promise<void> {
  await page.getByLabel('Checkpoint to convert (Hugging Face repo or URL)').fill(source);
  await page.getByLabel('Build').selectOption('q4');
  await page.getByRole('button', { name: 'Check what it takes' }).click();
}

async function scorePlanted(page: Page): Promise<void> {
  await page.getByLabel('Idea (abstract or proposal)').fill('A planted idea.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  const row = page.getByTestId('idea-row').first();
  await expect(row.getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });
  await expect(row.getByTestId('expected')).toHaveText(/^6\.70 ± /);
  await expect(row.getByTestId('p-accept')).toHaveText('70%');
}

const weightGets = (host: ModelServer, file: RegExp) => host.requests.filter((r) => r.method === 'GET' && file.test(r.path) && r.range);
const rangeLength = (range: string | undefined) => {
  const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(range ?? '') ?? [];
  return Number(end) - Number(start) + 1;
};

test('a sharded bf16 checkpoint on another port converts to the same bytes as the CLI and loads', async ({ page }) => {
  const host = await serve();
  await page.goto('/');
  await checkConversion(page, `${host.origin}/tiny-random-qwen2`);
  await expect(page.getByTestId('convert-plan')).toHaveText(/^tiny-random-qwen2 as q4: Reads [\d.]+ MB of checkpoint, keeps [\d.]+ MB \([\d.]+ [MG]B free here\)/, { timeout: TIMEOUT });
  // Planning reads headers only: no request asks for more than the small files and safetensors headers.
  expect(weightGets(host, /\.safetensors$/).every((r) => rangeLength(r.range) < 100_000)).toBe(true);
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  await expect(page.getByTestId('convert-done')).toHaveText(/Converted .*tiny-random-qwen2 to q4 in \d+ s; it is kept in this browser as local:tiny-random-qwen2/, { timeout: TIMEOUT });
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  expect(await keptHashes(page, 'tiny-random-qwen2')).toEqual(await cliHashes('tiny-random-qwen2'));
  expect(await conversionFolders(page)).toEqual([]);
  await expect(page.getByTestId('cached-model')).toContainText([/\/local-models\/tiny-random-qwen2\/$/]);
});

test('a connection cut mid-tensor is retried; the single-file checkpoint converts identically and scores 7.5 / 6.70 / 70%', async ({ page }) => {
  const host = await serve({ dropOnce: { path: /tiny-planted-qwen2\/model\.safetensors$/, afterBytes: 10_000_000 } });
  await page.goto('/');
  await checkConversion(page, `${host.origin}/tiny-planted-qwen2`);
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  await expect(page.getByTestId('convert-done')).toBeVisible({ timeout: TIMEOUT });
  // The cut read was asked again, whole: two GETs of the same range.
  const big = weightGets(host, /model\.safetensors$/).filter((r) => rangeLength(r.range) > 10_000_000);
  expect(big.length).toBeGreaterThan(1);
  expect(big[1]!.range).toBe(big[0]!.range);
  expect(await keptHashes(page, 'tiny-planted-qwen2')).toEqual(await cliHashes('tiny-planted-qwen2'));
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  await scorePlanted(page);
});

test('a reload mid-conversion resumes from the kept part instead of starting over', async ({ page }) => {
  const file = /tiny-planted-qwen2\/model\.safetensors$/;
  const host = await serve({ throttle: { path: file, bytesPerSecond: 20_000_000 } });
  await page.goto('/');
  await checkConversion(page, `${host.origin}/tiny-planted-qwen2`);
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  // Past the embedding table (78 MB of float32 rows read, 12.2 MB of 4-bit blocks and scales kept: the first
  // big unit of work, done at 12.7 MB converted), while lm_head's 78 MB are still being read at 20 MB/s, then reload.
  await waitUntilConverted(page, 12);
  await page.reload();
  const before = host.requests.length;
  await expect(page.getByTestId('unfinished-conversion')).toHaveText(/tiny-planted-qwen2 \(q4\)/);
  await page.getByRole('button', { name: /^Resume converting / }).click();
  await expect(page.getByTestId('convert-done')).toHaveText(/resumed from an earlier run/, { timeout: TIMEOUT });
  const readAfterReload = host.requests.slice(before).filter((r) => r.method === 'GET' && file.test(r.path)).reduce((n, r) => n + (r.range ? rangeLength(r.range) : 0), 0);
  // The embedding table was kept; only the rest (lm_head, 78 MB, and the layers) is read again.
  expect(readAfterReload).toBeLessThan(100_000_000);
  expect(await keptHashes(page, 'tiny-planted-qwen2')).toEqual(await cliHashes('tiny-planted-qwen2'));
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  await scorePlanted(page);
});

test('a model that is not Qwen2, a corrupt shard and too little room are each explained, and nothing is kept', async ({ page }) => {
  const root = await mkdtemp(path.join(tmpdir(), 'referee-bad-'));
  await cp(path.join(CHECKPOINTS, 'tiny-planted-qwen2'), path.join(root, 'mistral'), { recursive: true });
  const config = JSON.parse(await readFile(path.join(root, 'mistral', 'config.json'), 'utf8'));
  await writeFile(path.join(root, 'mistral', 'config.json'), JSON.stringify({ ...config, model_type: 'mistral', architectures: ['MistralForCausalLM'] }));
  await mkdir(path.join(root, 'corrupt'));
  await cp(path.join(CHECKPOINTS, 'tiny-planted-qwen2'), path.join(root, 'corrupt'), { recursive: true });
  const weights = await readFile(path.join(root, 'corrupt', 'model.safetensors'));
  weights.fill(0x7b, 8, 40); // the header's JSON is no longer JSON
  await writeFile(path.join(root, 'corrupt', 'model.safetensors'), weights);
  server = await startModelServer({ root });

  await page.goto('/');
  await checkConversion(page, `${server.origin}/mistral`);
  // Refused before planning, with the message the engine and the CLI give (src/models/architectures.ts).
  await expect(page.getByTestId('convert-error')).toHaveText(/Cannot convert: .*mistral is a "mistral" model; Referee converts and scores Qwen2ForCausalLM \("qwen2"\) and LlamaForCausalLM \("llama"\) decoders only/, { timeout: TIMEOUT });
  await checkConversion(page, `${server.origin}/corrupt`);
  await expect(page.getByTestId('convert-error')).toHaveText(/Cannot convert .*corrupt: .*model\.safetensors/, { timeout: TIMEOUT });
  await checkConversion(page, `${server.origin}/nowhere`);
  await expect(page.getByTestId('convert-error')).toHaveText(/Cannot convert .*nowhere: .*no config\.json/, { timeout: TIMEOUT });

  // Too little room (the estimate is emulated): refused before a byte of weights is read.
  await page.addInitScript(() => {
    Object.defineProperty(navigator.storage, 'estimate', { value: async () => ({ quota: 50_000_000, usage: 10_000_000 }) });
  });
  await page.reload();
  await server.close();
  const host = await serve();
  await checkConversion(page, `${host.origin}/tiny-planted-qwen2`);
  await expect(page.getByTestId('convert-error')).toHaveText(/The converted model is [\d.]+ MB to keep .* only 40 MB more/, { timeout: TIMEOUT });
  await expect(page.getByRole('button', { name: 'Convert', exact: true })).toHaveCount(0);
  expect(weightGets(host, /\.safetensors$/).every((r) => rangeLength(r.range) < 100_000)).toBe(true);
  expect(await keptLocalUrls(page)).toEqual([]);
});

test('running out of storage mid-conversion is explained, keeps what was converted, and converting again resumes', async ({ page, context }) => {
  const host = await serve();
  await page.goto('/');
  // The browser's real quota, shrunk for this origin (the page's estimate does not see it, as in a real
  // disk filling up from elsewhere): writes fail part-way through the conversion.
  const cdp = await context.newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 20_000_000 });
  await checkConversion(page, `${host.origin}/tiny-planted-qwen2`);
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  await expect(page.getByTestId('convert-error')).toHaveText(
    /ran out of storage for Referee after [\d.]+ MB of [\d.]+ MB were converted\. What was converted is kept: .* convert again to resume/,
    { timeout: TIMEOUT },
  );
  expect(await keptLocalUrls(page)).toEqual([]);
  await expect(page.getByTestId('unfinished-conversion')).toHaveText(/tiny-planted-qwen2 \(q4\)/);

  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.getByRole('button', { name: /^Resume converting / }).click();
  await expect(page.getByTestId('convert-done')).toHaveText(/resumed from an earlier run/, { timeout: TIMEOUT });
  expect(await keptHashes(page, 'tiny-planted-qwen2')).toEqual(await cliHashes('tiny-planted-qwen2'));
});

test('a checkpoint that fails to load offers to convert it here, and the converted model then scores', async ({ page }) => {
  const host = await serve();
  const checkpoint = `${host.origin}/tiny-planted-qwen2`;
  await page.goto(`/?model=${encodeURIComponent(checkpoint)}`);
  await expect(page.getByTestId('model-error')).toHaveText(/holds a PyTorch \(safetensors\) checkpoint, not an ONNX build/, { timeout: TIMEOUT });
  await page.getByRole('button', { name: 'Convert it here, in this browser' }).click();
  await expect(page.getByLabel('Checkpoint to convert (Hugging Face repo or URL)')).toHaveValue(checkpoint);
  await expect(page.getByTestId('convert-plan')).toHaveText(/^tiny-planted-qwen2 as q4: Reads 156\.2 MB of checkpoint, keeps 36\.4 MB/, { timeout: TIMEOUT });
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  await scorePlanted(page);
});

test('Stop keeps what was converted for later; Discard removes it from the browser', async ({ page }) => {
  const host = await serve({ throttle: { path: /tiny-planted-qwen2\/model\.safetensors$/, bytesPerSecond: 20_000_000 } });
  await page.goto('/');
  await checkConversion(page, `${host.origin}/tiny-planted-qwen2`);
  await page.getByRole('button', { name: 'Convert', exact: true }).click();
  await waitUntilConverted(page, 12);
  await page.getByRole('button', { name: 'Stop the conversion' }).click();
  await expect(page.getByTestId('convert-cancelled')).toHaveText(/^Conversion stopped at [\d.]+ MB of 36\.4 MB\. What was converted is kept: converting again resumes from there\.$/);
  await expect(page.getByTestId('unfinished-conversion')).toHaveText(/tiny-planted-qwen2 \(q4\)/);
  expect(await conversionFolders(page)).toHaveLength(1);
  // Checking the same source again says what an earlier run kept.
  await page.getByRole('button', { name: 'Check what it takes' }).click();
  await expect(page.getByTestId('convert-plan')).toHaveText(/MB were converted by an earlier run and are kept\.$/, { timeout: TIMEOUT });
  await expect(page.getByRole('button', { name: 'Resume the conversion' })).toBeVisible();

  // A file that had already moved into the model cache when a conversion stopped (a reload mid-store):
  // Discard removes it too, since no config.json declares it.
  await page.evaluate(async () => {
    await (await caches.open('transformers-cache')).put(`${location.origin}/local-models/tiny-planted-qwen2/onnx/model_q4.onnx_data`, new Response('stranded'));
  });
  await page.getByRole('button', { name: /^Discard the unfinished conversion of / }).click();
  await expect(page.getByTestId('unfinished-conversion')).toHaveCount(0);
  expect(await conversionFolders(page)).toEqual([]);
  expect(await keptLocalUrls(page)).toEqual([]);
});
