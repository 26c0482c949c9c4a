import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';

/**
 * `npm start`'s dev server, not the build: its first use of the Convert panel must not reload the page (Vite
 * used to discover onnx-proto there, optimize it, and reload, losing what the user had typed), and its
 * Content-Security-Policy (with the per-start nonce for Vite's own inline scripts) must hold.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');

test.skip(({ webgpu }) => webgpu, 'the dev server does not depend on the device; covered in the wasm project');
test.describe.configure({ timeout: 300_000 });

let dev: ChildProcess | null = null;
let origin = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

test.beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dev = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    env: { ...process.env, REFEREE_MODELS_DIR: FIXTURES_DIR, REFEREE_CONNECT_SRC: 'http://127.0.0.1:*' },
    stdio: 'ignore',
  });
  await expect.poll(() => fetch(`${origin}/`).then((r) => r.ok, () => false), { timeout: 120_000 }).toBe(true);
});

test.afterAll(() => {
  dev?.kill();
});

test('the dev server: the Convert panel’s first use keeps the page (and what was typed), under the dev policy', async ({ page }) => {
  await page.goto(`${origin}/`);
  await expect(page.getByRole('heading', { name: 'Referee' })).toBeVisible({ timeout: 120_000 });
  // Let the first load settle (the dev server may optimize what the entry imports, once, at start).
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => ((window as unknown as { refereeSameDocument: boolean }).refereeSameDocument = true));
  await page.getByLabel('Idea (abstract or proposal)').fill('Typed before converting.');

  await page.getByLabel('Checkpoint to convert (Hugging Face repo or URL)').fill(`${origin}/models/checkpoints/tiny-planted-qwen2`);
  await page.getByLabel('Build').selectOption('q4');
  await page.getByRole('button', { name: 'Check what it takes' }).click();
  await expect(page.getByRole('button', { name: 'Convert', exact: true })).toBeVisible({ timeout: 120_000 });

  expect(await page.evaluate(() => (window as unknown as { refereeSameDocument?: boolean }).refereeSameDocument === true)).toBe(true);
  await expect(page.getByLabel('Idea (abstract or proposal)')).toHaveValue('Typed before converting.');
});
