import { env } from '@huggingface/transformers';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { DTYPE_SUFFIX } from '../models/model-files';
import { asTensors, integerFeeds } from '../engine/decoder-feeds';
import { loadScorer } from '../engine/load-scorer';
import { plantedTransitions, TOKEN } from '../fixtures/catalog';
import { plantedCheckpoint } from '../fixtures/planted';
import { writeCheckpoint } from '../fixtures/write-checkpoint';
import { benchIdea } from './engine';
import { convertIntoFolder } from '../builder/node/convert-folder';
import { SHAPE_7B } from './synthetic-7b';
import { DirectorySink, NodeFileTree } from '../builder/node/node-files';
import { writeQwenTokenizerFiles } from '../fixtures/qwen-tokenizer-files';
import { type Dtype, type QuantizedDtype } from '../models/types';

/**
 * The 7B-shaped build on onnxruntime-node's own WebGPU execution provider (Dawn: the same C++ EP and WGSL
 * kernels as the page's onnxruntime-web): the adapter, prefill tokens/s, decode ms/token, GPU dispatches per
 * decode step, the nodes placed on the CPU EP, WebGPU-vs-CPU logits, and ms per idea through the engine.
 *
 * The model has Qwen2.5-7B's shapes with the planted fixture's weights plus noise (src/fixtures/planted.ts),
 * so the engine follows the real model's path: it writes `\boxed{` at once and the readout is short.
 */
const HEAD_DIM = SHAPE_7B.hiddenSize / SHAPE_7B.numHeads;

export interface WebgpuBenchOptions {
  /** Layers of the 7B-shaped build; default 28 on a hardware GPU, 1 on a software adapter. */
  readonly layers?: number;
  readonly dtype: QuantizedDtype;
  /** Prompt length of the raw prefill; default 376 on a hardware GPU (the length measured on the H200), 64 on software. */
  readonly promptTokens?: number;
  readonly decodeSteps?: number;
  /** Ideas scored through the engine (the first also computes the instruction prefix). */
  readonly ideas: number;
  readonly words: number;
}

/** What the machine's WebGPU adapter is, as far as can be told from outside onnxruntime-node (which does not say). */
function describeAdapter(): { description: string; software: boolean } {
  try {
    const gpus = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (gpus) return { description: `${gpus.split('\n')[0]} (nvidia-smi; Dawn over Vulkan)`, software: false };
  } catch {
    // no NVIDIA driver
  }
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? '';
  if (/lvp|lavapipe/.test(icd)) return { description: `Mesa lavapipe, software Vulkan on the CPU (${icd})`, software: true };
  return { description: 'unknown: onnxruntime-node exposes no adapter info and no NVIDIA GPU was found', software: true };
}

/** A one-node model: can a WebGPU session be created and run at all? */
async function webgpuAvailable(): Promise<string | null> {
  const { onnx } = onnxProto;
  const info = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } });
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'probe', node: [{ opType: 'Add', input: ['a', 'a'], output: ['b'] }], input: [info('a')], output: [info('b')] },
    }),
  ).finish();
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'] });
    const { b } = await session.run({ a: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
    await session.release();
    return (b!.data as Float32Array)[1] === 4 ? null : 'the WebGPU EP computed a wrong sum';
  } catch (error) {
    return (error as Error).message;
  }
}

async function buildModel(root: string, layers: number, dtype: Dtype): Promise<string> {
  const checkpoint = join(root, 'checkpoint');
  const { hiddenSize, numHeads, numKvHeads, intermediateSize } = SHAPE_7B;
  const size = { hiddenSize, numHeads, numKvHeads, intermediateSize, numLayers: layers };
  const planted = plantedCheckpoint('planted-7b', plantedTransitions([]), TOKEN.newline, { seed: 5, scale: 0.04, embedding: 0.17 }, size);
  await writeCheckpoint(new DirectorySink(checkpoint), { ...planted, dtype: 'BF16', shards: 1 });
  await writeQwenTokenizerFiles(checkpoint);
  const tree = new NodeFileTree(checkpoint);
  const folder = join(root, 'planted-7b');
  await convertIntoFolder(tree, folder, { dtypes: [dtype] });
  await tree.close();
  await rm(checkpoint, { recursive: true, force: true });
  return folder;
}

type Feeds = Record<string, ort.Tensor>;

function feeds(session: ort.InferenceSession, tokens: number[], past: Feeds | null, pastLength: number, layers: number, kvType: 'float16' | 'float32'): Feeds {
  const empty = new ort.Tensor(kvType, kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, SHAPE_7B.numKvHeads, 0, HEAD_DIM]);
  const out: Feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
    ...asTensors(integerFeeds(1, pastLength, tokens.length, 1, session.inputNames), (f) => new ort.Tensor(f.type, f.data, f.dims)),
  };
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) out[`past_key_values.${i}.${kind}`] = past?.[`present.${i}.${kind}`] ?? empty;
  }
  return out;
}

function presentNames(layers: number): string[] {
  return Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat();
}

/** Prefill then decode steps on one session; returns timings and the prefill's last logits. */
async function runPasses(session: ort.InferenceSession, prompt: number[], steps: number, layers: number, kvType: 'float16' | 'float32') {
  const started = performance.now();
  const prefill = await session.run(feeds(session, prompt, null, 0, layers, kvType));
  const prefillMs = performance.now() - started;
  const logits = Float32Array.from(prefill.logits!.data as Float32Array);
  let past: Feeds = prefill;
  const stepMs: number[] = [];
  for (let step = 0; step < steps; step++) {
    const t = performance.now();
    const next = await session.run(feeds(session, [TOKEN.newline], past, prompt.length + step, layers, kvType));
    stepMs.push(performance.now() - t);
    for (const name of presentNames(layers)) past[name]!.dispose();
    past = next;
  }
  for (const name of presentNames(layers)) past[name]!.dispose();
  return { prefillMs, stepMs, logits };
}

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { provider?: string; op_name?: string };
}

/** Dispatches per run and the nodes each EP ran, from an onnxruntime profile of: prefill, then decode steps. */
function summarizeProfile(events: ProfileEvent[]) {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const dispatches = events.filter((e) => e.cat === 'Api');
  const perRun = runs.map((run) => dispatches.filter((d) => d.ts >= run.ts && d.ts <= run.ts + run.dur).length);
  const nodes = new Map<string, Map<string, string>>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const provider = e.args?.provider ?? '?';
    if (!nodes.has(provider)) nodes.set(provider, new Map());
    nodes.get(provider)!.set(e.name.replace(/_kernel_time$/, ''), e.args?.op_name ?? '?');
  }
  return { perRun, nodes };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchWebgpu(options: WebgpuBenchOptions): Promise<void> {
  const adapter = describeAdapter();
  const unavailable = await webgpuAvailable();
  if (unavailable !== null) {
    console.log(`\nNo WebGPU adapter for onnxruntime-node here (${unavailable.split('\n')[0]}).`);
    console.log('Without a GPU, Mesa lavapipe gives one: bash scripts/lavapipe.sh && source .lavapipe/env.sh, then run this again.');
    return;
  }
  const layers = options.layers ?? (adapter.software ? 1 : 28);
  const promptTokens = options.promptTokens ?? (adapter.software ? 64 : 376);
  const decodeSteps = options.decodeSteps ?? (adapter.software ? 3 : 20);
  const kvType = options.dtype === 'q4f16' ? 'float16' : 'float32';
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-webgpu-'));
  try {
    process.stderr.write(`bench: building a ${layers}-layer 7B-shaped planted model, ${options.dtype}…\n`);
    const folder = await buildModel(root, layers, options.dtype);
    const modelFile = join(folder, 'onnx', `model${DTYPE_SUFFIX[options.dtype]}.onnx`);
    const files = await readdir(join(folder, 'onnx'));
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(folder, 'onnx', f))).size;
    // Each figure is printed as soon as it is measured: on a software adapter the whole run takes long.
    console.log(`\nonnxruntime-node ${ort.env.versions?.common ?? ''} WebGPU EP · adapter: ${adapter.description}`);
    console.log(`model: Qwen2.5-7B shapes (vocabulary 151,936), ${layers} of 28 layers, ${options.dtype}, ${(bytes / 1e9).toFixed(2)} GB on disk`);
    // Token ids do not matter for timing; a prompt of ordinary words.
    const prompt = Array.from({ length: promptTokens }, (_, i) => 1000 + ((i * 37) % 5000));

    process.stderr.write('bench: timing prefill and decode on the WebGPU EP…\n');
    const gpuOutputs = Object.fromEntries(presentNames(layers).map((n) => [n, 'gpu-buffer' as const]));
    const created = performance.now();
    const session = await ort.InferenceSession.create(modelFile, { executionProviders: ['webgpu'], preferredOutputLocation: gpuOutputs });
    console.log(`session created in ${((performance.now() - created) / 1000).toFixed(1)} s`);
    await runPasses(session, prompt.slice(0, 8), 1, layers, kvType); // shader compilation
    const timed = [await runPasses(session, prompt, decodeSteps, layers, kvType), await runPasses(session, prompt, decodeSteps, layers, kvType)];
    await session.release();
    const prefillMs = Math.min(...timed.map((t) => t.prefillMs));
    console.log(`prefill of ${promptTokens} tokens: ${prefillMs.toFixed(1)} ms = ${((promptTokens / prefillMs) * 1000).toFixed(0)} tokens/s (best of 2)`);
    console.log(`decode: ${median(timed.flatMap((t) => t.stepMs)).toFixed(2)} ms per token (median of ${timed.length * decodeSteps} steps)`);

    process.stderr.write('bench: counting dispatches and node placement (profiled session)…\n');
    const profileDir = await mkdtemp(join(root, 'profile-'));
    const profiled = await ort.InferenceSession.create(modelFile, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: gpuOutputs,
      enableProfiling: true,
      profileFilePrefix: join(profileDir, 'ort'),
    });
    await runPasses(profiled, prompt, 2, layers, kvType);
    profiled.endProfiling();
    await profiled.release();
    const profileFile = (await readdir(profileDir)).find((f) => f.endsWith('.json'));
    const profile = summarizeProfile(profileFile ? (JSON.parse(await readFile(join(profileDir, profileFile), 'utf8')) as ProfileEvent[]) : []);
    const cpuNodes = profile.nodes.get('CPUExecutionProvider') ?? new Map<string, string>();
    const gpuNodes = profile.nodes.get('WebGpuExecutionProvider') ?? new Map<string, string>();
    const decodeDispatches = profile.perRun.slice(1);
    console.log(`GPU dispatches: prefill ${profile.perRun[0] ?? '?'}, per decode step ${decodeDispatches.join(', ') || '? (no timestamp queries on this adapter)'}`);
    console.log(`nodes: ${gpuNodes.size} on the WebGPU EP, ${cpuNodes.size} on the CPU EP${cpuNodes.size ? `: ${[...cpuNodes.values()].join(', ')}` : ''}`);

    process.stderr.write('bench: the same prefill on the CPU EP…\n');
    const cpu = await ort.InferenceSession.create(modelFile, { executionProviders: ['cpu'] });
    const cpuRun = await runPasses(cpu, prompt, 0, layers, kvType);
    await cpu.release();
    console.log(`WebGPU vs CPU EP, last-position logits of the prefill: max abs difference ${maxAbsDiff(timed[0]!.logits, cpuRun.logits).toExponential(2)}`);

    process.stderr.write(`bench: scoring ${options.ideas} ideas through the engine on WebGPU…\n`);
    Object.assign(env, { allowLocalModels: true, allowRemoteModels: false, localModelPath: `${root}/` });
    const loadStarted = performance.now();
    const scorer = await loadScorer('planted-7b', { dtype: options.dtype, device: 'webgpu' });
    console.log(`engine (loadScorer, device webgpu): load ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; per idea (~${options.words} words):`);
    for (let i = 0; i < options.ideas; i++) {
      const started = performance.now();
      const outcome = await scorer.score(benchIdea(i, options.words));
      if (!outcome.ok) throw new Error(outcome.error.message);
      const { provenance, greedy, expected } = outcome.result;
      console.log(
        `  idea ${i + 1}${i === 0 ? ' (computes the instruction prefix too)' : ''}: ${(performance.now() - started).toFixed(0)} ms, ` +
          `${provenance.forwardPasses} forward passes, ${provenance.tokens.prefilled} tokens prefilled, greedy ${greedy.score ?? 'none'}, expected ${expected?.toFixed(2) ?? '–'}`,
      );
    }
    await scorer.dispose();
    if (layers < 28) console.log(`(a ${layers}-layer build: per-layer costs scale to 28 layers; the vocabulary matrices do not)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
