import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchBrowser7B, printBrowser7B, type Weights } from './browser-7b';
import { benchServer } from './server';
import { benchPage, printPage } from './page';
import { convertInBrowser, type BrowserConvertStats } from './browser-convert';
import { benchAttribution, benchEngine } from './engine';
import { benchWebgpu } from './webgpu';
import { convertInChild, FULL_LAYERS, writeSynthetic7B, type ConvertStats } from './synthetic-7b';
import { DTYPES, type Dtype, type QuantizedDtype } from '../models/types';
import { benchDevice, printDevice } from './device';

/**
 * Conversion benchmark: a bf16 checkpoint with Qwen2.5-7B's tensor shapes (a few layers, plus both
 * 152064×3584 matrices) converted to q4f16 by the real CLI in a child process, and (`--suite convert` or
 * `all`) by the page in headless Chromium, at two layer counts. Peak memory should not grow with layers;
 * time is fitted as fixed + per-layer and projected to 28 layers.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      suite: { type: 'string', default: 'all' },
      layers: { type: 'string' },
      dtype: { type: 'string' },
      'max-new-tokens': { type: 'string', default: '3' },
      'model-dir': { type: 'string' },
      score: { type: 'boolean', default: true },
      weights: { type: 'string' },
      log: { type: 'string' },
      'prompt-tokens': { type: 'string' },
      'decode-steps': { type: 'string' },
      ideas: { type: 'string', default: '8' },
      browser: { type: 'boolean', default: true },
      words: { type: 'string', default: '180' },
      sizes: { type: 'string' },
      stretch: { type: 'string', default: '30' },
      model: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      repeats: { type: 'string', default: '2' },
    },
  });
  if (values.suite === 'device') {
    // Not part of `all`: it measures a model the user names.
    if (!values.model) throw new Error('--suite device needs --model <folder|url|repo>');
    const dtype = values.dtype ?? 'q4';
    if (!(DTYPES as readonly string[]).includes(dtype)) throw new Error(`--dtype must be one of ${DTYPES.join(', ')}`);
    if (values.device !== 'cpu' && values.device !== 'webgpu') throw new Error('--device must be cpu or webgpu (onnxruntime-node)');
    const repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 0) throw new Error('--repeats takes a whole number ≥ 0');
    printDevice(await benchDevice({ model: values.model, dtype: dtype as Dtype, device: values.device, repeats }), `npm run bench -- ${process.argv.slice(2).join(' ')}`);
    return;
  }
  if (values.suite === 'attribution') {
    await benchAttribution({ ideas: Number(values.ideas ?? 4), sentences: 10 });
    return;
  }
  if (values.suite === 'engine' || values.suite === 'all') {
    await benchEngine({ ideas: Number(values.ideas), words: Number(values.words), dtype: 'q4' });
  }
  if (values.suite === 'engine') return;
  if (values.suite === 'server') {
    await benchServer({ ideas: Number(values.ideas), words: Number(values.words) });
    return;
  }
  if (values.suite === 'page') {
    const sizes = (values.sizes ?? '10,1000,25000').split(',').map(Number);
    const stretch = Number(values.stretch);
    if (sizes.some((n) => !Number.isInteger(n) || n < 2) || !Number.isInteger(stretch) || stretch < 2) throw new Error('--sizes takes whole numbers ≥ 2, --stretch a whole number ≥ 2');
    printPage(await benchPage({ sizes, stretch }));
    return;
  }
  if (values.suite === 'webgpu') {
    // Not part of `all`: it needs a WebGPU adapter (a GPU, or Mesa lavapipe: scripts/lavapipe.sh).
    const dtype = values.dtype ?? 'q4f16';
    if (dtype !== 'q4' && dtype !== 'q4f16') throw new Error('--dtype must be q4f16 or q4');
    const whole = (name: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} takes a whole number ≥ 1`);
      return Number(value);
    };
    await benchWebgpu({
      dtype,
      layers: whole('layers', values.layers),
      promptTokens: whole('prompt-tokens', values['prompt-tokens']),
      decodeSteps: whole('decode-steps', values['decode-steps']),
      ideas: whole('ideas', values.ideas) ?? 3,
      words: whole('words', values.words) ?? 180,
    });
    return;
  }
  if (values.suite === 'browser-7b') {
    // Not part of `all`: tens of minutes and ~15 GB of disk for the full model.
    const dtype = values.dtype ?? 'q4';
    if (dtype !== 'q4' && dtype !== 'q4f16') throw new Error('--dtype must be q4 (SwiftShader has no shader-f16) or q4f16');
    const layers = Number(values.layers ?? FULL_LAYERS);
    const maxNewTokens = Number(values['max-new-tokens']);
    if (!Number.isInteger(layers) || layers < 1 || !Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error('--layers and --max-new-tokens take a whole number ≥ 1');
    // Without scoring, both loaders by default (the comparison the load figures are for).
    const weights = (values.weights ?? (values.score ? 'streamed' : 'streamed,whole')).split(',');
    if (weights.length === 0 || weights.some((w) => w !== 'streamed' && w !== 'whole')) throw new Error('--weights takes streamed, whole, or both: streamed,whole');
    const result = await benchBrowser7B({
      layers,
      dtype,
      maxNewTokens,
      score: values.score,
      weights: weights as Weights[],
      ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
      ...(values.log ? { logPrefix: values.log } : {}),
    });
    printBrowser7B(result, `npm run bench -- ${process.argv.slice(2).join(' ')}`);
    if (result.runs.some((run) => run.error)) process.exitCode = 1;
    return;
  }
  values.dtype ??= 'q4f16';
  const layerCounts = (values.layers ?? '1,3').split(',').map(Number);
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-'));
  const results: { layers: number; stats: ConvertStats; page: BrowserConvertStats | null }[] = [];
  try {
    for (const layers of layerCounts) {
      const source = join(root, `synthetic-7b-${layers}l`);
      process.stderr.write(`bench: writing a ${layers}-layer bf16 checkpoint with 7B shapes…\n`);
      await writeSynthetic7B(source, layers);
      process.stderr.write(`bench: converting to ${values.dtype}…\n`);
      const stats = convertInChild(source, join(root, `out-${layers}l`), values.dtype!);
      let page: BrowserConvertStats | null = null;
      if (values.browser) {
        process.stderr.write(`bench: converting to ${values.dtype} in headless Chromium…\n`);
        page = await convertInBrowser(root, `synthetic-7b-${layers}l`, values.dtype as QuantizedDtype);
      }
      results.push({ layers, stats, page });
      await rm(source, { recursive: true, force: true });
      await rm(join(root, `out-${layers}l`), { recursive: true, force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  console.log(`\nConversion of Qwen2.5-7B-shaped bf16 checkpoints to ${values.dtype} (embedding and lm_head 152064×3584 included)`);
  console.log('        |           | CLI (Node)                          | page (headless Chromium, from vite preview)');
  console.log('layers | source MB | seconds | input MB/s | peak RSS MB | seconds | input MB/s | renderer peak MB | all processes peak MB');
  const cell = (text: string, width: number) => text.padStart(width);
  for (const { layers, stats, page } of results) {
    const mb = stats.bytesRead / 1e6;
    const pageCells = page
      ? ` | ${cell(page.seconds.toFixed(1), 7)} | ${cell((mb / page.seconds).toFixed(1), 10)} | ${cell((page.peakRendererRssBytes / 1e6).toFixed(0), 16)} | ${cell((page.peakBrowserRssBytes / 1e6).toFixed(0), 21)}`
      : '';
    console.log(
      `${cell(String(layers), 6)} | ${cell(mb.toFixed(0), 9)} | ${cell(stats.seconds.toFixed(1), 7)} | ${cell((mb / stats.seconds).toFixed(1), 10)} | ${cell((stats.peakRssBytes / 1e6).toFixed(0), 11)}${pageCells}`,
    );
  }
  if (results.length >= 2) {
    const project = (label: string, seconds: (r: (typeof results)[number]) => number) => {
      const a = results[0]!;
      const b = results.at(-1)!;
      const perLayer = (seconds(b) - seconds(a)) / (b.layers - a.layers);
      const fixed = seconds(a) - perLayer * a.layers;
      const projected = fixed + perLayer * FULL_LAYERS;
      console.log(
        `${label} fit: ${fixed.toFixed(1)} s fixed (vocab matrices, rotary tables) + ${perLayer.toFixed(1)} s per layer → ` +
          `projected full ${FULL_LAYERS}-layer 7B: ${(projected / 60).toFixed(1)} min on this machine`,
      );
    };
    project('CLI', (r) => r.stats.seconds);
    if (results.every((r) => r.page)) project('page', (r) => r.page!.seconds);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
