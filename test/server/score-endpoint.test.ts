import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/serve';
import type { NodeEngine } from '../../src/engine/node/node-engine';
import type { CompletionsServer } from '../../src/server/openai-server';
import { ScoredIdeaLineSchema, ScoredIdeaSchema } from '../../src/scoring/scored-idea';
import { main as score } from '../../src/cli/score';

/** `POST /v1/score` on `npm run serve`: Referee's own results, whole or as NDJSON lines. */
const PLANTED = resolve('.fixtures/tiny-planted-qwen2');
const quiet = { stdout: () => {}, stderr: () => {}, stdin: async () => new Uint8Array() };
let server: CompletionsServer;
let engine: NodeEngine;
let url = '';

beforeAll(async () => {
  ({ server, engine, url } = await startServer(
    { help: false, model: PLANTED, dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 8, maxTokens: 1000 },
    quiet,
  ));
});

afterAll(async () => {
  await server.close();
  await engine.unload();
});

const post = (body: unknown) => fetch(`${url}/score`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const IDEAS = [{ id: 'a', title: 'Sparse experts', text: 'Route each token to 2 of 64 experts.' }, { text: 'A second idea.' }];

describe('POST /v1/score', () => {
  it('answers one record per idea in the export schema, in order, with the threshold asked for', async () => {
    const response = await post({ ideas: IDEAS, threshold: 8 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; model: string; data: unknown[] };
    expect(body).toMatchObject({ object: 'list', model: 'planted' });
    const records = body.data.map((r) => ScoredIdeaSchema.parse(r));
    expect(records.map((r) => r.id)).toEqual(['a', '2']);
    const first = records[0]!.result!;
    expect(first.greedy.score).toBe(7.5);
    expect(Math.abs(first.expected! - 6.7)).toBeLessThan(1e-3);
    expect(first.decision).toMatchObject({ pass: false, threshold: 8, comparison: '>' });
    expect(first.provenance.model.id).toBe('tiny-planted-qwen2');
  });

  it('streams one NDJSON line per idea as it lands', async () => {
    const response = await post({ ideas: IDEAS, stream: true });
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toHaveLength(2);
    const records = lines.map((l) => ScoredIdeaLineSchema.parse(JSON.parse(l)));
    expect(records.map((r) => r.text)).toEqual(IDEAS.map((i) => i.text));
    expect(records.every((r) => r.status === 'scored')).toBe(true);
  });

  it('refuses a bad request with a 400 naming the field, and another model with a 404', async () => {
    for (const [body, pattern] of [
      [{ ideas: [] }, /ideas/],
      [{ ideas: [{ text: '   ' }] }, /ideas\.0\.text: is empty/],
      [{ ideas: IDEAS, threshold: 11 }, /threshold/],
      [{ ideas: IDEAS, extra: 1 }, /extra|unrecognized/i],
    ] as const) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(pattern);
    }
    expect((await post({ model: 'other', ideas: IDEAS })).status).toBe(404);
  });
});

describe('the tokenizer serve publishes', () => {
  it('serves the model folder’s tokenizer files under /v1/referee/model/<served name>/, and nothing else', async () => {
    const tokenizer = await fetch(`${url}/referee/model/planted/tokenizer_config.json`);
    expect(tokenizer.status).toBe(200);
    expect(((await tokenizer.json()) as { chat_template?: string }).chat_template).toContain('im_start');
    expect((await fetch(`${url}/referee/model/planted/onnx/model_q4.onnx`)).status).toBe(404);
    expect((await fetch(`${url}/referee/model/other/tokenizer.json`)).status).toBe(404);
  });

  it('npm run score --server finds it without --tokenizer when the served name is no folder or repo', async () => {
    let stdout = '';
    let stderr = '';
    const code = await score(['--server', url, '--model', 'planted', '-'], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdin: async () => new TextEncoder().encode(JSON.stringify({ text: 'Route each token to 2 of 64 experts.' })),
    });
    expect(code, stderr).toBe(0);
    const line = ScoredIdeaLineSchema.parse(JSON.parse(stdout.trim().split('\n')[0]!));
    expect(line.result!.greedy.score).toBe(7.5);
  });
});
