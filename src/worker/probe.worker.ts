/// <reference lib="webworker" />
/**
 * One-shot model probe: load a hub-style model folder served at /models/, tokenize a string, run one
 * forward pass and post the last position's logits. A debugging aid and the browser half of the
 * engine's parity test; the page terminates this worker after the answer.
 */
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { useBrowserModelSource } from '../engine/browser/transformers-env';
import { deviceWithoutSubgroups, requestAdapter, type GPUAdapterLike } from '../engine/browser/webgpu-adapter';
import type { ProbeAdapter, ProbeMessage, ProbeRequest, ProbeResult } from './probe-protocol';

declare const self: DedicatedWorkerGlobalScope;

function post(message: ProbeMessage): void {
  self.postMessage(message);
}

function configureTransformers(model: string): number {
  const { numThreads } = useBrowserModelSource(model, self.location.origin, self.location.href);
  // The probe must see the files as served now, not a Cache Storage copy of an older fixture.
  env.useBrowserCache = false;
  return numThreads;
}

function describeAdapter(adapter: GPUAdapterLike): ProbeAdapter {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    isFallbackAdapter: info.isFallbackAdapter ?? false,
    subgroups: adapter.features.has('subgroups'),
    subgroupMinSize: info.subgroupMinSize ?? null,
    subgroupMaxSize: info.subgroupMaxSize ?? null,
    shaderF16: adapter.features.has('shader-f16'),
  };
}

async function lastPositionLogits(logits: Tensor): Promise<number[]> {
  const dims = logits.dims;
  if (dims.length !== 3) throw new Error(`Expected logits of rank 3, got dims [${dims.join(', ')}]`);
  const seq = dims[1] ?? 0;
  const vocab = dims[2] ?? 0;
  if (seq < 1 || vocab < 1) throw new Error(`Empty logits: dims [${dims.join(', ')}]`);
  const asFloat32 = logits.type === 'float32' ? logits : logits.to('float32');
  const data = asFloat32.data;
  if (!(data instanceof Float32Array)) throw new Error(`Unexpected logits data type ${logits.type}`);
  const row = Array.from(data.subarray((seq - 1) * vocab, seq * vocab));
  if (asFloat32 !== logits) asFloat32.dispose();
  return row;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  }
  return best;
}

async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const numThreads = configureTransformers(request.model);
  const t0 = performance.now();
  post({ type: 'stage', stage: 'loading-tokenizer' });
  const tokenizer = await AutoTokenizer.from_pretrained(request.model);
  const adapter = request.device === 'webgpu' ? await requestAdapter() : null;
  if (request.device === 'webgpu' && !adapter) throw new Error('WebGPU was asked for, but this browser offers no adapter');
  const ownDevice = adapter && request.subgroups === false ? await deviceWithoutSubgroups(adapter) : null;
  post({ type: 'stage', stage: 'loading-model' });
  const model = await AutoModelForCausalLM.from_pretrained(request.model, {
    dtype: request.dtype,
    device: request.device,
    ...(ownDevice ? { session_options: { executionProviders: [{ name: 'webgpu', device: ownDevice }] } } : {}),
  } as Parameters<typeof AutoModelForCausalLM.from_pretrained>[1]);
  const loadMs = performance.now() - t0;
  try {
    post({ type: 'stage', stage: 'running' });
    const encoded = tokenizer(request.text) as { input_ids: Tensor; attention_mask: Tensor };
    const inputIds = Array.from(encoded.input_ids.data as BigInt64Array, (id) => Number(id));
    const t1 = performance.now();
    const outputs = (await model({
      input_ids: encoded.input_ids,
      attention_mask: encoded.attention_mask,
    })) as Record<string, unknown>;
    const logits = outputs.logits;
    if (!(logits instanceof Tensor)) throw new Error('The model returned no logits tensor');
    const lastLogits = await lastPositionLogits(logits);
    const runMs = performance.now() - t1;
    const logitsDims = [...logits.dims];
    disposeTensors(outputs);
    return {
      model: request.model,
      device: request.device,
      dtype: request.dtype,
      text: request.text,
      inputIds,
      logitsDims,
      lastLogits,
      argmax: argmax(lastLogits),
      adapter: adapter ? describeAdapter(adapter) : null,
      deviceSubgroups: adapter ? (ownDevice ? false : adapter.features.has('subgroups')) : null,
      numThreads,
      crossOriginIsolated: self.crossOriginIsolated,
      loadMs,
      runMs,
    };
  } finally {
    await model.dispose();
  }
}

/** Frees output tensors (GPU buffers on WebGPU), including the present key/values cache. */
function disposeTensors(value: unknown): void {
  if (value instanceof Tensor) {
    value.dispose();
  } else if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) disposeTensors(inner);
  }
}

let started = false;
self.addEventListener('message', (event: MessageEvent<ProbeRequest>) => {
  if (started) return;
  started = true;
  post({ type: 'stage', stage: 'starting' });
  probe(event.data).then(
    (result) => post({ type: 'result', result }),
    (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      post({ type: 'error', message: err.message, ...(err.stack ? { stack: err.stack } : {}) });
    },
  );
});
