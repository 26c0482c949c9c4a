import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRope, halfToNumber, logSoftmax, Qwen2Reference } from './qwen2-reference';
import { mulberry32 } from '../../src/evaluation/prng';

// ---------------------------------------------------------------------------------------------
// Tiny checkpoint writer

type DType = 'F32' | 'BF16';
interface T {
  shape: number[];
  data: Float64Array;
}

const f32Bits = (x: number): number => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
};
/** Value after storing as bf16 by truncation (what the BF16 writer below does). */
const truncBf16 = (x: number): number => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, (f32Bits(x) & 0xffff0000) >>> 0, true);
  return dv.getFloat32(0, true);
};

function safetensorsBytes(tensors: Record<string, T>, dtype: DType): Buffer {
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.data.length * width;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let p = 8 + headerBytes.length;
  for (const name of names) {
    for (const v of tensors[name]!.data) {
      if (dtype === 'F32') out.writeFloatLE(v, p);
      else out.writeUInt16LE(f32Bits(v) >>> 16, p);
      p += width;
    }
  }
  return out;
}


const CFG = { H: 32, L: 2, NH: 2, NKV: 1, D: 16, I: 48, V: 50 };

function makeConfig(tied: boolean): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: CFG.H,
    num_hidden_layers: CFG.L,
    num_attention_heads: CFG.NH,
    num_key_value_heads: CFG.NKV,
    head_dim: CFG.D,
    intermediate_size: CFG.I,
    vocab_size: CFG.V,
    rope_theta: 10000,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: tied,
    hidden_act: 'silu',
  };
}

/** Random weights (values already f32-exact); `zeroBlocks` zeroes attention/MLP and sets layer norms to 1. */
function makeTensors(seed: number, opts: { zeroBlocks?: boolean; lmHead?: boolean } = {}): Record<string, T> {
  const rand = mulberry32(seed);
  const { H, L, NH, NKV, D, I, V } = CFG;
  const tensor = (shape: number[], fill: 'rand' | 'zero' | 'one' | 'norm', scale = 0.2): T => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = (rand() * 2 - 1) * scale;
      data[i] = Math.fround(fill === 'rand' ? r : fill === 'zero' ? 0 : fill === 'one' ? 1 : 1 + r);
    }
    return { shape, data };
  };
  const z = opts.zeroBlocks ?? false;
  const w = z ? 'zero' : 'rand';
  const nrm = z ? 'one' : 'norm';
  const out: Record<string, T> = { 'model.embed_tokens.weight': tensor([V, H], 'rand', 1) };
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    out[`${p}input_layernorm.weight`] = tensor([H], nrm);
    out[`${p}self_attn.q_proj.weight`] = tensor([NH * D, H], w, 0.4);
    out[`${p}self_attn.q_proj.bias`] = tensor([NH * D], w);
    out[`${p}self_attn.k_proj.weight`] = tensor([NKV * D, H], w, 0.4);
    out[`${p}self_attn.k_proj.bias`] = tensor([NKV * D], w);
    out[`${p}self_attn.v_proj.weight`] = tensor([NKV * D, H], w);
    out[`${p}self_attn.v_proj.bias`] = tensor([NKV * D], w);
    out[`${p}self_attn.o_proj.weight`] = tensor([H, NH * D], w);
    out[`${p}post_attention_layernorm.weight`] = tensor([H], nrm);
    out[`${p}mlp.gate_proj.weight`] = tensor([I, H], w);
    out[`${p}mlp.up_proj.weight`] = tensor([I, H], w);
    out[`${p}mlp.down_proj.weight`] = tensor([H, I], w);
  }
  out['model.norm.weight'] = tensor([H], 'norm');
  if (opts.lmHead ?? true) out['lm_head.weight'] = tensor([V, H], 'rand', 0.5);
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'qwen2-ref-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;

function writeCheckpoint(tensors: Record<string, T>, opts: { tied?: boolean; dtype?: DType; shards?: number } = {}): string {
  const dir = join(root, `ckpt${dirCount++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(makeConfig(opts.tied ?? false)));
  const dtype = opts.dtype ?? 'F32';
  const shards = opts.shards ?? 1;
  if (shards === 1) {
    writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(tensors, dtype));
    return dir;
  }
  const names = Object.keys(tensors);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part: Record<string, T> = {};
    names.forEach((n, i) => {
      if (i % shards === s) {
        part[n] = tensors[n]!;
        weightMap[n] = file;
      }
    });
    writeFileSync(join(dir, file), safetensorsBytes(part, dtype));
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---------------------------------------------------------------------------------------------

describe('Qwen2Reference', () => {
  const tensors = makeTensors(1234);
  const dir = writeCheckpoint(tensors);

  it('parses config', async () => {
    const ref = await Qwen2Reference.load(dir);
    expect(ref.config).toEqual({
      hiddenSize: 32,
      numLayers: 2,
      numHeads: 2,
      numKvHeads: 1,
      headDim: 16,
      intermediateSize: 48,
      vocabSize: 50,
      ropeTheta: 10000,
      ropeFrequencies: Float64Array.from({ length: 8 }, (_, i) => 1 / 10000 ** ((2 * i) / 16)),
      rmsNormEps: 1e-6,
      tied: false,
    });
  });

  it('incremental decoding through the KV cache matches feeding all at once', async () => {
    const ref = await Qwen2Reference.load(dir);
    const ids = [3, 17, 42, 5];
    const all = ref.forward(ids);
    expect(all).toHaveLength(ids.length);
    ref.reset();
    const inc = ids.map((id) => ref.forward([id])[0]!);
    ref.reset();
    const split = [...ref.forward(ids.slice(0, 2)), ...ref.forward(ids.slice(2))];
    for (let t = 0; t < ids.length; t++) {
      expect(all[t]!.length).toBe(CFG.V);
      expect(maxAbsDiff(all[t]!, inc[t]!)).toBeLessThan(1e-12);
      expect(maxAbsDiff(all[t]!, split[t]!)).toBeLessThan(1e-12);
    }
    // Context matters: the same token at a later position gives different logits.
    ref.reset();
    const alone = ref.forward([42])[0]!;
    expect(maxAbsDiff(alone, all[2]!)).toBeGreaterThan(1e-6);
  });

  it('greedy resets, feeds the prompt and picks argmax each step', async () => {
    const ref = await Qwen2Reference.load(dir);
    ref.forward([1, 2, 3]); // stale cache that greedy must drop
    const { tokens, logits } = ref.greedy([3, 17], 4);
    expect(tokens).toHaveLength(4);
    expect(logits).toHaveLength(4);
    ref.reset();
    const seq = [3, 17];
    for (let i = 0; i < 4; i++) {
      const row = ref.forward(seq).at(-1)!;
      ref.reset();
      expect(maxAbsDiff(row, logits[i]!)).toBeLessThan(1e-12);
      const best = row.indexOf(Math.max(...row));
      expect(tokens[i]).toBe(best);
      seq.push(best);
    }
  });

  it('with zero attention/MLP weights, logits are lm_head · rmsnorm(embedding)', async () => {
    const t = makeTensors(99, { zeroBlocks: true });
    const ref = await Qwen2Reference.load(writeCheckpoint(t));
    const { H, V } = CFG;
    const embed = t['model.embed_tokens.weight']!.data;
    const norm = t['model.norm.weight']!.data;
    const head = t['lm_head.weight']!.data;
    const ids = [7, 0, 49];
    const got = ref.forward(ids);
    ids.forEach((id, pos) => {
      const x = embed.subarray(id * H, (id + 1) * H);
      let ss = 0;
      for (const v of x) ss += v * v;
      const inv = 1 / Math.sqrt(ss / H + 1e-6);
      const expected = new Float64Array(V);
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let i = 0; i < H; i++) s += head[v * H + i]! * x[i]! * inv * norm[i]!;
        expected[v] = s;
      }
      expect(maxAbsDiff(got[pos]!, expected)).toBeLessThan(1e-12);
    });
  });

  it('tied config without lm_head.weight uses the embedding', async () => {
    const t = makeTensors(1234, { lmHead: false });
    const tied = await Qwen2Reference.load(writeCheckpoint(t, { tied: true }));
    expect(tied.config.tied).toBe(true);
    const explicit = await Qwen2Reference.load(
      writeCheckpoint({ ...t, 'lm_head.weight': t['model.embed_tokens.weight']! }, { tied: false }),
    );
    expect(explicit.config.tied).toBe(false);
    const ids = [4, 8, 15, 16];
    const a = tied.forward(ids);
    const b = explicit.forward(ids);
    for (let i = 0; i < ids.length; i++) expect(maxAbsDiff(a[i]!, b[i]!)).toBe(0);
    // Also: lm_head.weight absent but tie_word_embeddings false still falls back to the embedding.
    const implicit = await Qwen2Reference.load(writeCheckpoint(t, { tied: false }));
    expect(implicit.config.tied).toBe(true);
  });

  it('BF16 checkpoint decodes to the F32 values truncated to bf16', async () => {
    const bf = await Qwen2Reference.load(writeCheckpoint(tensors, { dtype: 'BF16' }));
    const embed = tensors['model.embed_tokens.weight']!.data;
    const { H } = CFG;
    for (const id of [0, 13, 49]) {
      const row = bf.embeddingRow(id);
      for (let i = 0; i < H; i++) expect(row[i]).toBe(truncBf16(embed[id * H + i]!));
    }
    // Whole model: same logits as an F32 checkpoint holding the truncated values.
    const truncated: Record<string, T> = {};
    for (const [n, t] of Object.entries(tensors)) truncated[n] = { shape: t.shape, data: t.data.map(truncBf16) };
    const f32 = await Qwen2Reference.load(writeCheckpoint(truncated));
    const ids = [1, 2, 3];
    const a = bf.forward(ids);
    const b = f32.forward(ids);
    for (let i = 0; i < ids.length; i++) expect(maxAbsDiff(a[i]!, b[i]!)).toBe(0);
  });

  it('sharded checkpoint (index.json) loads the same weights', async () => {
    const sharded = await Qwen2Reference.load(writeCheckpoint(tensors, { shards: 3 }));
    const single = await Qwen2Reference.load(dir);
    const ids = [9, 10, 11];
    const a = sharded.forward(ids);
    const b = single.forward(ids);
    for (let i = 0; i < ids.length; i++) expect(maxAbsDiff(a[i]!, b[i]!)).toBe(0);
  });
});

describe('helpers', () => {
  it('applyRope rotates halves at position 1 (and is the identity at 0)', () => {
    const v = [1, 2, 3, 4];
    // headDim 4, theta 100: inv_freq = [1, 1/10] → angles [1, 0.1] at position 1.
    const out = applyRope(v, 1, 4, 100);
    const c0 = Math.cos(1), s0 = Math.sin(1), c1 = Math.cos(0.1), s1 = Math.sin(0.1);
    const expected = [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1];
    for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(expected[i]!, 14);
    expect(Array.from(applyRope(v, 0, 4, 100))).toEqual(v);
  });

  it('halfToNumber decodes IEEE half', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7bff)).toBe(65504);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x3555)).toBe(0.333251953125);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    expect(halfToNumber(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfToNumber(0x7e00))).toBe(true);
    expect(Object.is(halfToNumber(0x8000), -0)).toBe(true);
  });

  it('logSoftmax normalises', () => {
    const ls = logSoftmax(new Float64Array([1000, 1001, 1002]));
    let sum = 0;
    for (const v of ls) sum += Math.exp(v);
    expect(sum).toBeCloseTo(1, 12); // ~1e-13 from the ulp of 1000
    expect(ls[2]! - ls[1]!).toBeCloseTo(1, 12);
  });
});
