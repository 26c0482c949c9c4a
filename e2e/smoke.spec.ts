import { expect, test } from './fixtures';

test('the page loads, is cross-origin isolated, downloads nothing unasked and logs no errors', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Referee');
  await expect(page.getByRole('heading', { level: 1, name: 'Referee' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Add ideas' })).toBeVisible();
  await expect(page.getByTestId('model-status')).toHaveText(/No model loaded yet/);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
  expect(consoleErrors).toEqual([]);
});

test('a WebGPU adapter exists only in the webgpu project', async ({ page, webgpu }) => {
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'no navigator.gpu';
    return (await gpu.requestAdapter()) === null ? 'null' : 'adapter';
  });
  expect(adapter).toBe(webgpu ? 'adapter' : 'null');
});

test('the models route 404s missing files instead of serving HTML', async ({ request }) => {
  const response = await request.get('/models/no-such-model/config.json');
  expect(response.status()).toBe(404);
  expect(response.headers()['content-type'] ?? '').not.toContain('text/html');
});
