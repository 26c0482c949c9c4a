import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/cli/serve';
import { expect, test } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLANTED = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures', 'tiny-planted-qwen2');
const quiet = { stdout: () => {}, stderr: () => {}, stdin: async () => new Uint8Array() };

test.describe('scoring through a completions server from the page (issue #14)', () => {
  test.skip(({ webgpu }) => webgpu, 'the page only talks HTTP here: WASM is enough');
  test.describe.configure({ timeout: 300_000 });

  test('the page scores through npm run serve with the local numbers, says ideas leave the browser, and remembers no key', async ({ page, baseURL }) => {
    const served = await startServer(
      { help: false, model: PLANTED, dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 64, maxTokens: 1000, corsOrigins: [baseURL!] },
      quiet,
    );
    try {
      await page.goto('/');
      await page.getByText('Score with a server instead').click();
      await expect(page.getByTestId('server-warning')).toContainText('Ideas you score this way leave this browser');
      await page.getByLabel('Server URL').fill(served.url);
      await page.getByLabel('Served model name').fill('planted');
      // The tokenizer comes from the folder this site serves, so prompts go as the local token ids.
      await page.getByLabel(/^Tokenizer/).fill('tiny-planted-qwen2');
      await page.getByRole('button', { name: 'Connect to the server' }).click();
      await expect(page.getByTestId('model-device')).toHaveText('server', { timeout: 120_000 });
      await expect(page.getByTestId('model-backend-reason')).toHaveText(`Scored by the server at ${served.url}: every idea you score is sent to it.`);

      await page.getByLabel('Idea (abstract or proposal)').fill('Route each token to 2 of 64 experts.');
      await page.getByRole('button', { name: 'Add and score' }).click();
      const row = page.getByTestId('idea-row').first();
      await expect(row).toHaveAttribute('data-status', 'scored', { timeout: 120_000 });
      await expect(row.getByTestId('greedy')).toHaveText('7.5');
      await expect(row.getByTestId('expected')).toHaveText(/^6\.70 ± 1\.23$/);
      await expect(row.getByTestId('p-accept')).toHaveText('70%');

      // A wrong model name is explained with what the server does serve.
      await page.getByLabel('Served model name').fill('other');
      await page.getByRole('button', { name: 'Connect to the server' }).click();
      // The server that worked stays: the page goes back to it and says why the other name failed.
      await expect(page.getByTestId('notice')).toHaveText(/does not serve "other"; it serves "planted".*Referee went back to planted, the model that was loaded\./, { timeout: 60_000 });
      await expect(page.getByTestId('model-status')).toContainText('Scored by the server at', { timeout: 60_000 });
    } finally {
      await served.server.close();
      await served.engine.unload();
    }
  });
});
