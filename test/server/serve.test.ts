import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/serve';
import { encode, promptParts, PromptEncoder, type ChatTokenizer } from '../../src/engine/prompt-tokens';
import type { NodeEngine } from '../../src/engine/node/node-engine';
import type { CompletionsServer } from '../../src/server/openai-server';
import { CompletionsClient, CompletionsError } from '../../src/engine/remote/completions-client';
import { AutoTokenizer } from '@huggingface/transformers';

const PLANTED = resolve('.fixtures/tiny-planted-qwen2');
const quiet = { stdout: () => {}, stderr: () => {}, stdin: async () => new Uint8Array() };

let server: CompletionsServer;
let engine: NodeEngine;
let url = '';
let promptIds: number[] = [];

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const response = await fetch(`${url}/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any>, headers: response.headers };
}

beforeAll(async () => {
  ({ server, engine, url } = await startServer(
    { help: false, model: PLANTED, dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 8, maxTokens: 1000 },
    quiet,
  ));
  const tokenizer = (await AutoTokenizer.from_pretrained(PLANTED.split('/').pop()!)) as unknown as ChatTokenizer;
  promptIds = PromptEncoder.for(tokenizer).encodePrompt(promptParts(tokenizer, 'paper', { text: 'Route each token to 2 of 64 experts.' }));
  expect(encode(tokenizer, '\\boxed{')).toHaveLength(3);
});

afterAll(async () => {
  await server.close();
  await engine.unload();
});

describe('npm run serve', () => {
  it('answers /health and /v1/models', async () => {
    expect(await (await fetch(url.replace('/v1', '/health'))).json()).toEqual({ status: 'ok', inFlight: 0 });
    expect(((await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['planted']);
  });

  it('the client lists the served models (the page and the CLI check them before they score), and says the status when it cannot', async () => {
    expect(await new CompletionsClient({ baseUrl: `${url}/`, model: 'planted' }).servedModels()).toEqual(['planted']);
    const missing = await new CompletionsClient({ baseUrl: `${url}/nowhere`, model: 'planted' }).servedModels().catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(CompletionsError);
    expect(missing).toMatchObject({ status: 404 });
    const unreachable = await new CompletionsClient({ baseUrl: 'http://127.0.0.1:9/v1', model: 'planted' }).servedModels().catch((error: unknown) => error);
    // Never reached: no status, and tried again before giving up (a cut connection looks the same).
    expect(unreachable).toBeInstanceOf(CompletionsError);
    expect(unreachable).toMatchObject({ status: undefined, message: expect.stringMatching(/after 3 attempts/) });
  });

  it('completes a token-id prompt greedily, with the top log-probabilities of each token', async () => {
    const { status, json } = await post({ model: 'planted', prompt: promptIds, max_tokens: 20, temperature: 0, logprobs: 5 });
    expect(status).toBe(200);
    const choice = json.choices[0];
    expect(choice.text).toBe('\\boxed{7.5}');
    expect(choice.finish_reason).toBe('stop');
    expect(choice.logprobs.tokens.join('')).toBe('\\boxed{7.5}');
    // Inside the box the planted model puts 0.7 on "7", 0.2 on "5", 0.1 on "4".
    const firstDigit = choice.logprobs.tokens.indexOf('7');
    const top = choice.logprobs.top_logprobs[firstDigit] as Record<string, number>;
    expect(Math.exp(top['7']!)).toBeCloseTo(0.7, 3);
    expect(Math.exp(top['5']!)).toBeCloseTo(0.2, 3);
    expect(Object.keys(top)).toHaveLength(5);
    expect(json.usage).toEqual({ prompt_tokens: promptIds.length, completion_tokens: choice.token_ids.length, total_tokens: promptIds.length + choice.token_ids.length });
  });

  it('honours max_tokens and stop', async () => {
    const one = await post({ model: 'planted', prompt: promptIds, max_tokens: 1 });
    expect(one.json.choices[0]).toMatchObject({ finish_reason: 'length', logprobs: null });
    expect(one.json.choices[0].token_ids).toHaveLength(1);
    const stopped = await post({ model: 'planted', prompt: promptIds, max_tokens: 20, stop: ['.'] });
    expect(stopped.json.choices[0]).toMatchObject({ text: '\\boxed{7', finish_reason: 'stop' });
  });

  it.each([
    ['not JSON', '{"model": ', /not valid JSON/],
    ['an unknown field', { model: 'planted', prompt: 'x', best_of: 2 }, /unknown field\(s\): best_of/],
    ['a negative max_tokens', { model: 'planted', prompt: 'x', max_tokens: -1 }, /max_tokens/],
    ['sampling', { model: 'planted', prompt: 'x', temperature: 0.7 }, /temperature/],
    ['too many logprobs', { model: 'planted', prompt: 'x', logprobs: 21 }, /logprobs/],
    ['token ids past the vocabulary', { model: 'planted', prompt: [1, 10_000_000] }, /token ids/],
    ['a prompt over the context', { model: 'planted', prompt: Array.from({ length: 5000 }, () => 100) }, /over the model's/],
    ['an empty prompt', { model: 'planted', prompt: '' }, /empty/],
  ])('answers %s with 400 and a message', async (_what, body, message) => {
    const { status, json } = await post(body);
    expect(status).toBe(400);
    expect(json.error.message).toMatch(message);
  });

  it('answers an unknown model with 404', async () => {
    expect((await post({ model: 'other', prompt: 'x' })).status).toBe(404);
  });

  it('under 200 concurrent requests answers every one, with a result or 429 and Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => post({ model: 'planted', prompt: promptIds, max_tokens: 20 })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(8);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(answers.find((a) => a.status === 429)!.headers.get('retry-after')).toBe('1');
    expect(server.inFlight).toBe(0);
  });
});

describe('npm run serve with a key, shutting down', () => {
  it('refuses requests without the bearer key, and finishes admitted work when closed', async () => {
    process.env.REFEREE_SERVE_KEY = 'secret-key';
    const keyed = await startServer(
      { help: false, model: PLANTED, dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 8, maxTokens: 1000 },
      quiet,
    );
    delete process.env.REFEREE_SERVE_KEY;
    const call = (key?: string) =>
      fetch(`${keyed.url}/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ model: 'planted', prompt: promptIds, max_tokens: 20 }),
      });
    expect((await call()).status).toBe(401);
    expect((await call('wrong')).status).toBe(401);
    const running = call('secret-key');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = keyed.server.close();
    const late = await call('secret-key').then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    expect((await running).status).toBe(200);
    await closed;
    await keyed.engine.unload();
  });
});
