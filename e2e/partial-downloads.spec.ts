import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { formatBytes } from '../src/models/download-progress';
import { expect, test } from './fixtures';
import { startModelServer, type ModelServer } from './model-server';

/**
 * A download abandoned mid-file leaves its bytes in the origin-private file system; the page lists them under
 * "Kept in this browser" by model folder, with their size, and deletes them. WASM project only, like the
 * other download tests: nothing here depends on the device.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
const TIMEOUT = 240_000;
const DATA_FILE = /tiny-planted-qwen2\/onnx\/model_q4\.onnx_data$/;
const DATA_BYTES = statSync(path.join(FIXTURES_DIR, 'tiny-planted-qwen2', 'onnx', 'model_q4.onnx_data')).size;

test.describe.configure({ timeout: 600_000 });
test.skip(({ webgpu }) => webgpu, 'downloads do not depend on the device; covered in the wasm project');

let server: ModelServer | null = null;
test.afterEach(async () => {
  await server?.close();
  server = null;
});

interface OpfsFile {
  readonly name: string;
  readonly size: number;
  readonly text: string | null;
}

/** Every file in the downloader's OPFS directory, with the descriptions' text. */
async function downloadsInOpfs(page: Page): Promise<OpfsFile[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let directory: FileSystemDirectoryHandle;
    try {
      directory = await root.getDirectoryHandle('referee-downloads');
    } catch {
      return [];
    }
    const files: OpfsFile[] = [];
    for await (const [name, handle] of (directory as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
      const file = await handle.getFile();
      files.push({ name, size: file.size, text: name.endsWith('.json') ? await file.text() : null });
    }
    return files.sort((a, b) => a.name.localeCompare(b.name));
  });
}

async function loadFrom(page: Page, url: string): Promise<void> {
  await page.getByLabel(/^Model \(a converted folder/).fill(url);
  await page.getByRole('button', { name: 'Load the model' }).click();
}

test('a cancelled download is listed with the bytes kept, and Delete removes its files', async ({ page }) => {
  server = await startModelServer({ root: FIXTURES_DIR, throttle: { path: DATA_FILE, bytesPerSecond: 4_000_000 } });
  const folder = `${server.origin}/tiny-planted-qwen2/`;
  await page.goto('/');
  await loadFrom(page, folder);
  // Well into the weights file (tokenizer.json, 11 MB, comes first), then cancel.
  await expect
    .poll(async () => Number(/^([\d.]+) MB of/.exec((await page.getByTestId('model-progress').textContent()) ?? '')?.[1] ?? 0), { timeout: TIMEOUT })
    .toBeGreaterThan(16);
  await page.getByRole('button', { name: 'Cancel the download' }).click();
  await expect(page.getByTestId('model-cancelled')).toBeVisible();
  const partial = page.getByTestId('partial-download');
  await expect(partial).toHaveCount(1);
  await expect(partial.getByTestId('partial-download-folder')).toHaveText(folder);
  await expect(partial.getByTestId('partial-download-size')).toHaveText(new RegExp(`^[\\d.]+ MB of ${formatBytes(DATA_BYTES).replace('.', '\\.')}$`));

  // After a reload (the worker long gone) the list still has it, with exactly the bytes OPFS holds.
  await page.reload();
  const files = await downloadsInOpfs(page);
  expect(files.map((f) => path.extname(f.name))).toEqual(['.json', '.part']);
  expect(JSON.parse(files[0]!.text!)).toMatchObject({ url: `${folder}onnx/model_q4.onnx_data`, size: DATA_BYTES });
  const kept = files[1]!.size;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(DATA_BYTES);
  await expect(partial.getByTestId('partial-download-size')).toHaveText(`${formatBytes(kept)} of ${formatBytes(DATA_BYTES)}`);
  await expect(partial).toContainText('kept in 1 file');
  // Listed once, as unfinished (with a way to resume), not also as a kept model that would fail to load.
  await expect(page.getByTestId('cached-model').filter({ hasText: folder })).toHaveCount(0);
  await expect(page.getByRole('button', { name: `Resume the download of ${folder}` })).toBeVisible();

  await page.getByRole('button', { name: `Delete the unfinished download of ${folder}` }).click();
  await expect(partial).toHaveCount(0);
  expect(await downloadsInOpfs(page)).toEqual([]);

  // Loading again starts the weights from their first byte, and the model scores.
  const before = server.requests.length;
  await loadFrom(page, folder);
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
  const dataGets = server.requests.slice(before).filter((r) => r.method === 'GET' && DATA_FILE.test(r.path));
  expect(dataGets.map((r) => r.range)).toEqual([undefined]);
  await page.getByLabel('Idea (abstract or proposal)').fill('A planted idea.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });
  expect(await downloadsInOpfs(page)).toEqual([]);
});
