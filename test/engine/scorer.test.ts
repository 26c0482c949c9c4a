import { FIXED_KV_CACHE } from '../../src/engine/kv-cache-ops';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_PROFILES } from '../../src/scoring/prompt-profiles';
import { ScoreResultSchema, type ScoreResult } from '../../src/scoring/scored-idea';
import { loadScorer } from '../../src/engine/load-scorer';
import type { QwenScorer } from '../../src/engine/qwen-scorer';
import type { ScoreOutcome } from '../../src/engine/scorer-types';
import { TOKEN } from '../../src/fixtures/catalog';
import { logSoftmax, Qwen2Reference } from '../reference/qwen2-reference';

const FIXTURES = resolve('.fixtures');

function useFixtures(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${FIXTURES}/`;
}

function scored(outcome: ScoreOutcome): ScoreResult {
  if (!outcome.ok) throw new Error(`expected a score, got ${outcome.error.code}: ${outcome.error.message}`);
  return ScoreResultSchema.parse(outcome.result);
}

function probabilityOf(result: ScoreResult, score: number): number {
  return result.distribution.entries.find((e) => e.score === score)?.probability ?? 0;
}

const IDEA = { title: 'Sparse experts', text: 'Route each token to 2 of 64 experts; 3x cheaper at equal loss.' };

/** Planted numbers per dtype: fp32 and q4 store the planted logits exactly; float16 rounds them. */
const PLANTED_TOLERANCE: Record<string, number> = { fp32: 1e-4, q4: 1e-4, fp16: 2e-3, q4f16: 2e-3 };

describe.each(['fp32', 'q4', 'fp16', 'q4f16'] as const)('planted model, %s', (dtype) => {
  let scorer: QwenScorer;
  beforeAll(async () => {
    useFixtures();
    scorer = await loadScorer('tiny-planted-qwen2', { dtype, device: 'cpu' });
  });
  afterAll(() => scorer.dispose());

  it('greedy 7.5, expected 6.7, P(>5.5) 0.7, P(≥7.5) 0.7, coverage ≈ 1, decision pass', async () => {
    const tolerance = PLANTED_TOLERANCE[dtype]!;
    const result = scored(await scorer.score(IDEA));
    expect(result.greedy).toEqual({ score: 7.5, answer: '\\boxed{7.5}' });
    expect(Math.abs(result.expected! - 6.7)).toBeLessThanOrEqual(tolerance * 10);
    expect(Math.abs(result.pAbove - 0.7)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(result.distribution.coverage - 1)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(probabilityOf(result, 7.5) - 0.7)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(probabilityOf(result, 5) - 0.2)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(probabilityOf(result, 4.5) - 0.1)).toBeLessThanOrEqual(tolerance);
    expect(result.mode).toBe(7.5);
    expect(result.decision).toEqual({ pass: true, by: 'greedy', value: 7.5, threshold: 5.5, comparison: '>' });
    const atLeast = scored(await scorer.score(IDEA, { decision: { threshold: 7.5, comparison: '>=', decideBy: 'greedy' } }));
    expect(Math.abs(atLeast.pAbove - 0.7)).toBeLessThanOrEqual(tolerance);
    expect(atLeast.decision.pass).toBe(true);
    // One prefill (the box appended and confirmed), then one batched single-token pass per level of the
    // box: [7 | 5 | 4], [. | .] after 7 and 4, [5 | 5] after "7." and "4.": 4 passes for the whole
    // distribution (6 before the readout was batched), where greedy decoding alone takes 8 (a prefill and \ boxed { 7 . 5 }).
    expect(result.provenance.forwardPasses).toBe(4);
    expect(result.provenance.model).toEqual({ id: 'tiny-planted-qwen2', revision: null, dtype, device: 'cpu' });
  });
});

describe('a model that writes text before its box', () => {
  it('decodes greedily until \\boxed{ and reads the same distribution there', async () => {
    useFixtures();
    const scorer = await loadScorer('tiny-planted-prefix-qwen2', { dtype: 'fp32', device: 'cpu' });
    scorer.decoder.trace = [];
    const result = scored(await scorer.score(IDEA, { profile: 'agent' }));
    const trace = scorer.decoder.trace;
    await scorer.dispose();
    expect(result.greedy).toEqual({ score: 7.5, answer: 'Score:\\boxed{7.5}' });
    // The idea is prefilled once: the forced-box pass's cache, cut back to the prompt, serves the decoding.
    const { prompt, reusedPrefix, prefilled } = result.provenance.tokens;
    expect(reusedPrefix).toBeGreaterThan(0);
    const fromIdea = trace.filter((pass) => pass.pastLength === reusedPrefix);
    expect(fromIdea).toHaveLength(1);
    expect(fromIdea[0]!.tokens).toHaveLength(prompt - reusedPrefix + 3);
    expect(prefilled).toBe(prompt - reusedPrefix + 3);
    // Every later pass starts past the prompt: no position of the idea is computed twice.
    expect(trace.filter((pass) => pass.pastLength > 0 && pass.pastLength < prompt)).toEqual(fromIdea);
    // The forced pass, "Score" ":" "\\" "boxed" "{" decoded (5), then 3 batched readout passes.
    expect(result.provenance.forwardPasses).toBe(1 + 5 + 3);
    expect(result.provenance.readout).toBe('decoded');
    expect(result.provenance.tokens.decodedBeforeBox).toBe(5); // Score, :, \, boxed, {
    expect(Math.abs(result.expected! - 6.7)).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(result.pAbove - 0.7)).toBeLessThanOrEqual(1e-4);
  });
});

describe('where the KV cache cannot be read back (Node on WebGPU)', () => {
  it('reads the same distribution one continuation per pass, and prefills again after a failed forced box', async () => {
    useFixtures();
    const planted = await loadScorer('tiny-planted-qwen2', { dtype: 'q4', device: 'cpu', kvCacheOps: FIXED_KV_CACHE });
    const direct = scored(await planted.score(IDEA));
    await planted.dispose();
    expect(direct.greedy).toEqual({ score: 7.5, answer: '\\boxed{7.5}' });
    expect(Math.abs(probabilityOf(direct, 7.5) - 0.7)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(probabilityOf(direct, 4.5) - 0.1)).toBeLessThanOrEqual(1e-4);
    // The prefill, then 7 single-token passes: 7 | 5 | 4, . | ., 5 | 5.
    expect(direct.provenance.forwardPasses).toBe(8);

    const prefix = await loadScorer('tiny-planted-prefix-qwen2', { dtype: 'fp32', device: 'cpu', kvCacheOps: FIXED_KV_CACHE });
    const decoded = scored(await prefix.score(IDEA, { profile: 'agent' }));
    await prefix.dispose();
    expect(decoded.greedy).toEqual({ score: 7.5, answer: 'Score:\\boxed{7.5}' });
    const { prompt, reusedPrefix, prefilled } = decoded.provenance.tokens;
    expect(prefilled).toBe(2 * (prompt - reusedPrefix) + 3);
  });
});

describe('varied model: the engine against an independent float64 forward', () => {
  const IDEAS = [
    { text: 'Graph neural networks for medium-range weather forecasting.' },
    { title: 'Curvature-aware optimizer', text: 'Adapt per-layer learning rates from cheap Hessian-trace estimates.' },
    { text: 'x' },
  ];
  let scorer: QwenScorer;
  let reference: Qwen2Reference;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  beforeAll(async () => {
    useFixtures();
    scorer = await loadScorer('tiny-varied-qwen2', { dtype: 'fp32', device: 'cpu' });
    reference = await Qwen2Reference.load(join(FIXTURES, 'checkpoints', 'tiny-varied-qwen2'));
    tokenizer = await AutoTokenizer.from_pretrained('tiny-varied-qwen2');
  });
  afterAll(() => scorer.dispose());

  /** P(path | prompt + \boxed{) by the reference, continuing one cached prompt. */
  function referencePathProbability(boxedPrompt: number[], path: number[]): number {
    reference.reset();
    const rows = [reference.forwardLast(boxedPrompt)];
    const length = reference.cachedLength;
    rows.push(...reference.forward(path.slice(0, -1)));
    reference.truncate(length);
    return path.reduce((p, token, i) => p * Math.exp(logSoftmax(rows[i]!)[token]!), 1);
  }

  it.each(IDEAS.map((idea, i) => [i, idea] as const))('idea %i: distribution and greedy score match', async (_, idea) => {
    const result = scored(await scorer.score(idea));
    // The prompt written out by hand from the paper profile and ChatML, tokenized independently.
    const { system, instructions } = PROMPT_PROFILES.paper;
    const text = `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${instructions}${idea.title ?? ''}\n${idea.text}<|im_end|>\n<|im_start|>assistant\n`;
    const prompt = [...(tokenizer.encode(text, { add_special_tokens: false }) as number[]), TOKEN.backslash, TOKEN.boxed, TOKEN.openBrace];
    expect(result.provenance.tokens.prompt).toBe(prompt.length - 3);
    const d = TOKEN.digit;
    const expected: Record<number, number> = {
      7.5: referencePathProbability(prompt, [d(7), TOKEN.dot, d(5), TOKEN.closeBrace]),
      5: referencePathProbability(prompt, [d(5), TOKEN.closeBrace]),
      4.5: referencePathProbability(prompt, [d(4), TOKEN.dot, d(5), TOKEN.closeBrace]),
    };
    for (const [score, probability] of Object.entries(expected)) {
      expect(Math.abs(probabilityOf(result, Number(score)) - probability), `P(${score})`).toBeLessThanOrEqual(1e-4);
    }
    const greedy = Number(Object.entries(expected).sort((a, b) => b[1] - a[1])[0]![0]);
    expect(result.greedy.score).toBe(greedy);
  });

  it('reusing the instruction prefix cache changes no result', async () => {
    for (const idea of IDEAS) {
      const reused = scored(await scorer.score(idea, { reusePrefix: true }));
      const fresh = scored(await scorer.score(idea, { reusePrefix: false }));
      expect(reused.provenance.tokens.reusedPrefix).toBeGreaterThan(100);
      expect(fresh.provenance.tokens.reusedPrefix).toBe(0);
      expect(reused.provenance.tokens.prefilled + reused.provenance.tokens.reusedPrefix).toBe(fresh.provenance.tokens.prefilled);
      expect(reused.greedy).toEqual(fresh.greedy);
      expect(reused.distribution.entries.map((e) => e.score)).toEqual(fresh.distribution.entries.map((e) => e.score));
      reused.distribution.entries.forEach((e, i) => expect(Math.abs(e.probability - fresh.distribution.entries[i]!.probability)).toBeLessThanOrEqual(1e-5));
    }
  });

  it('streams a batch in order, keeps going past a failed idea, and stops between ideas when cancelled', async () => {
    const seen: number[] = [];
    const outcomes = await scorer.scoreAll([IDEAS[0]!, { text: '   ' }, IDEAS[1]!], { onResult: (i) => seen.push(i) });
    expect(seen).toEqual([0, 1, 2]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'empty-idea' } });

    const controller = new AbortController();
    const partial = await scorer.scoreAll(IDEAS, {
      signal: controller.signal,
      onResult: (i) => {
        if (i === 0) controller.abort();
      },
    });
    expect(partial).toHaveLength(1);
  });
});

describe('bad input and bad models', () => {
  let scorer: QwenScorer;
  beforeAll(async () => {
    useFixtures();
    scorer = await loadScorer('tiny-planted-qwen2', { dtype: 'q4', device: 'cpu', maxPromptTokens: 300 });
  });
  afterAll(() => scorer.dispose());

  it('an empty idea is rejected with a message', async () => {
    expect(await scorer.score({ title: 'Only a title', text: ' \n ' })).toEqual({
      ok: false,
      error: { code: 'empty-idea', message: 'The idea is empty: give its text (an abstract or proposal).' },
    });
  });

  it('an idea over the prompt limit is rejected with its token count, never truncated', async () => {
    const outcome = await scorer.score({ text: 'word '.repeat(400) });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('too-long');
    expect(outcome.error.message).toMatch(/The idea is \d{3} tokens; with the instructions the prompt is \d{3} tokens, over the limit of 290/);
  });

  it('a model whose answer holds no box gives "no score" and keeps the raw text', async () => {
    useFixtures();
    const random = await loadScorer('tiny-random-qwen2', { dtype: 'fp32', device: 'cpu' });
    const result = scored(await random.score(IDEA, { maxNewTokens: 12 }));
    await random.dispose();
    expect(result.greedy.score).toBeNull();
    expect(result.greedy.answer.length).toBeGreaterThan(0);
    expect(result.provenance.readout).toBe('none');
    expect(result.distribution).toEqual({ entries: [], coverage: 0 });
    expect(result.decision).toMatchObject({ pass: null, by: 'greedy' });
    // The checked prefill (greedy did not write the box; its cache, cut back, is reused), then 11 more steps
    // for 12 tokens. It was 13 while the idea was prefilled a second time without the box.
    expect(result.provenance.forwardPasses).toBe(12);
    expect(result.provenance.tokens.decodedBeforeBox).toBe(12);
  });

  it('a folder of another architecture, or one that lacks its ONNX file, fails with a clear error', async () => {
    const root = await mkdtemp(join(tmpdir(), 'referee-badmodel-'));
    await cp(join(FIXTURES, 'tiny-planted-qwen2'), join(root, 'mistral'), { recursive: true });
    const config = JSON.parse(await readFile(join(root, 'mistral', 'config.json'), 'utf8'));
    await writeFile(join(root, 'mistral', 'config.json'), JSON.stringify({ ...config, model_type: 'mistral' }));
    await cp(join(FIXTURES, 'tiny-planted-qwen2', 'config.json'), join(root, 'empty', 'config.json'), { recursive: true });
    env.localModelPath = `${root}/`;
    await expect(loadScorer('mistral', { dtype: 'q4', device: 'cpu' })).rejects.toThrow(/mistral is a "mistral" model; Referee converts and scores Qwen2ForCausalLM \("qwen2"\) and LlamaForCausalLM \("llama"\) decoders only/);
    await expect(loadScorer('empty', { dtype: 'q4', device: 'cpu' })).rejects.toThrow(/Cannot load empty \(q4 on cpu\)/);
    await expect(loadScorer('missing', { dtype: 'q4', device: 'cpu' })).rejects.toThrow(/Cannot read missing\/config\.json/);
  });
});

describe('varied model: what the smaller builds cost in score', () => {
  const IDEAS = [
    { text: 'Graph neural networks for medium-range weather forecasting.' },
    { title: 'Curvature-aware optimizer', text: 'Adapt per-layer learning rates from cheap Hessian-trace estimates.' },
    { text: 'x' },
    { title: 'Sparse experts', text: 'Route each token to 2 of 64 experts; 3x cheaper at equal loss.' },
    { text: 'A benchmark of long-context retrieval with adversarial distractors and a theory of why attention fails.' },
  ];

  async function expectedScores(dtype: 'fp32' | 'fp16' | 'q4' | 'q4f16'): Promise<number[]> {
    useFixtures();
    const scorer = await loadScorer('tiny-varied-qwen2', { dtype, device: 'cpu' });
    const out: number[] = [];
    for (const idea of IDEAS) out.push(scored(await scorer.score(idea)).expected!);
    await scorer.dispose();
    return out;
  }

  // Measured: fp16 9e-4; q4 0.099 and q4f16 0.100 with the 4-bit token table (0.107 / 0.108 with the float
  // table it replaced): the 4-bit linear weights, not the table, move this model's scores.
  it('expected scores stay within 0.15 of fp32 (fp16 within 0.005) and rank the ideas alike', async () => {
    const reference = await expectedScores('fp32');
    const rank = (scores: number[]) => scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    const drift: Record<string, number> = {};
    for (const [dtype, bound] of [['fp16', 0.005], ['q4', 0.15], ['q4f16', 0.15]] as const) {
      const scores = await expectedScores(dtype);
      drift[dtype] = Math.max(...scores.map((s, i) => Math.abs(s - reference[i]!)));
      expect(drift[dtype], dtype).toBeLessThanOrEqual(bound);
      expect(rank(scores), dtype).toEqual(rank(reference));
    }
    console.info('expected-score drift against fp32 on the varied model', drift);
  });
});
