import { env } from '@huggingface/transformers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { IdeaInput } from '../scoring/idea-input';
import type { ForwardTrace } from '../engine/decoder';
import { asTensors, integerFeeds } from '../engine/decoder-feeds';
import { loadScorer } from '../engine/load-scorer';
import { attributionUnits, withoutUnit } from '../scoring/attribution';
import { plantedCheckpoint } from '../fixtures/planted';
import { plantedTransitions, TOKEN } from '../fixtures/catalog';
import { writeCheckpoint } from '../fixtures/write-checkpoint';
import { convertIntoFolder } from '../builder/node/convert-folder';
import { DirectorySink, NodeFileTree } from '../builder/node/node-files';
import { writeQwenTokenizerFiles } from '../fixtures/qwen-tokenizer-files';

/**
 * Engine benchmark on a mid-size model (hidden 512, 8 layers, 8 heads / 2 kv heads, Qwen vocabulary) that
 * writes `\boxed{` like the planted fixture, with noise so scores vary: prefix-cache reuse vs none for
 * ~250-token ideas, forward passes per idea, and the Scorer against a bare onnxruntime-node loop of the
 * very same forward passes.
 */
const MID_SIZE = { hiddenSize: 512, numLayers: 8, numHeads: 8, numKvHeads: 2, intermediateSize: 1536 };
const WORDS = 'we propose a method that learns sparse routing for mixture of experts models and show gains on language modelling benchmarks with lower compute'.split(' ');

/** A made-up idea of `words` words, different for each seed (the benchmarks' input). */
export function benchIdea(seed: number, words: number): IdeaInput {
  const text = Array.from({ length: words }, (_, i) => WORDS[(seed * 7 + i * 13) % WORDS.length]).join(' ');
  return { title: `Idea ${seed}`, text: `${text}.` };
}

async function buildMidModel(root: string, dtype: 'q4' | 'fp32'): Promise<string> {
  const checkpoint = join(root, 'checkpoint');
  await writeCheckpoint(
    new DirectorySink(checkpoint),
    plantedCheckpoint('bench-mid', plantedTransitions([]), TOKEN.newline, { seed: 5, scale: 0.04, embedding: 0.17 }, MID_SIZE),
  );
  await writeQwenTokenizerFiles(checkpoint);
  const tree = new NodeFileTree(checkpoint);
  await convertIntoFolder(tree, join(root, 'bench-mid'), { dtypes: [dtype] });
  await tree.close();
  return join(root, 'bench-mid');
}

/**
 * Replays traced forward passes on a bare InferenceSession, as the Scorer ran them: the prefix prefill
 * (untimed, like the Scorer's cached prefix), then per idea its prompt prefill over the prefix cache, and its
 * readout passes, batched ones included, each over the cache of the earlier pass that ended where it starts.
 * Only `session.run` is timed: the floor the engine's own work is measured against.
 */
async function replayOnOrt(session: ort.InferenceSession, traces: ForwardTrace[], numLayers: number, kvHeads: number, headDim: number): Promise<number> {
  const empty = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
  // The latest outputs by the length they end at: a later pass starting there reads them (a batch's rows are
  // all that length; which rows it gathers does not change the pass's cost).
  const byLength = new Map<number, Record<string, ort.Tensor>>();
  let elapsed = 0;
  for (const [index, trace] of traces.entries()) {
    const batch = trace.batch ?? 1;
    const width = trace.tokens.length / batch;
    const total = trace.pastLength + width;
    const past = trace.pastLength === 0 ? null : byLength.get(trace.pastLength);
    if (past === undefined) throw new Error(`replay: pass ${index + 1} starts after ${trace.pastLength} tokens, but no earlier pass ended there`);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(trace.tokens, BigInt), [batch, width]),
      ...asTensors(integerFeeds(batch, trace.pastLength, width, trace.keep, session.inputNames), (f) => new ort.Tensor(f.type, f.data, f.dims)),
    };
    for (let i = 0; i < numLayers; i++) {
      for (const kind of ['key', 'value']) {
        const tensor = past?.[`present.${i}.${kind}`];
        feeds[`past_key_values.${i}.${kind}`] = tensor ? rows(tensor, batch) : empty;
      }
    }
    const started = performance.now();
    const outputs = await session.run(feeds);
    if (trace.pastLength !== 0) elapsed += performance.now() - started;
    byLength.set(total, outputs);
  }
  return elapsed;
}

/** A cache of `batch` rows from a cache of any batch (its first row repeated: what gatherRows gives, in shape). */
function rows(tensor: ort.Tensor, batch: number): ort.Tensor {
  if (tensor.dims[0] === batch) return tensor;
  const data = tensor.data as Float32Array;
  const rowSize = data.length / tensor.dims[0]!;
  const out = new Float32Array(rowSize * batch);
  for (let b = 0; b < batch; b++) out.set(data.subarray(0, rowSize), b * rowSize);
  return new ort.Tensor('float32', out, [batch, ...tensor.dims.slice(1)]);
}

export async function benchEngine(options: { ideas: number; words: number; dtype: 'q4' | 'fp32' }): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-engine-'));
  try {
    process.stderr.write(`bench: building a hidden-512, 8-layer model (${options.dtype})…\n`);
    const folder = await buildMidModel(root, options.dtype);
    Object.assign(env, { allowLocalModels: true, allowRemoteModels: false, localModelPath: `${root}/` });
    const ideas = Array.from({ length: options.ideas }, (_, i) => benchIdea(i, options.words));
    const scorer = await loadScorer('bench-mid', { dtype: options.dtype, device: 'cpu' });
    await scorer.score(benchIdea(999, options.words)); // warm-up, and the prefix prefill
    await scorer.score(benchIdea(998, options.words), { reusePrefix: false });

    const measure = async (reusePrefix: boolean) => {
      scorer.decoder.trace = [];
      const started = performance.now();
      const outcomes = await scorer.scoreAll(ideas, { reusePrefix });
      const ms = performance.now() - started;
      // Each idea's prompt prefill is its pass with the most tokens.
      const prefillMs = scorer.decoder.trace.filter((t) => t.tokens.length > 10).reduce((n, t) => n + t.milliseconds, 0);
      scorer.decoder.trace = null;
      const results = outcomes.map((o) => {
        if (!o.ok) throw new Error(o.error.message);
        return o.result;
      });
      return { ms, prefillMs, results };
    };
    // Alternate the two modes so drift on a shared machine hits both alike.
    const reuse = { ms: 0, prefillMs: 0, results: [] as Awaited<ReturnType<typeof measure>>['results'] };
    const fresh = { ms: 0, prefillMs: 0, results: [] as Awaited<ReturnType<typeof measure>>['results'] };
    for (let round = 0; round < 2; round++) {
      for (const [run, reusePrefix] of [[reuse, true], [fresh, false]] as const) {
        const m = await measure(reusePrefix);
        run.ms += m.ms;
        run.prefillMs += m.prefillMs;
        run.results = m.results;
      }
    }

    // Scorer vs bare onnxruntime: each round traces the Scorer over the ideas, then replays the very same
    // forward passes on a bare session of the same model file (prefix prefills excluded from both).
    const session = await ort.InferenceSession.create(join(folder, 'onnx', `model${options.dtype === 'q4' ? '_q4' : ''}.onnx`));
    const prefixTokens = reuse.results[0]!.provenance.tokens.reusedPrefix;
    let scorerMs = 0;
    let ortMs = 0;
    let passes = 0;
    for (let round = 0; round < 3; round++) {
      // The token ids of the prefix do not matter for timing, only its length.
      scorer.decoder.trace = [{ tokens: new Array(prefixTokens).fill(0), pastLength: 0, keep: 1, milliseconds: 0 }];
      const started = performance.now();
      await scorer.scoreAll(ideas);
      scorerMs += performance.now() - started;
      const traces = scorer.decoder.trace;
      scorer.decoder.trace = null;
      passes = traces.length - 1;
      ortMs += await replayOnOrt(session, traces, MID_SIZE.numLayers, MID_SIZE.numKvHeads, 64);
    }
    await session.release();
    await scorer.dispose();

    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const promptTokens = mean(reuse.results.map((r) => r.provenance.tokens.prompt));
    console.log(`\nScoring ${options.ideas} ideas of ~${options.words} words (${promptTokens.toFixed(0)}-token prompts), hidden 512 × 8 layers, ${options.dtype}, onnxruntime-node CPU`);
    console.log('mode            | tokens prefilled / idea | forward passes / idea | prefill ms / idea | total ms / idea');
    for (const [name, run] of [['prefix reused', reuse], ['no reuse', fresh]] as const) {
      console.log(
        `${name.padEnd(15)} | ${mean(run.results.map((r) => r.provenance.tokens.prefilled)).toFixed(1).padStart(23)} | ` +
          `${mean(run.results.map((r) => r.provenance.forwardPasses)).toFixed(1).padStart(21)} | ` +
          `${(run.prefillMs / 2 / options.ideas).toFixed(1).padStart(17)} | ${(run.ms / 2 / options.ideas).toFixed(1).padStart(15)}`,
      );
    }
    console.log(
      `prefix reuse speed-up: prefill ${(fresh.prefillMs / reuse.prefillMs).toFixed(2)}×, whole score ${(fresh.ms / reuse.ms).toFixed(2)}× (target ≥ 1.3×)`,
    );
    console.log(
      `Scorer vs bare onnxruntime loop of the same ${passes} forward passes (3 rounds): ${scorerMs.toFixed(0)} ms vs ${ortMs.toFixed(0)} ms = ${(scorerMs / ortMs).toFixed(3)}× (target ≤ 1.05×)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- --suite attribution`: on the same mid-size model, one leave-one-out attribution of
 * `sentences`-sentence ideas against the N + 1 independent scorings it stands for, alternated in one run.
 */
export async function benchAttribution(options: { ideas: number; sentences: number }): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-attribution-'));
  try {
    process.stderr.write('bench: building a hidden-512, 8-layer model (q4)…\n');
    await buildMidModel(root, 'q4');
    Object.assign(env, { allowLocalModels: true, allowRemoteModels: false, localModelPath: `${root}/` });
    const scorer = await loadScorer('bench-mid', { dtype: 'q4', device: 'cpu' });
    const ideas = Array.from({ length: options.ideas }, (_, seed) => ({
      title: `Idea ${seed}`,
      // Capitalised: a sentence break needs an upper-case start after the full stop.
      text: Array.from({ length: options.sentences }, (_, s) => {
        const words = benchIdea(seed * 31 + s, 14).text;
        return words[0]!.toUpperCase() + words.slice(1);
      }).join(' '),
    }));
    await scorer.score(benchIdea(999, 60)); // warm-up and the prefix prefill
    let attributionMs = 0;
    let independentMs = 0;
    let attributionTokens = 0;
    let independentTokens = 0;
    let units = 0;
    for (const idea of ideas) {
      let started = performance.now();
      const outcome = await scorer.attribute(idea);
      attributionMs += performance.now() - started;
      if (!outcome.ok) throw new Error(outcome.error.message);
      const attribution = outcome.result.attribution!;
      units += attribution.length;
      const promptTokens = outcome.result.provenance.tokens.prompt;
      // Tokens prefilled: the full scoring's, the full prompt's cache (past the instruction prefix), each variant's past its reuse.
      attributionTokens += 2 * outcome.result.provenance.tokens.prefilled + attribution.reduce((n, u) => n + (promptTokens - u.reusedTokens), 0);
      started = performance.now();
      const variants = [idea, ...attributionUnits(idea).map((u) => withoutUnit(idea, u)).filter((v) => v.text.trim() !== '')];
      for (const variant of variants) {
        const alone = await scorer.score(variant);
        if (!alone.ok) throw new Error(alone.error.message);
        independentTokens += alone.result.provenance.tokens.prefilled;
      }
      independentMs += performance.now() - started;
    }
    await scorer.dispose();
    console.log(`\nLeave-one-out attribution of ${options.ideas} ideas of ${options.sentences} sentences plus a title (${units} units), hidden 512 × 8 layers, q4, onnxruntime-node CPU`);
    console.log('way                           | ms per idea | tokens prefilled per idea (about)');
    console.log(`attribution (cache reused)    | ${(attributionMs / options.ideas).toFixed(0).padStart(11)} | ${(attributionTokens / options.ideas).toFixed(0)}`);
    console.log(`N + 1 independent scorings    | ${(independentMs / options.ideas).toFixed(0).padStart(11)} | ${(independentTokens / options.ideas).toFixed(0)}`);
    console.log(`ratio: ${(attributionMs / independentMs).toFixed(2)}× the time (target ≤ 0.6×)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
