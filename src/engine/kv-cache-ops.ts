import { Tensor } from '@huggingface/transformers';

/** `past_key_values.<layer>.<key|value>` tensors: the KV cache of a token sequence. */
export type KvCache = Record<string, Tensor>;

/** One sequence of a (possibly batched) cache. */
export interface CacheRow {
  readonly cache: KvCache;
  readonly row: number;
}

/**
 * How the engine cuts a KV cache and gathers rows of caches into a batch. On the CPU (WASM, Node) the tensors
 * are copied in memory; on WebGPU in a browser, small onnxruntime graphs do it on the GPU
 * (./onnx-kv-cache-ops.ts), so the cache is never read back; in Node on WebGPU nothing can (onnxruntime-node
 * 1.30 aborts on a read of a GPU output), and the scorer prefills again and reads one continuation a pass.
 */
export interface KvCacheOps {
  /** Whether `truncate` and `gatherRows` work here. */
  readonly canReshape: boolean;
  /** The first `length` positions of a cache, as new tensors the caller owns (the original is left alone). */
  truncate(cache: KvCache, length: number): Promise<KvCache>;
  /** A cache whose batch rows are the given rows, all of one length: new tensors the caller owns. */
  gatherRows(rows: readonly CacheRow[]): Promise<KvCache>;
  /** Cache tensors copied from the GPU to the CPU so far (benchmarks and tests count them per idea). */
  readonly readBacks: number;
  /** Cache tensors cut or gathered on the device so far. */
  readonly onDevice: number;
  /** Releases what the ops hold (their sessions), with the model. */
  dispose?(): Promise<void>;
}

/**
 * The rows as a cache to run on: a single row of a one-sequence cache as it is (`owned: false`, on any
 * runtime), otherwise gathered by `ops` into new tensors the caller owns.
 */
export async function cacheOfRows(ops: KvCacheOps, rows: readonly CacheRow[]): Promise<{ cache: KvCache; owned: boolean }> {
  const first = rows[0]!;
  const [sourceBatch] = Object.values(first.cache)[0]!.dims as [number];
  if (rows.length === 1 && sourceBatch === 1) return { cache: first.cache, owned: false };
  return { cache: await ops.gatherRows(rows), owned: true };
}

/** A cache tensor's values on the CPU: float32, or float16 as raw bits. */
export type HostData = Float32Array | Uint16Array;

/** A zeroed array of `size` elements of the same kind as `data`. */
function allocateLike(data: HostData, size: number): HostData {
  return new (data.constructor as new (size: number) => HostData)(size);
}

/** Cut and gathered in memory; a tensor on the GPU is read back first (tens of MB for a 7B prompt). */
export class HostKvCacheOps implements KvCacheOps {
  readonly canReshape = true;
  readBacks = 0;
  readonly onDevice = 0;

  private async hostData(tensor: Tensor): Promise<HostData> {
    if (tensor.location !== 'gpu-buffer') return tensor.data as HostData;
    this.readBacks++;
    return (await tensor.ort_tensor.getData()) as HostData;
  }

  async truncate(cache: KvCache, length: number): Promise<KvCache> {
    const out: KvCache = {};
    for (const [name, tensor] of Object.entries(cache)) {
      const [batch, heads, total, headDim] = tensor.dims as [number, number, number, number];
      if (length > total) throw new Error(`cannot cut a cache of ${total} positions to ${length}`);
      const data = await this.hostData(tensor);
      const kept = allocateLike(data, batch * heads * length * headDim);
      for (let row = 0; row < batch * heads; row++) {
        kept.set(data.subarray(row * total * headDim, (row * total + length) * headDim), row * length * headDim);
      }
      out[name] = new Tensor(tensor.type, kept, [batch, heads, length, headDim]);
    }
    return out;
  }

  async gatherRows(rows: readonly CacheRow[]): Promise<KvCache> {
    const first = rows[0]!;
    const out: KvCache = {};
    for (const name of Object.keys(first.cache)) {
      const sources = new Map<KvCache, HostData>();
      for (const { cache } of rows) if (!sources.has(cache)) sources.set(cache, await this.hostData(cache[name]!));
      const [, heads, length, headDim] = first.cache[name]!.dims as [number, number, number, number];
      const rowSize = heads * length * headDim;
      const data = allocateLike(sources.get(first.cache)!, rows.length * rowSize);
      rows.forEach(({ cache, row }, i) => data.set(sources.get(cache)!.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize));
      out[name] = new Tensor(first.cache[name]!.type, data, [rows.length, heads, length, headDim]);
    }
    return out;
  }
}

/** Where a cache cannot be reshaped at all (Node on WebGPU). */
export const FIXED_KV_CACHE: KvCacheOps = {
  canReshape: false,
  readBacks: 0,
  onDevice: 0,
  truncate: () => Promise.reject(new Error('this runtime cannot cut a KV cache')),
  gatherRows: () => Promise.reject(new Error('this runtime cannot gather KV cache rows')),
};
