import { Tensor } from '@huggingface/transformers';
import onnxProto from 'onnx-proto';
import type { CacheRow, KvCache, KvCacheOps } from './kv-cache-ops';

const { onnx } = onnxProto;

/** The parts of an onnxruntime build these graphs need (the one Transformers.js runs the model on). */
export interface OrtForKvOps {
  readonly InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => unknown;
}

interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}

type KvType = 'float32' | 'float16';
const ONNX_TYPE: Record<KvType, number> = { float32: onnx.TensorProto.DataType.FLOAT, float16: onnx.TensorProto.DataType.FLOAT16 };

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function model(nodes: onnxProto.onnx.INodeProto[], inputs: onnxProto.onnx.IValueInfoProto[], output: onnxProto.onnx.IValueInfoProto, initializers: onnxProto.onnx.ITensorProto[] = []): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'referee-kv-cache-ops',
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'kv_cache_op', node: nodes, input: inputs, output: [output], initializer: initializers },
    }),
  ).finish();
}

/** out = Gather(Concat(s0 … s{k-1}, axis 0), indices, axis 0): rows of k caches of one length, in a new order. */
function gatherGraph(type: KvType, sources: number): Uint8Array {
  const elem = ONNX_TYPE[type];
  const names = Array.from({ length: sources }, (_, i) => `s${i}`);
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let all = names[0]!;
  if (sources > 1) {
    nodes.push({ name: 'concat', opType: 'Concat', input: names, output: ['all'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
    all = 'all';
  }
  nodes.push({ name: 'gather', opType: 'Gather', input: [all, 'indices'], output: ['out'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
  return model(
    nodes,
    [...names.map((n, i) => valueInfo(n, elem, [`b${i}`, 'heads', 'length', 'head_dim'])), valueInfo('indices', onnx.TensorProto.DataType.INT64, ['rows'])],
    valueInfo('out', elem, ['rows', 'heads', 'length', 'head_dim']),
  );
}

/** out = x[:, :, :end, :]. */
function truncateGraph(type: KvType): Uint8Array {
  const elem = ONNX_TYPE[type];
  const int64 = (name: string, value: number) => ({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [1], int64Data: [value] });
  return model(
    [{ name: 'slice', opType: 'Slice', input: ['x', 'start', 'end', 'axis'], output: ['out'] }],
    [valueInfo('x', elem, ['batch', 'heads', 'total', 'head_dim']), valueInfo('end', onnx.TensorProto.DataType.INT64, [1])],
    valueInfo('out', elem, ['batch', 'heads', 'length', 'head_dim']),
    [int64('start', 0), int64('axis', 2)],
  );
}

/**
 * Cuts and gathers a KV cache that lives on the GPU, on the GPU: each op is a tiny onnxruntime session on the
 * model's own device whose inputs and output stay GPU buffers. Sessions are made on first use and kept.
 */
export class OnnxKvCacheOps implements KvCacheOps {
  readonly canReshape = true;
  readonly readBacks = 0;
  onDevice = 0;
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  /** @param sessionOptions the model's execution providers (and device): outputs are kept as GPU buffers. */
  constructor(
    private readonly ort: OrtForKvOps,
    private readonly sessionOptions: Record<string, unknown>,
  ) {}

  private session(key: string, build: () => Uint8Array): Promise<OrtSession> {
    let session = this.sessions.get(key);
    if (!session) {
      session = this.ort.InferenceSession.create(build(), { ...this.sessionOptions, preferredOutputLocation: 'gpu-buffer', graphOptimizationLevel: 'disabled' });
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  async truncate(cache: KvCache, length: number): Promise<KvCache> {
    const out: KvCache = {};
    for (const [name, tensor] of Object.entries(cache)) {
      const type = tensor.type as KvType;
      const session = await this.session(`truncate-${type}`, () => truncateGraph(type));
      const end = new this.ort.Tensor('int64', BigInt64Array.of(BigInt(length)), [1]);
      const result = await session.run({ x: tensor.ort_tensor, end });
      out[name] = new Tensor(result.out as never);
      this.onDevice++;
    }
    return out;
  }

  async gatherRows(rows: readonly CacheRow[]): Promise<KvCache> {
    const first = rows[0]!;
    const sources = [...new Set(rows.map((r) => r.cache))];
    // Row i of the result is row `row` of its source, counted over the sources concatenated in order.
    const offsets = new Map<KvCache, number>();
    let offset = 0;
    for (const cache of sources) {
      offsets.set(cache, offset);
      offset += (Object.values(cache)[0]!.dims as [number])[0];
    }
    const indices = new this.ort.Tensor('int64', BigInt64Array.from(rows, ({ cache, row }) => BigInt(offsets.get(cache)! + row)), [rows.length]);
    const out: KvCache = {};
    for (const name of Object.keys(first.cache)) {
      const type = first.cache[name]!.type as KvType;
      const session = await this.session(`gather-${type}-${sources.length}`, () => gatherGraph(type, sources.length));
      const feeds: Record<string, unknown> = { indices };
      sources.forEach((cache, i) => (feeds[`s${i}`] = cache[name]!.ort_tensor));
      const result = await session.run(feeds);
      out[name] = new Tensor(result.out as never);
      this.onDevice++;
    }
    return out;
  }

  async dispose(): Promise<void> {
    for (const session of this.sessions.values()) await (await session.catch(() => null))?.release();
    this.sessions.clear();
  }
}
