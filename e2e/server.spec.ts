import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test.describe('a server the page cannot reach is said with its cause', () => {
  test.skip(({ webgpu }) => webgpu, 'the page only talks HTTP here: WASM is enough');
  // One of the causes is this page's own policy refusing the address: that violation is the point.
  test.use({ cspViolationsExpected: true });

  test('the page’s security policy is named; a server that does not allow this origin (CORS) or is not there is said as either', async ({ page }) => {
    // Answers /v1/models, but with no CORS headers: the page may send, not read.
    const noCors = createServer((_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":[{"id":"planted"}]}'));
    await new Promise<void>((done) => noCors.listen(0, '127.0.0.1', done));
    const port = (noCors.address() as AddressInfo).port;
    // A port nothing listens on: opened, read, closed.
    const gone = createServer();
    await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
    const gonePort = (gone.address() as AddressInfo).port;
    await new Promise<void>((done) => gone.close(() => done()));
    try {
      await page.goto('/');
      await page.getByText('Score with a server instead').click();
      const connect = async (url: string) => {
        await page.getByLabel('Server URL').fill(url);
        await page.getByLabel('Served model name').fill('planted');
        await page.getByRole('button', { name: 'Connect to the server' }).click();
      };
      // A server that does not allow this origin and one that is not there look the same from the page: both are named.
      const eitherCause = /Nothing readable came back from http:\/\/127\.0\.0\.1:\d+\/v1: either nothing answers there .* or the server does not allow this page \(http:\/\/127\.0\.0\.1:\d+\) .*--cors-origin/;
      await connect(`http://127.0.0.1:${port}/v1`);
      await expect(page.getByTestId('model-error')).toHaveText(eitherCause, { timeout: 60_000 });
      await connect(`http://127.0.0.1:${gonePort}/v1`);
      await expect(page.getByTestId('model-error')).toHaveText(new RegExp(`:${gonePort}/v1: either nothing answers`), { timeout: 60_000 });
      // The e2e build allows http://127.0.0.1:* only (REFEREE_CONNECT_SRC): localhost is another origin.
      await connect(`http://localhost:${port}/v1`);
      await expect(page.getByTestId('model-error')).toHaveText(/security policy .* does not allow connecting to http:\/\/localhost:\d+: .*REFEREE_CONNECT_SRC/, { timeout: 60_000 });
    } finally {
      await new Promise<void>((done) => noCors.close(() => done()));
    }
  });
});
