/// <reference lib="webworker" />
/**
 * The scoring engine in a Web Worker: the same QwenScorer the CLI uses, on WebGPU when the browser has an
 * adapter (q4f16 when it supports shader-f16, else q4), otherwise on WASM. Exposed with Comlink.
 */
import { env } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { modelFilesFor, storageRefusal } from '../core/model-files';
import { loadScorer, ModelLoadError } from '../engine/load-scorer';
import type { QwenScorer } from '../engine/qwen-scorer';
import type { Device, Dtype, LoadedModel, LoadProgress, LoadRequest, ScorerWorkerApi } from './scorer-protocol';
import { downloadPlan, planDownload } from './model-download';
import { useBrowserModelSource } from './transformers-env';

declare const self: DedicatedWorkerGlobalScope;

let scorer: QwenScorer | null = null;

/** Files a converted model may lack; Transformers.js does without them. */
const OPTIONAL_FILES: ReadonlySet<string> = new Set(['generation_config.json']);

async function chooseDevice(request: LoadRequest): Promise<{ device: Device; dtype: Dtype; note: string; maxBufferSize?: number }> {
  const gpu = (self.navigator as Navigator & { gpu?: { requestAdapter(): Promise<GPUAdapterLike | null> } }).gpu;
  const adapter = request.device === 'wasm' ? null : await gpu?.requestAdapter().catch(() => null);
  if (request.device === 'webgpu' && !adapter) throw new Error('WebGPU was asked for, but this browser offers no WebGPU adapter.');
  if (!adapter) {
    return { device: 'wasm', dtype: request.dtype ?? 'q4', note: request.device === 'wasm' ? 'WASM (asked for)' : 'WASM: this browser offers no WebGPU adapter' };
  }
  const f16 = adapter.features.has('shader-f16');
  const dtype = request.dtype ?? (f16 ? 'q4f16' : 'q4');
  if ((dtype === 'q4f16' || dtype === 'fp16') && !f16) {
    throw new Error(`${dtype} needs a GPU with shader-f16, which this adapter lacks; use q4.`);
  }
  const maxBufferSize = adapter.limits?.maxBufferSize;
  return {
    device: 'webgpu',
    dtype,
    maxBufferSize,
    note:
      `WebGPU${adapter.info?.isFallbackAdapter ? ' (software adapter)' : ''}, ${f16 ? 'with' : 'without'} shader-f16` +
      (maxBufferSize ? `, buffers up to ${(maxBufferSize / 1e9).toFixed(1)} GB` : ''),
  };
}

interface GPUAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits?: { maxBufferSize?: number };
  readonly info?: { isFallbackAdapter?: boolean };
}

const api: ScorerWorkerApi = {
  async load(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
    await scorer?.dispose();
    scorer = null;
    const { id, folder } = useBrowserModelSource(request.source, self.location.origin, self.location.href);
    const { device, dtype, note, maxBufferSize } = await chooseDevice(request);
    const loadBytes = new Map<string, { loaded: number; total: number }>();
    scorer = await loadScorer(id, {
      device,
      dtype,
      hasFile: async (path) => (await fetch(new URL(path, folder), { method: 'HEAD' })).ok,
      deviceLimits: { maxBufferSize },
      prepareFiles: async (config) => {
        const cache = await caches.open(env.cacheKey);
        const plan = await planDownload(folder, modelFilesFor(config, dtype), OPTIONAL_FILES, cache);
        const refusal = storageRefusal(plan.remainingBytes, request.storage ?? {}, plan.largestRemaining);
        if (refusal) throw new ModelLoadError(refusal);
        await downloadPlan(plan, cache, (loaded, total) => onProgress({ phase: 'download', loaded, total }));
      },
      // After the download these are Transformers.js reading the cached files.
      progressCallback: (event) => {
        const e = event as { status?: string; file?: string; loaded?: number; total?: number };
        if (e.status !== 'progress' || !e.file) return;
        loadBytes.set(e.file, { loaded: e.loaded ?? 0, total: e.total ?? 0 });
        const all = [...loadBytes.values()];
        onProgress({ phase: 'load', loaded: all.reduce((s, f) => s + f.loaded, 0), total: all.reduce((s, f) => s + f.total, 0) });
      },
    });
    return { ...scorer.info, id: request.source, deviceNote: note };
  },
  async score(idea, options) {
    if (!scorer) throw new Error('No model is loaded');
    return scorer.score(idea, options);
  },
  async prompt(idea, profile) {
    if (!scorer) throw new Error('No model is loaded');
    return scorer.prompt(idea, profile);
  },
  async dispose() {
    await scorer?.dispose();
    scorer = null;
  },
};

/**
 * For devtools and the browser tests: makes the runtime fail the way it does when the GPU is lost (the
 * WebGPU device is destroyed; on WASM, where there is no device, the model's sessions are released).
 */
(self as unknown as { refereeDiagnostics: unknown }).refereeDiagnostics = {
  async loseRuntime(): Promise<'gpu-device-destroyed' | 'sessions-released' | 'nothing-loaded'> {
    if (!scorer) return 'nothing-loaded';
    if (scorer.info.device === 'webgpu') {
      const device = await (env.backends.onnx as { webgpu?: { device?: Promise<{ destroy(): void }> } }).webgpu?.device;
      if (device) {
        device.destroy();
        return 'gpu-device-destroyed';
      }
    }
    await scorer.dispose();
    return 'sessions-released';
  },
};

Comlink.expose(api);
