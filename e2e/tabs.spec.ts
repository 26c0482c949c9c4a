import { expect, test } from './fixtures';

/**
 * Two tabs of the page hold the model once: the second finds it in the first (a Web Lock), loads nothing and
 * offers "Use this tab", which moves the model: the first tab releases its copy and says where it went.
 */
const TIMEOUT = 120_000;
test.skip(({ webgpu }) => webgpu, 'the lock does not depend on the device: covered in the wasm project');

test('a second tab does not load the model again; "Use this tab" moves it, and the first tab lets go', async ({ page, context }) => {
  await page.goto('/?model=tiny-planted-qwen2');
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: TIMEOUT });

  const second = await context.newPage();
  const weightRequests: string[] = [];
  second.on('request', (r) => /onnx_data/.test(r.url()) && weightRequests.push(r.url()));
  await second.goto('/?model=tiny-planted-qwen2');
  await expect(second.getByTestId('model-elsewhere')).toContainText('The model is loaded in another Referee tab', { timeout: TIMEOUT });
  await expect(second.getByTestId('model-line')).toContainText('The model is in another tab');
  await expect(second.getByTestId('model-device')).toHaveCount(0);
  expect(second.workers().filter((w) => w.url().includes('scorer.worker'))).toEqual([]);
  expect(weightRequests).toEqual([]);

  // An idea queued in the second tab waits; once the model is moved there, it is scored there.
  await second.getByLabel('Idea (abstract or proposal)').fill('Queued in the second tab.');
  await second.getByRole('button', { name: 'Add and score' }).click();
  await expect(second.getByTestId('idea-row').first()).toHaveAttribute('data-status', 'queued');
  await second.getByRole('button', { name: 'Use this tab' }).click();
  await expect(second.getByTestId('model-device')).toHaveText('wasm', { timeout: TIMEOUT });
  await expect(second.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: TIMEOUT });

  // The first tab let go of its copy (its worker is gone) and says where the model is.
  await expect(page.getByTestId('model-elsewhere')).toBeVisible({ timeout: TIMEOUT });
  await expect.poll(() => page.workers().filter((w) => w.url().includes('scorer.worker')).length, { timeout: TIMEOUT }).toBe(0);
});
