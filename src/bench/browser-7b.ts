import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, descendants, findBrowserPid, startPreview } from './browser-convert';
import { convertInChild, FULL_LAYERS, writeSynthetic7B, type ConvertStats } from './synthetic-7b';
import type { QuantizedDtype } from '../models/types';
import { diagnosePage, type ForwardPass } from '../engine/diagnostics';

/**
 * `npm run bench -- --suite browser-7b`: a Qwen2.5-7B-shaped model (random bf16 weights, `layers` layers)
 * converted by the CLI, served under /models/ by `vite preview` of the built app, and run by the real page
 * in Debian's Chromium on WebGPU (`--enable-unsafe-webgpu`: SwiftShader, a CPU adapter with 1 GiB buffers
 * and no shader-f16): download into the cache, load, and score one short idea through the page's UI.
 *
 * Random weights never write `\boxed{`, so greedy decoding would run on for the engine's 1000 tokens, each a
 * full 7B pass on a software GPU: the page's queue is given `maxNewTokens` through `window.refereeDiagnostics`
 * (benchmarks only), and each forward pass is timed by the engine's trace (the `trace-forwards` diagnostic).
 */

export interface Browser7BOptions {
  readonly layers: number;
  readonly dtype: QuantizedDtype;
  readonly maxNewTokens: number;
  /** An already converted model folder to serve instead of building one (kept afterwards). */
  readonly modelDir?: string;
  /** Where to write the memory/phase timeline and the page's console (one line each). */
  readonly logPrefix?: string;
  /** False: stop once the model is ready (the load figures, in minutes rather than an hour). */
  readonly score: boolean;
  /**
   * The loaders to run, one fresh browser profile each, in this order: `streamed` (the page's: the cached
   * files go to onnxruntime as Blobs read tensor by tensor) and `whole` (`?weights=whole`: Transformers.js reads
   * each external-data file into memory first, as before this round).
   */
  readonly weights: readonly Weights[];
}

export type Weights = 'streamed' | 'whole';

type Phase = 'download' | 'load' | 'score';
interface Peaks {
  renderer: number;
  gpu: number;
  all: number;
}


export interface Browser7BResult {
  readonly layers: number;
  readonly dtype: string;
  readonly maxNewTokens: number;
  readonly checkpointBytes: number | null;
  readonly convert: ConvertStats | null;
  readonly modelBytes: number;
  readonly runs: readonly PageRun[];
}

/** One loader's run of the page. */
export interface PageRun {
  readonly weights: Weights;
  readonly scored: boolean;
  /** The onnxruntime-web build the page reported (the Model panel's runtime line). */
  readonly runtime: string;
  readonly device: string;
  readonly deviceNote: string;
  readonly cachedBytes: number | null;
  readonly downloadSeconds: number | null;
  readonly loadSeconds: number | null;
  readonly peaks: Record<Phase, Peaks>;
  /**
   * Resident memory at the first sample, when the model was ready, 5 s after (what the page keeps once loaded)
   * and at the end of the run.
   */
  readonly snapshots: { readonly first: Peaks | null; readonly ready: Peaks | null; readonly settled: Peaks | null; readonly end: Peaks | null };
  readonly forwards: readonly ForwardPass[];
  readonly provenance: { forwardPasses: number; milliseconds: number; tokens: Record<string, number>; readout: string } | null;
  readonly scoreSeconds: number | null;
  readonly status: string;
  /** Why the page failed, when it did. */
  readonly error: string | null;
}

const IDEA = {
  title: 'Sparse experts for small models',
  text: 'Route each token to 2 of 64 small experts, so a 1B-parameter model keeps the compute of a 300M one.',
};

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function processRss(pid: number): { rss: number; type: string } {
  try {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))?.[1] ?? 'browser';
    return { rss, type };
  } catch {
    return { rss: 0, type: 'gone' };
  }
}

const GB = (bytes: number) => (bytes / 1e9).toFixed(2);

/** Builds (or takes) the model, then runs the page on it; the checkpoint is deleted right after conversion. */
export async function benchBrowser7B(options: Browser7BOptions): Promise<Browser7BResult> {
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-7b-'));
  const name = `synthetic-7b-${options.layers}l`;
  let modelsDir = root;
  let checkpointBytes: number | null = null;
  let convert: ConvertStats | null = null;
  try {
    if (options.modelDir) {
      modelsDir = dirname(resolve(options.modelDir));
      process.stderr.write(`bench: using the converted model in ${options.modelDir}\n`);
    } else {
      const source = join(root, 'checkpoint');
      process.stderr.write(`bench: writing a ${options.layers}-layer bf16 checkpoint with 7B shapes into ${source}…\n`);
      const written = performance.now();
      await writeSynthetic7B(source, options.layers);
      checkpointBytes = await folderBytes(source);
      process.stderr.write(`bench: ${GB(checkpointBytes)} GB written in ${((performance.now() - written) / 1000).toFixed(0)} s; converting to ${options.dtype} with the CLI…\n`);
      try {
        convert = convertInChild(source, join(root, name), options.dtype);
      } finally {
        await rm(source, { recursive: true, force: true });
      }
    }
    const modelDir = options.modelDir ?? join(root, name);
    // This dtype's graph and external data, plus the config and tokenizer files.
    const suffix = options.dtype === 'q4' ? '_q4' : '_q4f16';
    const files = (await readdir(join(modelDir, 'onnx'))).filter((f) => f.startsWith(`model${suffix}.onnx`)).sort();
    if (!files.includes(`model${suffix}.onnx`)) throw new Error(`${modelDir} has no onnx/model${suffix}.onnx`);
    let modelBytes = 0;
    for (const f of files) modelBytes += (await stat(join(modelDir, 'onnx', f))).size;
    for (const entry of await readdir(modelDir, { withFileTypes: true })) if (entry.isFile()) modelBytes += (await stat(join(modelDir, entry.name))).size;
    process.stderr.write(`bench: the converted model is ${GB(modelBytes)} GB (onnx/: ${files.join(', ')})\n`);
    const runs: PageRun[] = [];
    for (const weights of options.weights) {
      process.stderr.write(`bench: the page with ${weights} weights\n`);
      runs.push(await runPage(modelsDir, options.modelDir ? basename(resolve(options.modelDir)) : name, weights, options));
    }
    return { layers: options.layers, dtype: options.dtype, maxNewTokens: options.maxNewTokens, checkpointBytes, convert, modelBytes, runs };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function runPage(modelsDir: string, name: string, weights: Weights, options: Browser7BOptions): Promise<PageRun> {
  const port = 41800 + Math.floor(Math.random() * 90);
  const outDir = await mkdtemp(join(tmpdir(), 'referee-bench-dist-'));
  // A real profile on disk: an incognito context's storage quota is far smaller than a user's.
  const profile = await mkdtemp(join(tmpdir(), 'referee-bench-profile-'));
  process.stderr.write('bench: building the app and starting vite preview…\n');
  const server = await startPreview(modelsDir, outDir, port);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--enable-unsafe-webgpu', '--disable-quic', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
  const browserPid = findBrowserPid(profile);
  // Written as it happens, so a run of hours can be followed (and read if it is stopped).
  const log: string[] = [];
  const logFile = options.logPrefix ? `${options.logPrefix}.${weights}.log` : null;
  if (logFile) writeFileSync(logFile, '');
  const note = (line: string) => {
    const stamped = `${(performance.now() / 1000).toFixed(1)} ${line}`;
    log.push(stamped);
    if (logFile) appendFileSync(logFile, `${stamped}\n`);
  };
  context.on('console', (message) => note(`console.${message.type()}${message.worker() ? ' [worker]' : ''}: ${message.text()}`));
  context.on('weberror', (error) => note(`uncaught: ${error.error().message}`));

  let phase: Phase | null = null;
  const peaks: Record<Phase, Peaks> = { download: { renderer: 0, gpu: 0, all: 0 }, load: { renderer: 0, gpu: 0, all: 0 }, score: { renderer: 0, gpu: 0, all: 0 } };
  const marks = new Map<string, number>();
  const snapshots: { first: Peaks | null; ready: Peaks | null; settled: Peaks | null; end: Peaks | null } = { first: null, ready: null, settled: null, end: null };
  // Sampled after the model is ready too (no phase peaks then), for the settled figure.
  let sampling = false;
  let latest: Peaks | null = null;
  const sampler = setInterval(() => {
    if (!phase && !sampling) return;
    const sum = { renderer: 0, gpu: 0, all: 0 };
    for (const pid of [browserPid, ...descendants(browserPid)]) {
      const { rss, type } = processRss(pid);
      sum.all += rss;
      if (type === 'renderer') sum.renderer += rss;
      if (type === 'gpu-process') sum.gpu += rss;
    }
    latest = sum;
    snapshots.first ??= sum;
    if (!phase) return;
    const p = peaks[phase];
    p.renderer = Math.max(p.renderer, sum.renderer);
    p.gpu = Math.max(p.gpu, sum.gpu);
    p.all = Math.max(p.all, sum.all);
    note(`${phase}: renderer ${(sum.renderer / 1e6).toFixed(0)} MB, gpu-process ${(sum.gpu / 1e6).toFixed(0)} MB, all ${(sum.all / 1e6).toFixed(0)} MB`);
  }, 500);
  const progress = setInterval(() => {
    const last = log.findLast((l) => / (download|load|score): renderer/.test(l));
    if (last) process.stderr.write(`bench: ${last}\n`);
  }, 30_000);

  let watch: ReturnType<typeof setInterval> | undefined;
  let error: string | null = null;
  let device = '';
  let deviceNote = '';
  let cachedBytes: number | null = null;
  let forwards: ForwardPass[] = [];
  let provenance: PageRun['provenance'] = null;
  let status = 'not scored';
  let runtime = '';
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(0);
    // The page reads config.json (a "load" moment) before it downloads; the load proper is the last switch
    // from downloading to loading, which the marks keep.
    await page.exposeFunction('refereeBenchPhase', (what: string) => {
      const now = performance.now();
      if (what !== 'download' || !marks.has('download')) marks.set(what, now);
      note(`phase ${what}`);
      process.stderr.write(`bench: ${what} (${((now - marks.get('start')!) / 1000).toFixed(1)} s)\n`);
      if (what === 'download' || what === 'load') phase = what as Phase;
    });
    // A string, not a function: tsx compiles functions with esbuild's `__name` helper, which the page lacks.
    // No watchdog: a prefill of a 7B on a software GPU takes far longer than its 5-minute floor.
    await page.addInitScript(`
      Object.assign(window, { refereeDiagnostics: { hangBoundMs: ${2 ** 31 - 1}, maxNewTokens: ${options.maxNewTokens} } });
      let last = '';
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid="model-status"]')?.textContent ?? '';
        const now = status.includes('Downloading the model') ? 'download'
          : status.includes('Loading the model') ? 'load'
          : document.querySelector('[data-testid="model-device"]') ? 'ready'
          : document.querySelector('[data-testid="model-error"]') ? 'error' : '';
        if (now && now !== last) window.refereeBenchPhase((last = now));
      }).observe(document, { childList: true, subtree: true, characterData: true });
    `);
    marks.set('start', performance.now());
    phase = 'download';
    process.stderr.write(`bench: opening the page on /models/${name} (${options.dtype}, WebGPU)…\n`);
    await page.goto(`http://127.0.0.1:${port}/?model=${encodeURIComponent(name)}&dtype=${options.dtype}&device=webgpu&weights=${weights}&measure=off`);
    await page.locator('[data-testid="model-device"], [data-testid="model-error"]').first().waitFor();
    phase = null;
    snapshots.ready = latest;
    sampling = true;
    await new Promise((done) => setTimeout(done, 5000));
    snapshots.settled = latest;
    sampling = false;
    const loadError = await page.getByTestId('model-error').textContent({ timeout: 1000 }).catch(() => null);
    if (loadError) throw new Error(`the page could not load the model: ${loadError}`);
    device = (await page.getByTestId('model-device').textContent()) ?? '';
    deviceNote = ((await page.getByTestId('model-status').textContent()) ?? '').replace(/\s+/g, ' ').trim();
    cachedBytes = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? null);
    runtime = (await page.getByTestId('model-runtime').textContent().catch(() => null)) ?? '';
    if (options.score) {

    const traced = await diagnosePage(page, { kind: 'trace-forwards' });
    if (!traced) throw new Error('the scorer worker has no model to trace');
    process.stderr.write(`bench: loaded (${deviceNote}); scoring one idea, greedy decoding capped at ${options.maxNewTokens} new tokens…\n`);
    phase = 'score';
    marks.set('score', performance.now());
    await page.getByLabel('Title (optional)').fill(IDEA.title);
    await page.getByLabel('Idea (abstract or proposal)').fill(IDEA.text);
    await page.getByRole('button', { name: 'Add and score' }).click();
    const row = page.getByTestId('idea-row').first();
    // Each forward pass is reported as it completes (a 7B pass on SwiftShader takes minutes).
    let reported = 0;
    watch = setInterval(() => {
      void diagnosePage(page, { kind: 'forward-trace' })
        .then((trace) => {
          for (const f of trace.slice(reported)) {
            reported++;
            const line = `forward pass ${reported}: ${f.tokens} tokens fed after ${f.pastLength}, ${(f.milliseconds / 1000).toFixed(1)} s`;
            note(line);
            process.stderr.write(`bench: ${line}\n`);
          }
        }, () => undefined);
    }, 10_000);
    await page.locator('[data-testid="idea-row"]:not([data-status="queued"]):not([data-status="scoring"])').first().waitFor();
    clearInterval(watch);
    marks.set('scored', performance.now());
    snapshots.end = latest;
    phase = null;
    status = (await row.getAttribute('data-status')) ?? 'unknown';
    forwards = await diagnosePage(page, { kind: 'forward-trace' }).catch(() => []);
    if (status !== 'scored') {
      const why = await row.getByTestId('idea-error').textContent().catch(() => null);
      throw new Error(`the idea ended ${status}: ${why ?? '(no message)'}`);
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { ideas: { result?: { provenance: NonNullable<PageRun['provenance']> } }[] };
    provenance = exported.ideas[0]?.result?.provenance ?? null;
    }
  } catch (caught) {
    error = (caught as Error).message;
    process.stderr.write(`bench: ${error}\n`);
  } finally {
    phase = null;
    clearInterval(watch);
    clearInterval(sampler);
    clearInterval(progress);
    if (logFile) process.stderr.write(`bench: timeline and console in ${logFile}\n`);
    await context.close().catch(() => undefined);
    server.kill();
    await rm(outDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
  const between = (a: string, b: string) => (marks.has(a) && marks.has(b) ? (marks.get(b)! - marks.get(a)!) / 1000 : null);
  return {
    weights,
    scored: options.score,
    runtime,
    device,
    deviceNote,
    cachedBytes,
    downloadSeconds: between(marks.has('download') ? 'download' : 'start', 'load'),
    loadSeconds: between('load', 'ready'),
    peaks,
    snapshots,
    forwards,
    provenance,
    scoreSeconds: between('score', 'scored'),
    status,
    error,
  };
}

/** The tables and the figures, on stdout: one load row per loader, then the scoring of each run that scored. */
export function printBrowser7B(r: Browser7BResult, command: string): void {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
  const s = (seconds: number | null | undefined) => (seconds == null ? '—' : seconds.toFixed(1));
  const cell = (text: string, width: number) => text.padStart(width);
  console.log(`\nQwen2.5-7B-shaped model (${r.layers} of ${FULL_LAYERS} layers, random weights), ${r.dtype}, in the page on WebGPU in Debian's Chromium`);
  console.log(`command: ${command}`);
  if (r.checkpointBytes !== null) console.log(`checkpoint (bf16): ${GB(r.checkpointBytes)} GB, deleted after conversion`);
  if (r.convert) console.log(`CLI conversion: ${s(r.convert.seconds)} s, ${mb(r.convert.bytesRead)} MB read, peak RSS ${mb(r.convert.peakRssBytes)} MB`);
  console.log(`converted model: ${GB(r.modelBytes)} GB on disk`);
  for (const run of r.runs) {
    console.log(`${run.weights}: ${run.runtime || '(no weights line)'} Device ${run.device || '—'}; browser storage used ${run.cachedBytes === null ? '—' : `${GB(run.cachedBytes)} GB`}`);
  }
  console.log('');
  console.log('Loading (MB; "settled" is 5 s after the model is ready; shared memory between the renderer and the GPU process counts in both, so "all" overstates the sum)');
  console.log('weights  | download s | load s | renderer peak | renderer settled | peak − settled | gpu-process peak | gpu-process settled | all peak | all peak − model');
  for (const run of r.runs) {
    const load = run.peaks.load;
    const settled = run.snapshots.settled?.renderer ?? null;
    console.log(
      `${run.weights.padEnd(8)} | ${cell(s(run.downloadSeconds), 10)} | ${cell(s(run.loadSeconds), 6)} | ${cell(mb(load.renderer), 13)} | ${cell(settled === null ? '—' : mb(settled), 16)} | ${cell(settled === null ? '—' : mb(load.renderer - settled), 14)} | ${cell(mb(load.gpu), 16)} | ${cell(run.snapshots.settled ? mb(run.snapshots.settled.gpu) : '—', 19)} | ${cell(mb(load.all), 8)} | ${cell(mb(load.all - r.modelBytes), 16)}`,
    );
  }
  const streamed = r.runs.find((run) => run.weights === 'streamed');
  if (streamed?.snapshots.settled) {
    const over = streamed.peaks.load.renderer - streamed.snapshots.settled.renderer;
    const allOver = streamed.peaks.load.all - r.modelBytes;
    console.log(`targets (issue 21 §1), streamed: renderer peak − settled ${mb(over)} MB ≤ 500 MB: ${over <= 500e6 ? 'met' : 'NOT met'}; all processes − model ${mb(allOver)} MB ≤ 2500 MB: ${allOver <= 2500e6 ? 'met' : 'NOT met'}`);
    const whole = r.runs.find((run) => run.weights === 'whole');
    if (whole?.loadSeconds && streamed.loadSeconds) console.log(`load time streamed / whole, this run: ${(streamed.loadSeconds / whole.loadSeconds).toFixed(2)}`);
  }
  for (const run of r.runs.filter((x) => x.scored)) {
    const prefill = run.forwards.filter((f) => f.tokens > 1);
    const decode = run.forwards.filter((f) => f.tokens === 1);
    const mean = (list: readonly ForwardPass[]) => (list.length ? list.reduce((a, f) => a + f.milliseconds, 0) / list.length / 1000 : null);
    console.log('');
    console.log(`Scoring one idea (${run.weights}), greedy decoding capped at ${r.maxNewTokens} new tokens (window.refereeDiagnostics.maxNewTokens; the engine's default is 1000): ${s(run.scoreSeconds)} s; renderer peak ${mb(run.peaks.score.renderer)} MB, gpu-process ${mb(run.peaks.score.gpu)} MB`);
    console.log('forward pass | tokens fed | past length | seconds');
    run.forwards.forEach((f, i) => console.log(`${cell(String(i + 1), 12)} | ${cell(String(f.tokens), 10)} | ${cell(String(f.pastLength), 11)} | ${cell((f.milliseconds / 1000).toFixed(1), 7)}`));
    console.log(
      `prefill passes: ${prefill.length} (mean ${s(mean(prefill))} s); one-token passes: ${decode.length} (mean ${s(mean(decode))} s)` +
        (run.provenance ? `; the result's provenance: ${run.provenance.forwardPasses} passes in ${(run.provenance.milliseconds / 1000).toFixed(1)} s (instruction prefix not counted), readout ${run.provenance.readout}` : ''),
    );
    console.log(`idea: ${run.status}`);
  }
  for (const run of r.runs) if (run.error) console.log(`${run.weights}: failed: ${run.error}`);
}
