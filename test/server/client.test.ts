import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as score } from '../../src/cli/score';
import { main as evaluate } from '../../src/cli/evaluate';
import { LABELLED_JSONL } from '../../src/fixtures/labelled-ideas';
import { startServer } from '../../src/cli/serve';
import { ScoredIdeaLineSchema, type ScoredIdea } from '../../src/scoring/scored-idea';

const FIXTURES = resolve('.fixtures');
const quiet = { stdout: () => {}, stderr: () => {}, stdin: async () => new Uint8Array() };

const IDEAS = [
  { id: 'a', title: 'Sparse experts', text: 'Route each token to 2 of 64 experts; 3x cheaper at equal loss.' },
  { id: 'b', text: 'Warmup for adaptive optimizers on small transformers, across nine model sizes.' },
  { id: 'c', title: 'Retrieval', text: 'Retrieve a few documents per query and condition the decoder on them.' },
  { id: 'd', text: 'A curriculum over sequence length for faster pretraining.' },
];

async function run(args: string[], input = IDEAS): Promise<{ code: number; lines: ScoredIdea[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await score(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: async () => new TextEncoder().encode(input.map((i) => JSON.stringify(i)).join('\n')),
  });
  return { code, lines: stdout.split('\n').filter(Boolean).map((l) => ScoredIdeaLineSchema.parse(JSON.parse(l))), stderr };
}

/** The numbers a score is made of (not when or how fast it was made). */
function numbers(idea: ScoredIdea) {
  const r = idea.result!;
  return { id: idea.id, greedy: r.greedy, expected: r.expected, pAbove: r.pAbove, entries: r.distribution.entries, coverage: r.distribution.coverage };
}

function expectSameScores(remote: ScoredIdea[], local: ScoredIdea[]): void {
  expect(remote.map((i) => i.id)).toEqual(local.map((i) => i.id));
  for (const [i, idea] of remote.entries()) {
    const a = numbers(idea);
    const b = numbers(local[i]!);
    expect(a.greedy).toEqual(b.greedy);
    expect(Math.abs(a.expected! - b.expected!)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(a.pAbove - b.pAbove)).toBeLessThanOrEqual(1e-4);
    // Scores the local readout finds with under 1e-4 probability can fall outside a server's top 20.
    const visible = (entries: { score: number; probability: number }[]) => entries.filter((e) => e.probability > 1e-4);
    expect(visible(a.entries).map((e) => e.score)).toEqual(visible(b.entries).map((e) => e.score));
    visible(a.entries).forEach((e, j) => expect(Math.abs(e.probability - visible(b.entries)[j]!.probability)).toBeLessThanOrEqual(1e-4));
    expect(Math.abs(a.coverage - b.coverage)).toBeLessThanOrEqual(1e-4);
  }
}

describe.each([
  ['tiny-planted-qwen2', 'q4'],
  ['tiny-varied-qwen2', 'fp32'],
] as const)('--server against npm run serve, %s', (model, dtype) => {
  let stop: () => Promise<void>;
  let url = '';
  beforeAll(async () => {
    const started = await startServer(
      { help: false, model: join(FIXTURES, model), dtype, device: 'cpu', servedName: model, host: '127.0.0.1', port: 0, maxQueue: 64, maxTokens: 1000 },
      quiet,
    );
    url = started.url;
    stop = async () => {
      await started.server.close();
      await started.engine.unload();
    };
  });
  afterAll(() => stop());

  it('gives the local engine’s numbers (1e-4), with the server in the provenance', async () => {
    const local = await run(['--model', join(FIXTURES, model), '--dtype', dtype, '-']);
    const remote = await run(['--server', url, '--model', model, '--tokenizer', join(FIXTURES, model), '--concurrency', '3', '-']);
    expect(remote.code).toBe(0);
    expectSameScores(remote.lines, local.lines);
    expect(remote.lines[0]!.result!.provenance.model).toEqual({ id: model, revision: null, dtype: 'server', device: url });
  });

  it('npm run evaluate --server reports the local metrics', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'referee-evaluate-server-')), 'labelled.jsonl');
    await writeFile(file, LABELLED_JSONL);
    const report = async (args: string[]) => {
      let stdout = '';
      const code = await evaluate([...args, '--json', file], { stdout: (t) => (stdout += t), stderr: () => {}, stdin: async () => new Uint8Array() });
      expect(code).toBe(0);
      return JSON.parse(stdout) as { report: { greedy: { accuracy: { value: number } }; expected: Record<string, unknown> } };
    };
    const local = await report(['--model', join(FIXTURES, model), '--dtype', dtype]);
    const remote = await report(['--server', url, '--model', model, '--tokenizer', join(FIXTURES, model)]);
    expect(remote.report.greedy).toEqual(local.report.greedy);
    expect(JSON.stringify(remote.report.expected, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v))).toBe(
      JSON.stringify(local.report.expected, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v)),
    );
  });
});

describe('--server when the server misbehaves', () => {
  let upstream: Awaited<ReturnType<typeof startServer>>;
  let proxy: Server;
  let proxyUrl = '';
  let mode: 'flaky' | 'malformed' = 'flaky';
  let seen = 0;
  beforeAll(async () => {
    upstream = await startServer(
      { help: false, model: join(FIXTURES, 'tiny-planted-qwen2'), dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 64, maxTokens: 1000 },
      quiet,
    );
    const target = new URL(upstream.url);
    proxy = createServer((req, res) => {
      const n = ++seen;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (mode === 'flaky') {
          // Every third request fails one way or another: a cut connection, 429, 500, or a slow answer.
          if (n % 12 === 3) return req.socket.destroy();
          if (n % 12 === 6) return void res.writeHead(429, { 'Retry-After': '0' }).end('{"error":"busy"}');
          if (n % 12 === 9) return void res.writeHead(500).end('oops');
        }
        if (mode === 'malformed' && req.method === 'POST' && JSON.parse(body.toString()).logprobs && n % 2 === 0) {
          return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"choices":[{"text":"7","logprobs":null}]}');
        }
        const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        forward.end(body);
      });
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const address = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => proxy.close(() => done()));
    await upstream.server.close();
    await upstream.engine.unload();
  });

  const remoteArgs = () => ['--server', proxyUrl, '--model', 'planted', '--tokenizer', join(FIXTURES, 'tiny-planted-qwen2'), '--concurrency', '2'];

  it('retries drops, 429s and 500s, and loses and duplicates nothing', async () => {
    mode = 'flaky';
    seen = 0;
    const local = await run(['--model', join(FIXTURES, 'tiny-planted-qwen2'), '-']);
    const remote = await run([...remoteArgs(), '-']);
    expect(remote.code).toBe(0);
    expect(seen).toBeGreaterThan(12);
    expectSameScores(remote.lines, local.lines);
  });

  it('a run stopped mid-way and resumed writes what one clean run writes', async () => {
    mode = 'flaky';
    const dir = await mkdtemp(join(tmpdir(), 'referee-resume-'));
    const clean = join(dir, 'clean.jsonl');
    expect((await run([...remoteArgs(), '--output', clean, '-'])).code).toBe(0);
    const lines = (await readFile(clean, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(IDEAS.length);
    // Stopped after two ideas, half-way through writing the third line.
    const stopped = join(dir, 'stopped.jsonl');
    await writeFile(stopped, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 40)}`);
    const resumed = await run([...remoteArgs(), '--output', stopped, '-']);
    expect(resumed.stderr).toMatch(/2 of 4 ideas already in/);
    const parse = (text: string) => text.split('\n').filter(Boolean).map((l) => numbers(ScoredIdeaLineSchema.parse(JSON.parse(l))));
    expect(parse(await readFile(stopped, 'utf8'))).toEqual(parse(await readFile(clean, 'utf8')));
  });

  it('a model the server does not serve, and a server that is not there, are each said before any idea is sent', async () => {
    mode = 'flaky';
    const wrong = await run(['--server', upstream.url, '--model', 'other', '--tokenizer', join(FIXTURES, 'tiny-planted-qwen2'), '-']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not serve "other"; it serves "planted"/);
    expect(wrong.lines).toEqual([]);
    const away = await run(['--server', 'http://127.0.0.1:9/v1', '--model', 'planted', '--tokenizer', join(FIXTURES, 'tiny-planted-qwen2'), '-']);
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/Cannot reach the server at http:\/\/127\.0\.0\.1:9\/v1 \(.*after 3 attempts\)/);
  });

  it('a malformed answer fails that idea with a clear message, and the rest of the batch goes on', async () => {
    mode = 'malformed';
    seen = 0;
    const remote = await run([...remoteArgs(), '--concurrency', '1', '-']);
    expect(remote.code).toBe(1);
    const failed = remote.lines.filter((l) => l.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.error!.message).toMatch(/no logprobs\.top_logprobs/);
    expect(remote.lines).toHaveLength(IDEAS.length);
  });
});
