import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = 'tiny-random-qwen2';
// Same default and override as playwright.config.ts (which serves this folder at /models/).
const FIXTURES_DIR = path.resolve(ROOT, process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
const MODEL_DIR = path.join(FIXTURES_DIR, MODEL);
const MODEL_FILE = path.join(MODEL_DIR, 'onnx', 'model.onnx');

/**
 * Largest |browser − Node| last-position logit difference allowed, per dtype. Both run the same graph;
 * what differs is the runtime build (onnxruntime-web vs onnxruntime-node) and, on WebGPU, the kernels.
 * Float16 activations make fp16/q4f16 kernels' summation order visible.
 */
const TOLERANCE: Record<string, number> = { fp32: 1e-3, q4: 1e-3, fp16: 2e-2, q4f16: 2e-2 };

interface ProbeResultJson {
  device: string;
  dtype: string;
  inputIds: number[];
  logitsDims: number[];
  lastLogits: number[];
  argmax: number;
}

/** Written by e2e/global-setup.ts from Transformers.js on onnxruntime-node. */
function readExpected(dtype: string): { text: string; input_ids: number[]; logits: number[] } {
  return JSON.parse(readFileSync(path.join(MODEL_DIR, `expected-logits.${dtype}.json`), 'utf8'));
}

async function runProbe(page: Page, query: Record<string, string>): Promise<ProbeResultJson> {
  await page.goto(`/probe.html?${new URLSearchParams(query).toString()}`);
  const result = page.getByTestId('probe-result');
  const error = page.getByTestId('probe-error');
  await expect(result.or(error)).toBeVisible({ timeout: 110_000 });
  if (await error.isVisible()) throw new Error(`probe failed: ${await error.textContent()}`);
  return JSON.parse((await result.textContent()) ?? '') as ProbeResultJson;
}

// WebGPU here is SwiftShader: no shader-f16, so only the float32-activation builds can run on it.
const RUNS = [
  ...['fp32', 'fp16', 'q4', 'q4f16'].map((dtype) => ({ device: 'wasm' as const, dtype })),
  ...['fp32', 'q4'].map((dtype) => ({ device: 'webgpu' as const, dtype })),
];

test.describe('converted tiny random Qwen2 in Chromium reproduces Node', () => {
  for (const { device, dtype } of RUNS) {
    test(`${dtype} forward pass on ${device}`, async ({ page, webgpu, consoleErrors }) => {
      test.skip(device === 'webgpu' ? !webgpu : webgpu, `the ${device} runs belong to the ${device} project`);
      const config = JSON.parse(readFileSync(path.join(MODEL_DIR, 'config.json'), 'utf8')) as { vocab_size: number };
      const expected = readExpected(dtype);

      const result = await runProbe(page, { model: MODEL, dtype, device, text: expected.text });

      expect(result.device).toBe(device);
      expect(result.dtype).toBe(dtype);
      expect(result.inputIds).toEqual(expected.input_ids);
      expect(result.logitsDims.at(-1)).toBe(config.vocab_size);
      expect(result.lastLogits).toHaveLength(config.vocab_size);
      let worst = 0;
      result.lastLogits.forEach((x, i) => {
        const diff = Math.abs(x - expected.logits[i]!);
        if (!(diff <= worst)) worst = diff;
      });
      expect(worst, 'max |browser − Node| logit difference').toBeLessThanOrEqual(TOLERANCE[dtype]!);
      // Optional hub files (e.g. generation_config.json) may 404; nothing else may log an error.
      expect(consoleErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    });
  }

  test('the models route serves byte ranges with isolation headers', async ({ request }) => {
    const size = readFileSync(MODEL_FILE).length;
    const whole = await request.head(`/models/${MODEL}/onnx/model.onnx`);
    expect(whole.status()).toBe(200);
    expect(whole.headers()['content-length']).toBe(String(size));
    expect(whole.headers()['accept-ranges']).toBe('bytes');
    expect(whole.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(whole.headers()['cross-origin-resource-policy']).toBe('same-origin');

    const part = await request.get(`/models/${MODEL}/onnx/model.onnx`, { headers: { Range: 'bytes=4-19' } });
    expect(part.status()).toBe(206);
    expect(part.headers()['content-range']).toBe(`bytes 4-19/${size}`);
    expect(part.headers()['content-length']).toBe('16');
    expect(Buffer.compare(await part.body(), readFileSync(MODEL_FILE).subarray(4, 20))).toBe(0);

    const beyond = await request.get(`/models/${MODEL}/onnx/model.onnx`, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status()).toBe(416);
  });
});
