import { expect, test } from './fixtures';

/**
 * The Backend setting. With Automatic, a software WebGPU adapter (SwiftShader here, ~50× slower than WASM)
 * is passed over for WASM when the model fits there, and the page says why; choosing WebGPU uses it anyway,
 * and the choice is kept for the next visit. Without an adapter, choosing WebGPU is refused with the way out.
 */
const TIMEOUT = 240_000;
/** No dtype: each device's default, as a user gets it. */
const MODEL = '/?model=tiny-planted-qwen2';
test.describe.configure({ timeout: 600_000 });

test('Automatic runs the tiny model on WASM over SwiftShader and says why; WebGPU, chosen, is used and kept', async ({ page, webgpu }) => {
  test.skip(!webgpu, 'needs the SwiftShader adapter of the webgpu project');
  const backend = page.getByRole('combobox', { name: 'Backend' });
  const device = page.getByTestId('model-device');
  const reason = page.getByTestId('model-backend-reason');

  await page.goto(MODEL);
  await expect(device).toHaveText('wasm', { timeout: TIMEOUT });
  await expect(backend).toHaveValue('auto');
  await expect(reason).toHaveText(
    "WASM: this browser's WebGPU adapter is a software renderer (SwiftShader), which runs models about 50× slower than WASM; choose WebGPU under Backend to use it anyway.",
  );
  await expect(page.getByTestId('model-adapter')).toHaveText('WebGPU adapter: google swiftshader (software renderer), without shader-f16, buffers up to 1.1 GB');

  await backend.selectOption('webgpu');
  await expect(device).toHaveText('webgpu', { timeout: TIMEOUT });
  // SwiftShader's 4-lane subgroups: the worker's device has the subgroups feature off (see scorer.worker.ts).
  await expect(reason).toHaveText(
    'WebGPU, as chosen under Backend, on a software renderer (SwiftShader): expect it to be about 50× slower than WASM. ' +
      'Subgroup operations are off on this adapter: onnxruntime’s attention gets them wrong below 32 lanes.',
  );
  // Chromium has JSPI: the cached weights went to onnxruntime as Blobs, read tensor by tensor (not held twice).
  await expect(page.getByTestId('model-runtime')).toHaveText(/tensor by tensor \(onnxruntime-web’s JSPI build\): the model was never in memory twice/);

  // Kept: the next visit loads the remembered model on WebGPU again.
  await page.goto('/');
  await expect(backend).toHaveValue('webgpu');
  await expect(device).toHaveText('webgpu', { timeout: TIMEOUT });

  await backend.selectOption('auto');
  await expect(device).toHaveText('wasm', { timeout: TIMEOUT });
  await expect(reason).toHaveText(/^WASM: this browser's WebGPU adapter is a software renderer \(SwiftShader\)/);
});

test('without a WebGPU adapter, choosing WebGPU is refused with the way out, and WASM chosen loads', async ({ page, webgpu }) => {
  test.skip(webgpu, 'needs a browser without WebGPU (the wasm project)');
  const backend = page.getByRole('combobox', { name: 'Backend' });

  await page.goto(MODEL);
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: TIMEOUT });
  await expect(page.getByTestId('model-backend-reason')).toHaveText('WASM: this browser offers no WebGPU adapter.');
  await expect(page.getByTestId('model-adapter')).toHaveText('WebGPU adapter: none in this browser');

  await backend.selectOption('webgpu');
  await expect(page.getByTestId('model-error')).toHaveText(/WebGPU was asked for, but this browser offers no WebGPU adapter; choose Automatic or WASM under Backend\./, {
    timeout: TIMEOUT,
  });

  await backend.selectOption('wasm');
  await expect(page.getByTestId('model-device')).toHaveText('wasm', { timeout: TIMEOUT });
  await expect(page.getByTestId('model-runtime')).toHaveText(/tensor by tensor/);
  await expect(page.getByTestId('model-backend-reason')).toHaveText('WASM, as chosen under Backend.');
});
