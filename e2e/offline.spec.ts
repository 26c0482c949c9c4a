import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The other specs block service workers so that their routes see every request; this one needs it.
test.use({ serviceWorkers: 'allow' });
test.skip(({ webgpu }) => webgpu, 'the app shell does not depend on the device; covered in the wasm project');
test.describe.configure({ timeout: 300_000 });

const shellCaches = (page: Page) => page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith('referee-shell-')));

/** Waits until the service worker controls the page and its cache holds the shell. */
async function waitForShell(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 60_000 }).toBe(true);
  await expect.poll(() => shellCaches(page)).toHaveLength(1);
}

test('after one visit the page opens and scores with the network off; a new shell replaces the old cache', async ({ page, context }) => {
  await page.goto('/?model=tiny-planted-qwen2&dtype=q4');
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: 120_000 });
  await waitForShell(page);
  const files = await page.evaluate(async () => {
    const name = (await caches.keys()).find((n) => n.startsWith('referee-shell-'))!;
    return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  });
  expect(files).toEqual(expect.arrayContaining(['/', expect.stringMatching(/^\/assets\/main-.*\.js$/), expect.stringMatching(/\.wasm$/), '/sample-ideas.jsonl']));

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Referee' })).toBeVisible();
  // Still cross-origin isolated from the cached page (multi-threaded WASM needs it).
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('model-device')).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('Idea (abstract or proposal)').fill('Scored with the network off.');
  await page.getByRole('button', { name: 'Add and score' }).click();
  await expect(page.getByTestId('idea-row').first().getByTestId('greedy')).toHaveText('7.5', { timeout: 120_000 });
  await context.setOffline(false);

  // A new version of the shell (here: a fresh install beside a stale cache) deletes the old cache when it takes over.
  const current = (await shellCaches(page))[0]!;
  await page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration())!.unregister();
    await (await caches.open('referee-shell-stale')).put('/', new Response('an old page'));
  });
  await page.reload();
  await page.reload();
  await waitForShell(page);
  expect(await shellCaches(page)).toEqual([current]);
});
