import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';

/** 25,000 ideas of about 800 characters: a 20 MB JSONL file, as a researcher's agent loop writes them. */
const COUNT = 25_000;

function writeIdeas(): string {
  const sentence = 'We study how sparse mixtures of experts trade compute for accuracy under a fixed training budget. ';
  const lines = Array.from({ length: COUNT }, (_, k) => JSON.stringify({ id: `idea-${k}`, title: `Idea number ${k}`, text: `${k}: ${sentence.repeat(8)}` }));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'referee-large-')), 'ideas.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test.describe.configure({ timeout: 300_000 });
test.skip(({ webgpu }) => webgpu, 'the list does not depend on the device: covered in the wasm project');

test('25,000 imported ideas are all listed, found, sorted, exported and kept across a reload; only the rows in view are drawn', async ({ page }) => {
  const file = writeIdeas();
  await page.goto('/');
  await page.getByLabel(/Import a file/).setInputFiles(file);
  await expect(page.getByTestId('notice')).toContainText(`Imported ${COUNT} ideas from ideas.jsonl.`);
  await expect(page.getByTestId('progress')).toHaveText(`0 of ${COUNT} scored`);
  // A virtualized table: the page holds a few dozen rows, not 25,000.
  const drawn = await page.getByTestId('idea-row').count();
  expect(drawn).toBeGreaterThan(3);
  expect(drawn).toBeLessThan(80);
  await expect(page.getByTestId('idea-row').first().getByTestId('idea-title')).toHaveText('Idea number 0');

  // The last idea is reachable by scrolling the list.
  await page.getByTestId('ideas-scroll').evaluate((element) => element.scrollTo(0, element.scrollHeight));
  await expect(page.locator('[data-idea-id="idea-24999"]')).toBeVisible();

  // Find narrows the list to the matching ideas.
  await page.getByLabel('Find ideas').fill('Idea number 24998');
  await expect(page.getByTestId('filter-count')).toHaveText(' 1 of 25000 ideas');
  await expect(page.getByTestId('idea-row')).toHaveCount(1);
  await page.getByLabel('Find ideas').fill('');

  // The export carries every idea, written off the main thread.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSONL' }).click()]);
  const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(COUNT);
  expect(JSON.parse(lines[COUNT - 1]!)).toMatchObject({ id: 'idea-24999', status: 'draft' });

  // Saved per idea: once the save is done, a reload restores every idea, in order.
  await expect(page.getByTestId('list-saving')).toHaveCount(0, { timeout: 120_000 });
  await page.reload();
  await expect(page.getByTestId('progress')).toHaveText(`0 of ${COUNT} scored`, { timeout: 60_000 });
  await expect(page.getByTestId('idea-row').first().getByTestId('idea-title')).toHaveText('Idea number 0');

  // One idea removed is one idea gone after the next reload; clearing empties the list at once.
  await page.getByRole('button', { name: 'Remove Idea number 0' }).click();
  await expect(page.getByTestId('progress')).toHaveText(`0 of ${COUNT - 1} scored`);
  await page.waitForTimeout(500);
  await page.reload();
  await expect(page.getByTestId('progress')).toHaveText(`0 of ${COUNT - 1} scored`, { timeout: 60_000 });
  await expect(page.getByTestId('idea-row').first().getByTestId('idea-title')).toHaveText('Idea number 1');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Clear the list' }).click();
  await expect(page.getByTestId('idea-row')).toHaveCount(0);
  await page.waitForTimeout(500);
  await expect(page.getByTestId('list-saving')).toHaveCount(0, { timeout: 120_000 });
  await page.reload();
  await expect(page.getByText('No ideas yet.')).toBeVisible({ timeout: 60_000 });
});
