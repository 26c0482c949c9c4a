import { AutoTokenizer } from '@huggingface/transformers';
import { resolve } from 'node:path';
import { scoreConcurrently } from '../engine/score-in-order';
import { NodeEngine } from '../engine/node/node-engine';
import type { ChatTokenizer } from '../engine/prompt-tokens';
import { CompletionsClient } from '../engine/remote/completions-client';
import { RemoteScorer } from '../engine/remote/remote-scorer';
import type { ScoreOutcome } from '../engine/scorer-types';
import { useModelSource } from '../models/node/node-model-source';
import type { IdeaInput } from '../scoring/idea-input';
import { benchIdea } from './engine';
import { startServer } from '../cli/serve';

/**
 * `npm run bench -- --suite server`: ideas/s through `--server` against `npm run serve` on the tiny planted
 * model at concurrency 1, 4 and 16, next to the local engine in the same run. `serve` runs one request at a
 * time on the CPU, so concurrency here measures the client's overlap of HTTP and tokenization with the
 * server's work, not a GPU's batching (vLLM batches requests; this server does not).
 */
export async function benchServer(options: { ideas: number; words: number }): Promise<void> {
  const folder = resolve('.fixtures/tiny-planted-qwen2');
  const quiet = { stdout: () => {}, stderr: () => {}, stdin: async () => new Uint8Array() };
  const ideas: IdeaInput[] = Array.from({ length: options.ideas }, (_, i) => benchIdea(i, options.words));
  const rate = async (score: (idea: IdeaInput) => Promise<ScoreOutcome>, concurrency: number) => {
    await score(benchIdea(999, options.words)); // warm-up: the instruction prefix, the first session run
    const started = performance.now();
    let failed = 0;
    await scoreConcurrently(score, ideas, concurrency, (_i, outcome) => (failed += outcome.ok ? 0 : 1));
    if (failed) throw new Error(`${failed} ideas failed`);
    return ideas.length / ((performance.now() - started) / 1000);
  };

  const local = new NodeEngine();
  await local.load({ source: folder, dtype: 'q4' });
  const localRate = await rate((idea) => local.score(idea), 1);
  await local.unload();

  const served = await startServer({ help: false, model: folder, dtype: 'q4', device: 'cpu', servedName: 'planted', host: '127.0.0.1', port: 0, maxQueue: 256, maxTokens: 1000 }, quiet);
  const { id } = await useModelSource(folder);
  const tokenizer = (await AutoTokenizer.from_pretrained(id)) as unknown as ChatTokenizer;
  const client = new CompletionsClient({ baseUrl: served.url, model: 'planted' });
  const remote = new RemoteScorer(client, tokenizer, { id: 'planted', revision: null, dtype: 'server', device: served.url });
  console.log(`\nScoring through a completions server (npm run serve, tiny planted model, q4, CPU), ${options.ideas} ideas of ~${options.words} words`);
  console.log(`command: npm run bench -- --suite server --ideas ${options.ideas} --words ${options.words}`);
  console.log(`local engine (NodeEngine, same process): ${localRate.toFixed(2)} ideas/s`);
  for (const concurrency of [1, 4, 16]) {
    const before = client.requests;
    const ideasPerSecond = await rate((idea) => remote.score(idea), concurrency);
    console.log(
      `--server, concurrency ${String(concurrency).padStart(2)}: ${ideasPerSecond.toFixed(2)} ideas/s (${(ideasPerSecond / localRate).toFixed(2)}× local), ` +
        `${((client.requests - before) / (options.ideas + 1)).toFixed(1)} requests an idea`,
    );
  }
  await served.server.close();
  await served.engine.unload();
}
