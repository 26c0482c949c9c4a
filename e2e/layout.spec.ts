import { expect, test } from './fixtures';

test.skip(({ webgpu }) => webgpu, 'layout does not depend on the device; covered in the wasm project');
test.describe.configure({ timeout: 300_000 });

const SAMPLE = 'tiny-planted-qwen2';

for (const { width, height, name } of [
  { width: 1280, height: 900, name: 'desktop' },
  { width: 390, height: 844, name: 'phone' },
]) {
  test(`the ideas and their scores come first, the model state stays in view, light and dark (${width} px)`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await page.goto(`/?model=${SAMPLE}&dtype=q4`);
    await expect(page.getByTestId('model-device')).toBeVisible({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Try three sample ideas' }).click();
    await page.getByRole('button', { name: /^Score all unscored/ }).click();
    await expect(page.locator('[data-testid="idea-row"][data-status="scored"]')).toHaveCount(3, { timeout: 240_000 });
    for (const id of (await page.getByTestId('idea-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-idea-id')))).slice(0, 2)) {
      await page.locator(`[data-idea-id="${id}"]`).getByRole('checkbox', { name: /^Compare/ }).check();
    }
    // The chart column (with its greedy marker) is dropped on a phone, where the numbers say it.
    if (width >= 1280) await expect(page.getByTestId('greedy-mark').first()).toBeVisible();
    else await expect(page.getByTestId('greedy').first()).toBeVisible();

    const table = await page.getByTestId('ideas-scroll').boundingBox();
    const model = await page.getByRole('region', { name: 'Model', exact: true }).boundingBox();
    if (width >= 1280) {
      // Side by side: the list on the left, the model panel beside it, both at the top of the page.
      expect(table!.x + table!.width).toBeLessThanOrEqual(model!.x + 1);
      expect(table!.y).toBeLessThan(height);
    } else {
      // One column: the model panel first (nothing scores without one), then the list.
      expect(model!.y).toBeLessThan(table!.y);
    }
    // Scrolled to the end, the model state is still on screen.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await expect(page.getByTestId('model-line')).toBeInViewport();
    await expect(page.getByTestId('model-line')).toContainText(`${SAMPLE} · q4 on wasm`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ fullPage: true, path: testInfo.outputPath(`${name}-light.png`) });

    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(18, 19, 22)');
    await page.screenshot({ fullPage: true, path: testInfo.outputPath(`${name}-dark.png`) });
  });
}

test('the first screen lists the served models, explains the numbers, and collapses a long idea', async ({ page }) => {
  await page.goto('/');
  // The preview server lists /models/ (index.json); one click puts a model in the field.
  await expect(page.getByTestId('served-models')).toContainText('tiny-planted-qwen2 (fp16, fp32, q4, q4f16)');
  await page.getByTestId('served-models').getByRole('button', { name: 'tiny-varied-qwen2' }).click();
  await expect(page.getByLabel(/^Model \(a converted folder/)).toHaveValue('tiny-varied-qwen2');

  const long = Array.from({ length: 3000 }, (_, k) => `word${k}`).join(' ');
  await page.getByLabel('Idea (abstract or proposal)').fill(long);
  await page.getByRole('button', { name: 'Add without scoring' }).click();
  const row = page.getByTestId('idea-row').first();
  const collapsed = (await row.boundingBox())!.height;
  expect(collapsed).toBeLessThan(400);
  await expect(row.getByTestId('idea-text')).toHaveText(long);
  await row.getByRole('button', { name: 'Show all (3000 words)' }).click();
  await expect.poll(async () => (await row.boundingBox())!.height).toBeGreaterThan(collapsed * 3);
  await row.getByRole('button', { name: 'Show less' }).click();

  await page.getByText('What the numbers mean').click();
  await expect(page.getByTestId('glossary')).toContainText('The score the model writes in \\boxed{…} when it answers as in the paper');
  await expect(page.getByTestId('glossary')).toContainText('not the odds that a conference would accept the idea');
});
