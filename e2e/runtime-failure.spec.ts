import { expect, test } from './fixtures';

/**
 * A runtime that breaks mid-queue, as when the GPU device is lost. On WASM (no device) the test releases the
 * model's sessions, so the next run fails. The WebGPU variant (destroying the real device) is skipped: on
 * SwiftShader the next run then never settled within 10 minutes (no error, no result), which needs a
 * per-idea watchdog in the client before it can be tested; see the issue note.
 */
const TIMEOUT = 240_000;
test.describe.configure({ timeout: 600_000 });
test.skip(({ webgpu }) => webgpu, 'a destroyed SwiftShader device hangs the next run instead of failing it (needs a watchdog)');

async function scorePlanted(page: import('@playwright/test').Page): Promise<void> {
  await page.getByLabel('Idea (abstract or proposal)').fill('A planted idea.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });
}

test.describe('a runtime failure mid-queue', () => {
  test('replaces the worker, tells the user, keeps the queue, and scoring resumes', async ({ page, webgpu }) => {
    await page.goto('/?model=tiny-planted-qwen2&dtype=q4');
    await expect(page.getByTestId('model-device')).toBeVisible({ timeout: TIMEOUT });
    await scorePlanted(page);
    const worker = page.workers().find((w) => w.url().includes('scorer.worker'));
    const how = await worker!.evaluate(() => (self as unknown as { refereeDiagnostics: { loseRuntime(): Promise<string> } }).refereeDiagnostics.loseRuntime());
    expect(how).toBe(webgpu ? 'gpu-device-destroyed' : 'sessions-released');

    await page.getByLabel('Paste many').check();
    await page.getByLabel(/Ideas, a blank line between each/).fill('After the loss, one.\n\nAfter the loss, two.');
    await page.getByRole('button', { name: 'Add and score' }).click();
    await expect(page.getByTestId('notice')).toHaveText(/The model stopped working while scoring .* loading it again in a fresh worker/, { timeout: TIMEOUT });
    await expect(page.locator('[data-testid="idea-row"][data-status="scored"]')).toHaveCount(3, { timeout: TIMEOUT * 2 });
    await expect(page.getByTestId('idea-row').getByTestId('greedy')).toHaveText(['7.5', '7.5', '7.5']);
    await expect(page.locator('[data-testid="idea-row"][data-status="failed"]')).toHaveCount(0);
  });
});
