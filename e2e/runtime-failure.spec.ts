import type { Page } from '@playwright/test';
import { diagnose, expect, test } from './fixtures';

/**
 * A runtime that breaks mid-queue. "Lost": the GPU device is destroyed (on WASM, where there is no device,
 * the model's sessions are released); here Chromium's SwiftShader then fails the next run at its first
 * read-back, but a run on a lost device may also never settle, which the client's watchdog ends.
 * "Silent": the worker never answers a run, which only the watchdog can end.
 * Both shorten the watchdog (the adaptive bound starts at minutes) through `window.refereeDiagnostics`,
 * keeping it well above what a run of the tiny model takes: up to ~45 s on SwiftShader, ~1 s on WASM.
 */
const TIMEOUT = 240_000;
test.describe.configure({ timeout: 600_000 });

/** `webgpu`: asks for WebGPU in the address (Automatic would pick WASM over the SwiftShader adapter). */
async function openWithHangBound(page: Page, hangBoundMs: number, webgpu = false): Promise<void> {
  await page.addInitScript((bound) => Object.assign(window, { refereeDiagnostics: { ...(window as { refereeDiagnostics?: object }).refereeDiagnostics, hangBoundMs: bound } }), hangBoundMs);
  await page.goto(`/?model=tiny-planted-qwen2&dtype=q4${webgpu ? '&device=webgpu' : ''}`);
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
}

async function scorePlanted(page: Page): Promise<void> {
  await page.getByLabel('Idea (abstract or proposal)').fill('A planted idea.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });
}

function scorerWorker(page: Page) {
  const worker = page.workers().find((w) => w.url().includes('scorer.worker'));
  expect(worker, 'the scorer worker').toBeTruthy();
  return worker!;
}

/** Adds two ideas, expects the notice, then every idea scored 7.5 in a fresh worker and none failed. */
async function queueTwoAndRecover(page: Page, notice: RegExp): Promise<void> {
  await page.getByLabel('Paste many').check();
  await page.getByLabel(/Ideas, a blank line between each/).fill('After the loss, one.\n\nAfter the loss, two.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('notice')).toHaveText(notice, { timeout: TIMEOUT });
  await expect(page.locator('[data-testid="idea-row"][data-status="scored"]')).toHaveCount(3, { timeout: TIMEOUT * 2 });
  await expect(page.getByTestId('idea-row').getByTestId('greedy')).toHaveText(['7.5', '7.5', '7.5']);
  await expect(page.locator('[data-testid="idea-row"][data-status="failed"]')).toHaveCount(0);
}

test.describe('a runtime failure mid-queue', () => {
  test('lost: replaces the worker, tells the user, keeps the queue, and scoring resumes', async ({ page, webgpu }) => {
    await openWithHangBound(page, webgpu ? 150_000 : 30_000, webgpu);
    await scorePlanted(page);
    const how = await diagnose(page, { kind: 'lose-runtime' });
    expect(how).toBe(webgpu ? 'gpu-device-destroyed' : 'sessions-released');
    // The runtime's error text may span lines.
    await queueTwoAndRecover(page, /The model stopped working while scoring .* loading it again in a fresh worker/s);
  });

  test('silent: a run that never answers is ended by the watchdog, and scoring resumes', async ({ page, webgpu }) => {
    test.skip(webgpu, 'the watchdog is the page’s, the same on every device; on SwiftShader a bound safely above a run costs minutes');
    await openWithHangBound(page, 20_000);
    await scorePlanted(page);
    const silenced = scorerWorker(page);
    // The worker goes on working but its answers never reach the page, as when a run is stuck on the device.
    await silenced.evaluate(() => Object.assign(self, { postMessage: () => {} }));
    await queueTwoAndRecover(page, /The model stopped working while scoring \(The model did not answer within 20 s; its worker is being replaced\.\)/);
    expect(scorerWorker(page)).not.toBe(silenced);
  });
});
