/// <reference lib="webworker" />
/**
 * The scoring engine in a Web Worker: the same QwenScorer the CLI uses, on WebGPU when the browser has a
 * hardware adapter (q4f16 when it supports shader-f16, else q4), otherwise on WASM, unless the caller chose a
 * backend (engine/backend-choice decides, and says why). Exposed with Comlink as an Engine
 * (src/engine/engine.ts); the page's side is src/worker/engine-client.ts.
 */
import './trusted-types';
import { AutoConfig, AutoTokenizer, env } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { chooseBackend, describeAdapter, softwareRenderer, WASM_DEFAULT_DTYPE, type BackendPreference } from '../engine/backend-choice';
import type { Engine, EngineCapabilities, LoadedModel, LoadProgress, LoadRequest } from '../engine/engine';
import { loadScorer } from '../engine/load-scorer';
import type { QwenScorer } from '../engine/qwen-scorer';
import type { ChatTokenizer } from '../engine/prompt-tokens';
import { connectServer, type ServerConnection } from '../engine/remote/connect-server';
import { diagnoseScorer } from '../engine/diagnose-scorer';
import { useBrowserModelSource } from '../engine/browser/transformers-env';
import { InferenceSession, ORT_BUILD, Tensor } from '../engine/browser/ort-runtime';
import { OnnxKvCacheOps, type OrtForKvOps } from '../engine/onnx-kv-cache-ops';
import { chooseNumThreads } from '../engine/browser/ort-wasm';
import { adapterFacts, describeGpuAdapter, deviceWithoutSubgroups, hasNarrowSubgroups, requestAdapter, type GPUAdapterLike, type GPUDeviceLike } from '../engine/browser/webgpu-adapter';
import { fetchModelFiles } from '../models/browser/model-download';
import { cachedExternalData } from '../models/browser/model-cache';
import { estimateModelMemory, type MemoryEstimate } from '../models/model-memory';
import { ModelError } from '../models/model-error';
import { BROWSER_DEVICES, type BrowserDevice, type Dtype } from '../models/types';
import { installErrorTransfer } from './error-transfer';
import { architectureOf } from '../models/architectures';

declare const self: DedicatedWorkerGlobalScope;

let scorer: QwenScorer | null = null;
/** Set instead of `scorer` when the page scores through a completions server. */
let remote: ServerConnection | null = null;

/** Reads a tokenizer from a folder, URL or repo id, as this page loads models. */
async function readBrowserTokenizer(source: string): Promise<ChatTokenizer> {
  const { id } = useBrowserModelSource(source, self.location.origin, self.location.href);
  return (await AutoTokenizer.from_pretrained(id)) as unknown as ChatTokenizer;
}

/** Addresses this worker's Content-Security-Policy blocked, most recent last (the browser says so by event). */
const blockedByPolicy: string[] = [];
self.addEventListener('securitypolicyviolation', (event) => {
  blockedByPolicy.push((event as SecurityPolicyViolationEvent).blockedURI);
  if (blockedByPolicy.length > 20) blockedByPolicy.shift();
});

/**
 * Why the page could not reach a server. A failed fetch says nothing; the page's own security policy announces
 * itself (a violation event names the address). A server that answers without allowing this origin (CORS)
 * and one that does not answer look the same from here (this cross-origin-isolated page cannot even send
 * an opaque no-cors probe), so both are named.
 */
async function explainUnreachable(base: string): Promise<string> {
  const origin = new URL(base).origin;
  if (blockedByPolicy.some((uri) => uri.startsWith(origin))) {
    return `This page's security policy (Content-Security-Policy connect-src) does not allow connecting to ${origin}: serve or build Referee with REFEREE_CONNECT_SRC including ${origin}.`;
  }
  return (
    `Nothing readable came back from ${base}: either nothing answers there (is the server running, and is the address right: host, port, /v1?), ` +
    `or the server does not allow this page (${self.location.origin}) to read its answers (CORS: npm run serve -- --cors-origin ${self.location.origin}; vLLM: --allowed-origins).`
  );
}

/**
 * The model's memory estimate at the dtype it would run with on WASM, from its config.json; undefined when
 * that cannot be read (the load itself then says why).
 */
async function wasmMemory(id: string, dtype: Dtype): Promise<MemoryEstimate | undefined> {
  try {
    const config = (await AutoConfig.from_pretrained(id)) as unknown as Record<string, unknown>;
    return architectureOf(config) ? estimateModelMemory(config, dtype) : undefined;
  } catch {
    return undefined;
  }
}

function browserDevice(request: LoadRequest): BrowserDevice | undefined {
  if (request.device === undefined) return undefined;
  if (!(BROWSER_DEVICES as readonly string[]).includes(request.device)) {
    throw new ModelError('model-refused', `The page runs models on ${BROWSER_DEVICES.join(' or ')}, not ${request.device}.`);
  }
  return request.device as BrowserDevice;
}

/** The backend, dtype and reasons for a load, and the adapter (requested once per load) when WebGPU was considered. */
async function chooseDevice(
  request: LoadRequest,
  id: string,
): Promise<{ device: BrowserDevice; dtype: Dtype; note: string; adapterNote: string; maxBufferSize?: number; gpu: GPUAdapterLike | null }> {
  const forced = browserDevice(request);
  const preference: BackendPreference = forced ?? request.backend ?? 'auto';
  const gpu = preference === 'wasm' ? null : await requestAdapter();
  const adapter = gpu && adapterFacts(gpu);
  // Only a software adapter makes the model's size matter to the choice.
  const memory = preference === 'auto' && adapter && softwareRenderer(adapter) ? await wasmMemory(id, request.dtype ?? WASM_DEFAULT_DTYPE) : undefined;
  const choice = chooseBackend({
    preference,
    preferenceFrom: forced ? 'address' : 'setting',
    adapter,
    ...(request.dtype ? { dtype: request.dtype } : {}),
    ...(memory ? { wasmMemory: memory } : {}),
  });
  if (!choice.ok) throw new ModelError('model-refused', choice.message);
  return {
    device: choice.device,
    dtype: choice.dtype,
    note: choice.reason,
    adapterNote: preference === 'wasm' ? 'not asked for' : describeAdapter(adapter),
    ...(choice.device === 'webgpu' && adapter?.maxBufferSize ? { maxBufferSize: adapter.maxBufferSize } : {}),
    gpu,
  };
}

/** The WebGPU device made for the loaded model, when it is not onnxruntime's own. */
let ownDevice: GPUDeviceLike | null = null;

/** Subgroups off where onnxruntime's attention gets them wrong, unless the request says otherwise. */
async function webgpuDevice(request: LoadRequest, gpu: GPUAdapterLike): Promise<GPUDeviceLike | null> {
  const withoutSubgroups = request.subgroups === undefined ? hasNarrowSubgroups(gpu) : !request.subgroups && gpu.features.has('subgroups');
  return withoutSubgroups ? deviceWithoutSubgroups(gpu) : null;
}

function loaded(): QwenScorer {
  if (!scorer) throw new ModelError('not-loaded', 'No model is loaded');
  return scorer;
}

const engine: Engine = {
  async load(request: LoadRequest, onProgress: (progress: LoadProgress) => void = () => {}): Promise<LoadedModel> {
    await scorer?.dispose();
    scorer = null;
    remote = null;
    if (request.server) {
      remote = await connectServer({ ...request, server: request.server }, readBrowserTokenizer, { explainUnreachable });
      return remote.info;
    }
    const { id, folder } = useBrowserModelSource(request.source, self.location.origin, self.location.href);
    const { device, dtype, note, adapterNote, maxBufferSize, gpu } = await chooseDevice(request, id);
    ownDevice?.destroy();
    ownDevice = device === 'webgpu' && gpu ? await webgpuDevice(request, gpu) : null;
    const loadBytes = new Map<string, { loaded: number; total: number }>();
    let weightsRead: NonNullable<LoadedModel['weightsRead']> = 'all-files';
    scorer = await loadScorer(id, {
      device,
      dtype,
      hasFile: async (path) => (await fetch(new URL(path, folder), { method: 'HEAD' })).ok,
      deviceLimits: { maxBufferSize },
      ...(ownDevice ? { webgpuDevice: ownDevice } : {}),
      // On WebGPU the KV cache is cut and batched on the GPU: never read back while scoring.
      ...(device === 'webgpu' ? { kvCacheOps: (sessionOptions: Record<string, unknown>) => new OnnxKvCacheOps({ InferenceSession, Tensor } as unknown as OrtForKvOps, sessionOptions) } : {}),
      prepareFiles: (config) =>
        fetchModelFiles(folder, config, dtype, request.storage ?? {}, (loaded, total) => onProgress({ phase: 'download', loaded, total })),
      ...(request.weights === 'whole'
        ? {}
        : {
            externalData: async (config) => {
              const blobs = (await cachedExternalData(folder, config, dtype)) ?? [];
              if (blobs.length > 0) weightsRead = ORT_BUILD === 'jspi' ? 'tensor-by-tensor' : 'file-by-file';
              return blobs;
            },
          }),
      // After the download these are Transformers.js reading the cached files.
      progressCallback: (event) => {
        const e = event as { status?: string; file?: string; loaded?: number; total?: number };
        if (e.status !== 'progress' || !e.file) return;
        loadBytes.set(e.file, { loaded: e.loaded ?? 0, total: e.total ?? 0 });
        const all = [...loadBytes.values()];
        onProgress({ phase: 'load', loaded: all.reduce((s, f) => s + f.loaded, 0), total: all.reduce((s, f) => s + f.total, 0) });
      },
    });
    const subgroups = device === 'webgpu' && gpu ? !ownDevice && gpu.features.has('subgroups') : null;
    const subgroupNote = ownDevice && request.subgroups === undefined ? ' Subgroup operations are off on this adapter: onnxruntime’s attention gets them wrong below 32 lanes.' : '';
    return { ...scorer.info, id: request.source, deviceNote: note + subgroupNote, adapterNote, subgroups, runtime: ORT_BUILD, weightsRead };
  },
  async capabilities(): Promise<EngineCapabilities> {
    const gpu = await requestAdapter();
    const storage = await self.navigator.storage?.estimate?.().catch(() => undefined);
    return {
      runtime: 'browser',
      devices: gpu ? ['webgpu', 'wasm'] : ['wasm'],
      adapter: gpu ? describeGpuAdapter(gpu) : null,
      storage: storage ? { quota: storage.quota, usage: storage.usage } : null,
      wasmThreads: chooseNumThreads(),
      crossOriginIsolated: self.crossOriginIsolated,
    };
  },
  async score(idea, options) {
    return (remote?.scorer ?? loaded()).score(idea, options);
  },
  async prompt(idea, profile) {
    return remote ? remote.scorer.prompt(idea, profile) : loaded().prompt(idea, profile);
  },
  async forward(text) {
    if (remote) throw new ModelError('model-refused', 'A completions server gives no raw forward pass: load a model into the page for the probe.');
    return loaded().lastLogits(text);
  },
  async measureDevice() {
    if (remote) throw new ModelError('model-refused', 'A completions server’s device is its own: Referee measures only models loaded into the page.');
    return loaded().measureDevice();
  },
  async unload() {
    await scorer?.dispose();
    scorer = null;
    remote = null;
  },
  // On WebGPU the runtime is lost as a GPU is: its device destroyed. On WASM there is none: the sessions go.
  diagnose(request) {
    return diagnoseScorer(scorer, request, async (loaded) => {
      if (loaded.info.device === 'webgpu') {
        const device = ownDevice ?? (await (env.backends.onnx as { webgpu?: { device?: Promise<{ destroy(): void }> } }).webgpu?.device);
        if (device) {
          device.destroy();
          return 'gpu-device-destroyed';
        }
      }
      await loaded.dispose();
      return 'sessions-released';
    });
  },
};

installErrorTransfer();
Comlink.expose(engine);
