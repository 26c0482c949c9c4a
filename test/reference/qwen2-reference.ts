/**
 * Independent float64 reference of Hugging Face `Qwen2ForCausalLM` (transformers' modeling_qwen2),
 * used to check converted/exported models. Deliberately imports nothing from src/: it parses the
 * checkpoint (config.json + safetensors, single file or sharded) on its own with node:fs.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export interface Qwen2ReferenceConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  ropeTheta: number;
  /** RoPE's inverse frequencies (plain, or scaled as Llama 3 does). */
  ropeFrequencies: Float64Array;
  rmsNormEps: number;
  tied: boolean;
}

// ---------------------------------------------------------------------------------------------
// Number decoding

/** IEEE 754 binary16 → number, decoded by hand (Node 20 has no Float16Array). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero / subnormal
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits → number (the bits are the top half of a float32). */
export function bf16ToNumber(bits: number): number {
  BF16_U32[0] = (bits & 0xffff) << 16;
  return BF16_F32[0]!;
}
const BF16_U32 = new Uint32Array(1);
const BF16_F32 = new Float32Array(BF16_U32.buffer);

function decodeTensor(bytes: Buffer, dtype: string, count: number, name: string): Float64Array {
  const out = new Float64Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; i++) {
        u32[0] = view.getUint16(i * 2, true) << 16;
        out[i] = f32[0]!;
      }
      break;
    }
    default:
      throw new Error(`qwen2-reference: tensor ${name} has unsupported dtype ${dtype}`);
  }
  return out;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

// ---------------------------------------------------------------------------------------------
// Safetensors reading

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const chunk = Math.min(length - done, 1 << 30);
    const n = readSync(fd, buf, done, chunk, position + done);
    if (n <= 0) throw new Error(`qwen2-reference: unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return buf;
}

/** Reads the requested tensors (all of them when `wanted` is undefined) from one safetensors file. */
function readSafetensors(file: string, wanted?: ReadonlySet<string>): Map<string, { shape: number[]; data: Float64Array }> {
  const fd = openSync(file, 'r');
  try {
    const lenBuf = readExactly(fd, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    const header = JSON.parse(readExactly(fd, headerLen, 8).toString('utf8')) as Record<string, unknown>;
    const base = 8 + headerLen;
    const out = new Map<string, { shape: number[]; data: Float64Array }>();
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      if (wanted && !wanted.has(name)) continue;
      const entry = raw as TensorEntry;
      const [start, end] = entry.data_offsets;
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const width = DTYPE_BYTES[entry.dtype];
      if (width === undefined) throw new Error(`qwen2-reference: tensor ${name} has unsupported dtype ${entry.dtype}`);
      if (end - start !== count * width) {
        throw new Error(`qwen2-reference: tensor ${name}: ${end - start} bytes for shape [${entry.shape}] ${entry.dtype}`);
      }
      const bytes = readExactly(fd, end - start, base + start);
      out.set(name, { shape: entry.shape, data: decodeTensor(bytes, entry.dtype, count, name) });
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function readCheckpoint(dir: string): Map<string, { shape: number[]; data: Float64Array }> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return readSafetensors(single);
  const indexPath = join(dir, 'model.safetensors.index.json');
  if (!existsSync(indexPath)) throw new Error(`qwen2-reference: no model.safetensors or model.safetensors.index.json in ${dir}`);
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(index.weight_map)) {
    let set = byShard.get(shard);
    if (!set) byShard.set(shard, (set = new Set()));
    set.add(name);
  }
  const all = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [shard, names] of byShard) {
    for (const [name, t] of readSafetensors(join(dir, shard), names)) all.set(name, t);
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Math helpers

/** y = W x (+ b), W row-major [out, in]. */
function linear(w: Float64Array, x: Float64Array, outDim: number, bias?: Float64Array): Float64Array {
  const inDim = x.length;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = 0;
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) s += w[row + i]! * x[i]!;
    y[o] = bias ? s + bias[o]! : s;
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * inv * weight[i]!;
  return out;
}

/**
 * inv_freq per pair of dimensions: 1 / theta^(2i/headDim), or with `rope_scaling` of type llama3 as
 * transformers' `_compute_llama3_parameters` sets it: wavelengths longer than
 * original_max_position_embeddings / low_freq_factor are divided by `factor`, those shorter than
 * original / high_freq_factor kept, and those between interpolated.
 */
export function ropeFrequencies(theta: number, headDim: number, scaling: Record<string, unknown> | null | undefined): Float64Array {
  const plain = Float64Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const type = scaling?.rope_type ?? scaling?.type ?? 'default';
  if (!scaling || type === 'default') return plain;
  if (type !== 'llama3') throw new Error(`qwen2-reference: rope_scaling ${JSON.stringify(scaling)} is not implemented`);
  const factor = scaling.factor as number;
  const low = scaling.low_freq_factor as number;
  const high = scaling.high_freq_factor as number;
  const original = scaling.original_max_position_embeddings as number;
  return plain.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < original / high) return f;
    if (wavelen > original / low) return f / factor;
    const smooth = (original / wavelen - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/**
 * Rotate-half (non-interleaved) RoPE of one head vector of length headDim, as in HF
 * `apply_rotary_pos_emb`: inv_freq[i] = 1 / theta^(2i/headDim), angle = position * inv_freq[i].
 */
export function applyRope(vec: ArrayLike<number>, position: number, headDim: number, theta: number, frequencies?: Float64Array): Float64Array {
  const half = headDim / 2;
  const out = new Float64Array(headDim);
  for (let i = 0; i < half; i++) {
    const invFreq = frequencies ? frequencies[i]! : 1 / theta ** ((2 * i) / headDim);
    const a = position * invFreq;
    const c = Math.cos(a);
    const s = Math.sin(a);
    const x1 = vec[i]!;
    const x2 = vec[i + half]!;
    out[i] = x1 * c - x2 * s;
    out[i + half] = x2 * c + x1 * s;
  }
  return out;
}

/** Numerically stable log-softmax in float64. */
export function logSoftmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - lse;
  return out;
}

function argmax(x: Float64Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Model

interface LayerWeights {
  inputNorm: Float64Array;
  q: Float64Array;
  qb?: Float64Array;
  k: Float64Array;
  kb?: Float64Array;
  v: Float64Array;
  vb?: Float64Array;
  o: Float64Array;
  postNorm: Float64Array;
  gate: Float64Array;
  up: Float64Array;
  down: Float64Array;
}

function num(raw: Record<string, unknown>, key: string, fallback?: number): number {
  const v = raw[key];
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
  }
  throw new Error(`qwen2-reference: config.json "${key}" missing or not a number`);
}

export class Qwen2Reference {
  readonly config: Qwen2ReferenceConfig;
  private readonly embed: Float64Array;
  private readonly lmHead: Float64Array;
  private readonly finalNorm: Float64Array;
  private readonly layers: LayerWeights[];
  /** Per layer, per cached position: rotated keys / values, length numKvHeads * headDim. */
  private kCache: Float64Array[][] = [];
  private vCache: Float64Array[][] = [];

  private constructor(config: Qwen2ReferenceConfig, tensors: Map<string, { shape: number[]; data: Float64Array }>) {
    this.config = config;
    const { hiddenSize: H, numHeads, numKvHeads, headDim, intermediateSize: I, vocabSize: V } = config;
    const get = (name: string, shape: number[]): Float64Array => {
      const t = tensors.get(name);
      if (!t) throw new Error(`qwen2-reference: checkpoint lacks ${name}`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`qwen2-reference: ${name} has shape [${t.shape}], expected [${shape}]`);
      }
      return t.data;
    };
    // Llama has no q/k/v biases unless its config says so.
    const optional = (name: string, shape: number[]) => (tensors.has(name) ? get(name, shape) : undefined);
    this.embed = get('model.embed_tokens.weight', [V, H]);
    this.lmHead = config.tied ? this.embed : get('lm_head.weight', [V, H]);
    this.finalNorm = get('model.norm.weight', [H]);
    this.layers = [];
    for (let l = 0; l < config.numLayers; l++) {
      const p = `model.layers.${l}.`;
      this.layers.push({
        inputNorm: get(`${p}input_layernorm.weight`, [H]),
        q: get(`${p}self_attn.q_proj.weight`, [numHeads * headDim, H]),
        qb: optional(`${p}self_attn.q_proj.bias`, [numHeads * headDim]),
        k: get(`${p}self_attn.k_proj.weight`, [numKvHeads * headDim, H]),
        kb: optional(`${p}self_attn.k_proj.bias`, [numKvHeads * headDim]),
        v: get(`${p}self_attn.v_proj.weight`, [numKvHeads * headDim, H]),
        vb: optional(`${p}self_attn.v_proj.bias`, [numKvHeads * headDim]),
        o: get(`${p}self_attn.o_proj.weight`, [H, numHeads * headDim]),
        postNorm: get(`${p}post_attention_layernorm.weight`, [H]),
        gate: get(`${p}mlp.gate_proj.weight`, [I, H]),
        up: get(`${p}mlp.up_proj.weight`, [I, H]),
        down: get(`${p}mlp.down_proj.weight`, [H, I]),
      });
    }
    this.reset();
  }

  static async load(dir: string): Promise<Qwen2Reference> {
    const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const hiddenSize = num(raw, 'hidden_size');
    const numHeads = num(raw, 'num_attention_heads');
    const headDim = num(raw, 'head_dim', hiddenSize / numHeads);
    const ropeTheta = num(raw, 'rope_theta', 10000);
    const tensors = readCheckpoint(dir);
    const config: Qwen2ReferenceConfig = {
      hiddenSize,
      numLayers: num(raw, 'num_hidden_layers'),
      numHeads,
      numKvHeads: num(raw, 'num_key_value_heads', numHeads),
      headDim,
      intermediateSize: num(raw, 'intermediate_size'),
      vocabSize: num(raw, 'vocab_size'),
      ropeTheta,
      ropeFrequencies: ropeFrequencies(ropeTheta, headDim, raw.rope_scaling as Record<string, unknown> | null | undefined),
      rmsNormEps: num(raw, 'rms_norm_eps', 1e-6),
      tied: raw.tie_word_embeddings === true || !tensors.has('lm_head.weight'),
    };
    if (config.numHeads % config.numKvHeads !== 0) throw new Error('qwen2-reference: num_attention_heads % num_key_value_heads != 0');
    if (config.headDim % 2 !== 0) throw new Error('qwen2-reference: odd head_dim');
    return new Qwen2Reference(config, tensors);
  }

  /** Number of positions currently in the KV cache. */
  get cachedLength(): number {
    return this.kCache[0]?.length ?? 0;
  }

  reset(): void {
    this.kCache = this.layers.map(() => []);
    this.vCache = this.layers.map(() => []);
  }

  forward(tokenIds: readonly number[]): Float64Array[] {
    return tokenIds.map((id) => this.step(id));
  }

  /** Feeds tokens and returns only the last position's logits (lm_head is skipped for the others). */
  forwardLast(tokenIds: readonly number[]): Float64Array {
    tokenIds.slice(0, -1).forEach((id) => this.step(id, false));
    return this.step(tokenIds.at(-1)!)!;
  }

  /** Forgets every cached position from `length` on, so one prompt can be continued several ways. */
  truncate(length: number): void {
    for (const cache of [...this.kCache, ...this.vCache]) cache.length = Math.min(cache.length, length);
  }

  greedy(prompt: readonly number[], n: number): { tokens: number[]; logits: Float64Array[] } {
    this.reset();
    const tokens: number[] = [];
    const logits: Float64Array[] = [];
    if (n <= 0) return { tokens, logits };
    if (prompt.length === 0) throw new Error('qwen2-reference: greedy needs a non-empty prompt');
    let last = this.forward(prompt).at(-1)!;
    for (let i = 0; i < n; i++) {
      const next = argmax(last);
      tokens.push(next);
      logits.push(last);
      if (i + 1 < n) last = this.step(next);
    }
    return { tokens, logits };
  }

  /** Embedding row of a token (looked up on demand, a copy). */
  embeddingRow(id: number): Float64Array {
    const { hiddenSize: H, vocabSize: V } = this.config;
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`qwen2-reference: token id ${id} out of range [0, ${V})`);
    return this.embed.slice(id * H, (id + 1) * H);
  }

  /** One position through the whole model; appends its K/V to the cache; returns its logits. */
  private step(id: number): Float64Array;
  private step(id: number, logits: false): null;
  private step(id: number, logits = true): Float64Array | null {
    const c = this.config;
    const { hiddenSize: H, numHeads, numKvHeads, headDim: D, intermediateSize: I, vocabSize: V } = c;
    const group = numHeads / numKvHeads;
    const pos = this.cachedLength;
    const scale = 1 / Math.sqrt(D);
    let x = this.embeddingRow(id);

    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      const kc = this.kCache[l]!;
      const vc = this.vCache[l]!;
      // --- attention
      const hn = rmsNorm(x, w.inputNorm, c.rmsNormEps);
      const q = linear(w.q, hn, numHeads * D, w.qb);
      const kRaw = linear(w.k, hn, numKvHeads * D, w.kb);
      const v = linear(w.v, hn, numKvHeads * D, w.vb);
      const k = new Float64Array(numKvHeads * D);
      for (let h = 0; h < numKvHeads; h++) k.set(applyRope(kRaw.subarray(h * D, (h + 1) * D), pos, D, c.ropeTheta, c.ropeFrequencies), h * D);
      kc.push(k);
      vc.push(v);
      const T = kc.length;
      const attn = new Float64Array(numHeads * D);
      const scores = new Float64Array(T);
      for (let h = 0; h < numHeads; h++) {
        const qh = applyRope(q.subarray(h * D, (h + 1) * D), pos, D, c.ropeTheta, c.ropeFrequencies);
        const kvh = Math.floor(h / group);
        let max = -Infinity;
        for (let t = 0; t < T; t++) {
          const kt = kc[t]!;
          let s = 0;
          for (let d = 0; d < D; d++) s += qh[d]! * kt[kvh * D + d]!;
          s *= scale;
          scores[t] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const e = Math.exp(scores[t]! - max);
          scores[t] = e;
          sum += e;
        }
        for (let t = 0; t < T; t++) {
          const p = scores[t]! / sum;
          const vt = vc[t]!;
          for (let d = 0; d < D; d++) attn[h * D + d] = attn[h * D + d]! + p * vt[kvh * D + d]!;
        }
      }
      const o = linear(w.o, attn, H);
      const h1 = new Float64Array(H);
      for (let i = 0; i < H; i++) h1[i] = x[i]! + o[i]!;
      // --- MLP
      const hn2 = rmsNorm(h1, w.postNorm, c.rmsNormEps);
      const g = linear(w.gate, hn2, I);
      const u = linear(w.up, hn2, I);
      for (let i = 0; i < I; i++) g[i] = (g[i]! / (1 + Math.exp(-g[i]!))) * u[i]!;
      const m = linear(w.down, g, H);
      const x2 = new Float64Array(H);
      for (let i = 0; i < H; i++) x2[i] = h1[i]! + m[i]!;
      x = x2;
    }
    if (!logits) return null;
    const xn = rmsNorm(x, this.finalNorm, c.rmsNormEps);
    return linear(this.lmHead, xn, V);
  }
}
