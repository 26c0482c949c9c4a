import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { promptText } from '../src/engine/prompt-tokens';
import { greedyWithCache, loadConverted } from '../test/support/tjs-node';
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
  adapter: { subgroups: boolean; subgroupMaxSize: number | null } | null;
  deviceSubgroups: boolean | null;
}

/** Written by e2e/global-setup.ts from Transformers.js on onnxruntime-node. */
function readExpected(dtype: string): { text: string; input_ids: number[]; logits: number[] } {
  return JSON.parse(readFileSync(path.join(MODEL_DIR, `expected-logits.${dtype}.json`), 'utf8'));
}

async function runProbe(page: Page, query: Record<string, string>, timeout = 110_000): Promise<ProbeResultJson> {
  await page.goto(`/probe.html?${new URLSearchParams(query).toString()}`);
  const result = page.getByTestId('probe-result');
  const error = page.getByTestId('probe-error');
  await expect(result.or(error)).toBeVisible({ timeout });
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

/**
 * Issue #12 §4: the varied model on a real scoring prompt (the paper profile, an idea of a few sentences and the
 * `\boxed{` the engine appends: 188 tokens). Short prompts hide the WebGPU attention fault below: with
 * SwiftShader's 4-lane subgroups, onnxruntime's subgroup flash-attention prefill kernel is exact for query
 * positions 0–3 only, and a 5-token prompt never reaches the rest.
 */
const VARIED = 'tiny-varied-qwen2';
const VARIED_DIR = path.join(FIXTURES_DIR, VARIED);
const LONG_IDEA =
  'Graph neural networks for medium-range weather forecasting with learned mesh refinement. We build a multi-scale ' +
  'mesh over the globe whose resolution is learned end to end from the forecast error, train on forty years of ' +
  'reanalysis data, and compare with operational numerical weather prediction at lead times from one to ten days, ' +
  'reporting skill scores and calibration.';
/** The criterion: every next-token probability within 1e-3 of Node's (observed: ≤ 2e-7 on both devices). */
const PROBABILITY_TOLERANCE = 1e-3;

interface NodeReference {
  text: string;
  inputIds: number[];
  logits: Record<string, Float32Array>;
}
let nodeReference: Promise<NodeReference> | null = null;

/** The scoring prompt and its last-position logits from Transformers.js on onnxruntime-node (CPU), as the CLI. */
function variedNodeReference(): Promise<NodeReference> {
  nodeReference ??= (async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${FIXTURES_DIR}/`;
    const tokenizer = await AutoTokenizer.from_pretrained(VARIED);
    const text = `${promptText(tokenizer as never, 'paper', { text: LONG_IDEA })}\\boxed{`;
    const inputIds = tokenizer.encode(text) as number[];
    const logits: Record<string, Float32Array> = {};
    for (const dtype of ['fp32', 'q4']) {
      const model = await loadConverted(VARIED_DIR, dtype);
      logits[dtype] = (await greedyWithCache(model, inputIds, 1)).rows[0]!;
      await model.dispose();
    }
    return { text, inputIds, logits };
  })();
  return nodeReference;
}

function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - b[i]!);
    if (!(diff <= worst)) worst = diff; // NaN counts as worst
  }
  return worst;
}

/**
 * WebGPU runs ask for a device without `subgroups` (`subgroups=0`): onnxruntime-web 1.31.0-dev's
 * GroupQueryAttention prefill then takes its kernel without subgroup shuffles, which matches Node to ~1e-5 in
 * the logits; with SwiftShader's subgroups (size 4) it is off by 0.55 (fp32) / 0.66 (q4) in the logits.
 */
const VARIED_RUNS = [
  ...['fp32', 'q4'].map((dtype) => ({ device: 'wasm' as const, dtype, query: {} })),
  ...['fp32', 'q4'].map((dtype) => ({ device: 'webgpu' as const, dtype, query: { subgroups: '0' } })),
];

test.describe('converted tiny varied Qwen2 on a 188-token scoring prompt in Chromium reproduces Node', () => {
  for (const { device, dtype, query } of VARIED_RUNS) {
    test(`${dtype} forward pass on ${device}`, async ({ page, webgpu, consoleErrors }) => {
      test.skip(device === 'webgpu' ? !webgpu : webgpu, `the ${device} runs belong to the ${device} project`);
      // SwiftShader takes ~50 s for this prompt; the Node reference ~2 s.
      test.setTimeout(300_000);
      const reference = await variedNodeReference();
      expect(reference.inputIds.length, 'a real scoring prompt length').toBeGreaterThanOrEqual(150);

      const result = await runProbe(page, { model: VARIED, dtype, device, text: reference.text, ...query }, 240_000);

      expect(result.device).toBe(device);
      expect(result.dtype).toBe(dtype);
      expect(result.inputIds).toEqual(reference.inputIds);
      if (device === 'webgpu') expect(result.deviceSubgroups).toBe(false);
      const expected = reference.logits[dtype]!;
      expect(result.lastLogits).toHaveLength(expected.length);
      expect(maxAbsDiff(result.lastLogits, expected), 'max |browser − Node| logit difference').toBeLessThanOrEqual(
        TOLERANCE[dtype]!,
      );
      expect(
        maxAbsDiff(softmax(result.lastLogits), softmax(expected)),
        'max |browser − Node| next-token probability difference',
      ).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      expect(consoleErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    });
  }
});

test.describe('onnxruntime-web WebGPU attention with a small-subgroup adapter (known fault, issue #12 §4)', () => {
  // Expected to fail while onnxruntime's subgroup flash-attention kernel is wrong for query positions at or past
  // the subgroup size; when this starts passing, the subgroups=0 device is no longer needed.
  test.fail();
  test('q4 on the runtime’s own WebGPU device (subgroups on)', async ({ page, webgpu }) => {
    test.skip(!webgpu, 'needs the WebGPU project');
    test.setTimeout(300_000);
    const reference = await variedNodeReference();
    const result = await runProbe(page, { model: VARIED, dtype: 'q4', device: 'webgpu', text: reference.text, subgroups: '1' }, 240_000);
    const adapter = result.adapter;
    test.skip(!adapter?.subgroups || (adapter.subgroupMaxSize ?? 0) >= 32, 'the adapter has no small subgroups');
    expect(maxAbsDiff(result.lastLogits, reference.logits.q4!)).toBeLessThanOrEqual(TOLERANCE.q4!);
  });
});
