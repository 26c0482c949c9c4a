import { AutoTokenizer, env } from '@huggingface/transformers';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeEngine } from '../../src/engine/node/node-engine';
import { ModelError } from '../../src/models/model-error';
import { PASSES_PER_IDEA } from '../../src/engine/device-figures';
import { greedyWithCache, loadConverted } from '../support/tjs-node';

const FIXTURES = resolve('.fixtures');

/** Computed here rather than read from the browser tests' setup output, which does not exist before they run. */
async function referenceLogits(text: string): Promise<{ text: string; input_ids: number[]; logits: number[] }> {
  env.allowRemoteModels = false;
  env.localModelPath = `${FIXTURES}/`;
  const tokenizer = await AutoTokenizer.from_pretrained('tiny-random-qwen2');
  const inputIds = tokenizer.encode(text) as number[];
  const session = await loadConverted(`${FIXTURES}/tiny-random-qwen2`, 'fp32');
  const run = await greedyWithCache(session, inputIds, 1);
  await session.dispose();
  return { text, input_ids: inputIds, logits: Array.from(run.rows[0]!) };
}

/** The Engine interface in Node: the same load/forward/score/unload the page's worker serves. */
describe('NodeEngine', () => {
  const engine = new NodeEngine();
  beforeAll(async () => {
    await engine.load({ source: `${FIXTURES}/tiny-random-qwen2`, dtype: 'fp32' });
  });
  afterAll(() => engine.unload());

  it('reports what it loaded and what the machine offers', async () => {
    expect(engine.info).toMatchObject({ id: 'tiny-random-qwen2', dtype: 'fp32', device: 'cpu', subgroups: null });
    expect(await engine.capabilities()).toMatchObject({ runtime: 'node', devices: ['cpu', 'webgpu'], adapter: null });
  });

  it('forward gives the last position’s logits of a plain Transformers.js run on onnxruntime-node', async () => {
    const expected = await referenceLogits('Hello');
    const result = await engine.forward(expected.text);
    expect(result.inputIds).toEqual(expected.input_ids);
    expect(result.lastLogits).toHaveLength(expected.logits.length);
    const worst = result.lastLogits.reduce((most, x, i) => Math.max(most, Math.abs(x - expected.logits[i]!)), 0);
    expect(worst).toBeLessThan(1e-4);
    const best = expected.logits.reduce((top, x, i) => (x > expected.logits[top]! ? i : top), 0);
    expect(result.argmax).toBe(best);
  });

  it('measures the device with the synthetic idea: positive figures, the idea prefilled over the cached instructions', async () => {
    const figures = await engine.measureDevice();
    expect(figures.prefillTokensPerSecond).toBeGreaterThan(0);
    expect(figures.passMilliseconds).toBeGreaterThan(0);
    expect(figures.reusedTokens).toBeGreaterThan(50);
    // MEASURE_IDEA (~230 words) plus the prompt's tail and `\boxed{`.
    expect(figures.prefillTokens).toBeGreaterThan(200);
    expect(figures.secondsPerIdea).toBeCloseTo((figures.prefillTokens / figures.prefillTokensPerSecond) + (PASSES_PER_IDEA * figures.passMilliseconds) / 1000, 6);
    // Scoring still works after it (the instruction prefix's cache was read, not consumed).
    const outcome = await engine.score({ text: 'An idea after the measurement.' }, { maxNewTokens: 4 });
    expect(outcome.ok).toBe(true);
  });

  it('answers the diagnostics tests and benchmarks ask (the same the page’s worker answers)', async () => {
    expect(await engine.diagnose({ kind: 'trace-forwards' })).toBe(true);
    await engine.score({ text: 'A traced idea.' }, { maxNewTokens: 2 });
    const trace = await engine.diagnose({ kind: 'forward-trace' });
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.every((pass) => pass.tokens > 0 && pass.milliseconds >= 0)).toBe(true);
    expect(await engine.diagnose({ kind: 'kv-cache-counts' })).toMatchObject({ readBacks: expect.any(Number), onDevice: 0 });
    const ids = await engine.diagnose({ kind: 'prompt-token-ids', idea: { text: 'Hello' }, profile: 'paper', specialsInIdea: false });
    expect(ids).toEqual(expect.arrayContaining([151644, 151645]));
  });

  it('refuses a device Node does not have, and a missing folder, with ModelError codes', async () => {
    const other = new NodeEngine();
    await expect(other.load({ source: `${FIXTURES}/tiny-random-qwen2`, device: 'wasm' })).rejects.toMatchObject({ code: 'model-refused' });
    const missing = await other.load({ source: 'no-such-folder-here' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ModelError);
    expect((missing as ModelError).code).toBe('model-not-found');
    await expect(other.score({ text: 'An idea.' })).rejects.toMatchObject({ code: 'not-loaded' });
  });
});
