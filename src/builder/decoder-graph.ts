import type { Checkpoint } from './checkpoint';
import { GraphBuilder, type ElementType } from './onnx-graph';
import type { DecoderSpec } from './decoder-config';
import { readRowsAsF32, readTensorAsF32, type TensorInfo } from './safetensors';
import { embeddingPartCount, quantizesEmbedding } from '../models/model-files';
import { encodeFloats, Q4_BLOCK_SIZE, quantizeQ4Rows, transpose } from './weight-encoding';
import { type Dtype } from '../models/types';


export interface GraphOptions {
  readonly dtype: Dtype;
  /** Rotate q and k with RotaryEmbedding nodes instead of GroupQueryAttention's fused rotary. */
  readonly separateRotary?: boolean;
  /** MatMulNBits accuracy_level; 0 keeps float accumulation (parity), 4 lets CPU kernels use int8. */
  readonly accuracyLevel?: number;
  /** The largest tensor the output may hold (the external-data chunk limit); vocab matrices are split to fit. */
  readonly maxTensorBytes?: number;
  /** Called after each source tensor (or row chunk of one) is read. */
  readonly onRead?: (tensorName: string, bytes: number) => void;
}

/** Bytes of source rows read at once for the two vocab-sized matrices. */
const VOCAB_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Builds a Llama-family decoder (Qwen2ForCausalLM, LlamaForCausalLM) as onnxruntime runs it fast: one method
 * per part of the forward pass, in the order Hugging Face's modeling code computes them. An architecture is
 * a subclass that overrides the steps where it differs (see qwen2-graph.ts, llama-graph.ts). The graph, the
 * checkpoint and every step and helper are protected, so a subclass can emit ops of its own. Which
 * architectures exist is src/models/architectures.ts; which subclass builds each, src/builder/convert.ts.
 */
export abstract class DecoderGraphBuilder {
  protected readonly spec: DecoderSpec;
  /** Activations and KV cache. */
  protected readonly act: ElementType;
  protected readonly quantized: boolean;
  protected inputIds = 'input_ids';
  protected positionIds = 'position_ids';
  protected seqlensK = 'seqlens_k';
  protected totalSequenceLength = 'total_sequence_length';
  protected cosCache = '';
  protected sinCache = '';

  constructor(
    protected readonly checkpoint: Checkpoint,
    protected readonly graph: GraphBuilder,
    protected readonly options: GraphOptions,
  ) {
    this.spec = checkpoint.spec;
    this.act = options.dtype === 'fp16' || options.dtype === 'q4f16' ? 'float16' : 'float32';
    this.quantized = options.dtype === 'q4' || options.dtype === 'q4f16';
  }

  async build(): Promise<void> {
    this.makeInputs();
    await this.makeRotaryCaches();
    let hidden = await this.makeEmbedding();
    let residual: string | null = null;
    for (let layer = 0; layer < this.spec.numLayers; layer++) {
      ({ hidden, residual } = await this.makeLayer(layer, hidden, residual));
    }
    const normed = await this.makeSkipLayerNorm('model.norm', hidden, residual!);
    await this.makeLmHead(normed.output);
  }

  /**
   * GroupQueryAttention's lengths and lm_head's slice come in as inputs the engine computes
   * (src/engine/decoder-feeds.ts), not as arithmetic on an int64 attention mask: onnxruntime places such
   * integer arithmetic on the CPU EP, so a WebGPU session would run part of every pass there.
   */
  protected makeInputs(): void {
    const g = this.graph;
    const { numLayers, numKvHeads, headDim } = this.spec;
    this.inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
    // Per batch row, the index of its last real token; and the length of past + new tokens.
    this.seqlensK = g.input('seqlens_k', 'int32', ['batch_size']);
    this.totalSequenceLength = g.input('total_sequence_length', 'int32', []);
    if (this.options.separateRotary) this.positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
    // Numeric kv-heads and head_dim: Transformers.js builds the empty first cache from these declared shapes.
    for (let i = 0; i < numLayers; i++) {
      for (const kind of ['key', 'value']) {
        g.input(`past_key_values.${i}.${kind}`, this.act, ['batch_size', numKvHeads, 'past_sequence_length', headDim]);
      }
    }
    // −(positions whose logits are kept), as Slice's start on the sequence axis; 0 keeps them all.
    g.input('logits_slice_start', 'int64', [1]);
    g.output('logits', 'float32', ['batch_size', 'logits_length', this.spec.vocabSize]);
    for (let i = 0; i < numLayers; i++) {
      for (const kind of ['key', 'value']) {
        g.output(`present.${i}.${kind}`, this.act, ['batch_size', numKvHeads, 'total_sequence_length', headDim]);
      }
    }
  }

  /** RoPE's inverse frequencies, one per pair of head dimensions: 1 / θ^(2i/headDim). */
  protected inverseFrequencies(): Float64Array {
    const { headDim, ropeTheta } = this.spec;
    return Float64Array.from({ length: headDim / 2 }, (_, i) => 1 / ropeTheta ** ((2 * i) / headDim));
  }

  /** cos/sin of position × inv_freq for every position the model supports, as rotate-half RoPE uses them. */
  protected async makeRotaryCaches(): Promise<void> {
    const { headDim, maxPositionEmbeddings } = this.spec;
    const half = headDim / 2;
    const cos = new Float32Array(maxPositionEmbeddings * half);
    const sin = new Float32Array(maxPositionEmbeddings * half);
    const inverseFrequencies = this.inverseFrequencies();
    for (let i = 0; i < half; i++) {
      const invFreq = inverseFrequencies[i]!;
      for (let p = 0; p < maxPositionEmbeddings; p++) {
        cos[p * half + i] = Math.cos(p * invFreq);
        sin[p * half + i] = Math.sin(p * invFreq);
      }
    }
    const dims = [maxPositionEmbeddings, half];
    this.cosCache = await this.graph.weight('cos_cache', this.act, dims, (append) => append(encodeFloats(cos, this.act as 'float32')));
    this.sinCache = await this.graph.weight('sin_cache', this.act, dims, (append) => append(encodeFloats(sin, this.act as 'float32')));
    await this.graph.commit();
  }

  /**
   * Gather rows of the token table. 4-bit builds store it block-quantized like the linear weights (the same
   * bytes MatMulNBits reads): the 7B table is 0.31 GB instead of 1.09 GB (float16) or 2.18 GB (float32).
   */
  protected async makeEmbedding(): Promise<string> {
    const info = this.checkpoint.tensor('model.embed_tokens.weight');
    const [vocab, hidden] = info.shape as [number, number];
    if (!quantizesEmbedding(this.options.dtype, hidden)) return this.makeFloatEmbedding(info);
    const { packed, scales } = await this.makeQ4Weight('model.embed_tokens', this.rowChunks(info), vocab, hidden, 'gather');
    return this.makeQ4Gather('model.embed_tokens', packed, scales, hidden);
  }

  /**
   * Rows of a 4-bit table, dequantized: (code − 8) · scale, low nibble first. Written in standard ops
   * because onnxruntime-web's WASM build has no GatherBlockQuantized kernel (its CPU and WebGPU EPs do);
   * only the gathered rows are unpacked, a few kB per token.
   */
  protected makeQ4Gather(prefix: string, packed: string, scales: string, hidden: number): string {
    const g = this.graph;
    const blocks = hidden / Q4_BLOCK_SIZE;
    const int = (hint: string, value: number) => g.constant(hint, 'int32', [], [value]);
    const rows = g.op('Gather', [packed, this.inputIds], `${prefix}/Gather`, { axis: 0 }); // [b, s, hidden/2] uint8
    const bytes = g.op('Cast', [rows], `${prefix}/Cast_bytes`, { to: 6 /* int32 */ });
    const high = g.op('Div', [bytes, int('sixteen', 16)], `${prefix}/high_nibble`);
    const low = g.op('Sub', [bytes, g.op('Mul', [high, int('sixteen', 16)], `${prefix}/Mul_high`)], `${prefix}/low_nibble`);
    const lastAxis = g.constant('last_axis', 'int64', [1], [-1]);
    const pairs = g.op(
      'Concat',
      [g.op('Unsqueeze', [low, lastAxis], `${prefix}/Unsqueeze_low`), g.op('Unsqueeze', [high, lastAxis], `${prefix}/Unsqueeze_high`)],
      `${prefix}/Concat_nibbles`,
      { axis: -1 },
    );
    const codes = g.op('Reshape', [pairs, g.constant('block_shape', 'int64', [4], [0, 0, blocks, Q4_BLOCK_SIZE])], `${prefix}/Reshape_blocks`);
    const centred = g.op('Cast', [g.op('Sub', [codes, int('eight', 8)], `${prefix}/Sub_zero_point`)], `${prefix}/Cast_codes`, {
      to: this.act === 'float16' ? 10 : 1,
    });
    const rowScales = g.op('Gather', [scales, this.inputIds], `${prefix}/Gather_scales`, { axis: 0 }); // [b, s, blocks]
    const scaled = g.op('Mul', [centred, g.op('Unsqueeze', [rowScales, lastAxis], `${prefix}/Unsqueeze_scales`)], `${prefix}/Mul_scales`);
    return g.op('Reshape', [scaled, g.constant('hidden_shape', 'int64', [3], [0, 0, hidden])], `${prefix}/Reshape_hidden`);
  }

  /**
   * A float table in the activation type (a float16 table would need shader-f16 on WebGPU, which q4 builds
   * exist to avoid). A table larger than one tensor may be (the 7B float32 table is 2.2 GB, over the 2 GB
   * chunk limit) is stored as vocabulary parts, each streamed in row chunks: each part gathers clamped
   * indices and Where picks the right one.
   */
  protected async makeFloatEmbedding(info: TensorInfo): Promise<string> {
    const g = this.graph;
    const [vocab, hidden] = info.shape as [number, number];
    const partCount = embeddingPartCount(vocab * hidden * (this.act === 'float16' ? 2 : 4), this.options.maxTensorBytes);
    const rowsPerPart = Math.ceil(vocab / partCount); // balanced, so no part is much larger than needed
    const parts: { table: string; start: number; end: number }[] = [];
    for (let start = 0; start < vocab; start += rowsPerPart) {
      const end = Math.min(vocab, start + rowsPerPart);
      const hint = end - start === vocab ? 'model.embed_tokens.weight' : `model.embed_tokens.weight.part${parts.length}`;
      const table = await g.weight(hint, this.act, [end - start, hidden], async (append) => {
        for await (const rows of this.rowChunks(info, start, end)) await append(encodeFloats(rows, this.act as 'float32'));
      });
      await g.commit();
      parts.push({ table, start, end });
    }
    if (parts.length === 1) return g.op('Gather', [parts[0]!.table, this.inputIds], 'model.embed_tokens/Gather', { axis: 0 });

    const gathered = parts.map((part, i) => {
      const local = g.op('Sub', [this.inputIds, g.constant(`embed_start_${i}`, 'int64', [], [part.start])], `model.embed_tokens/Sub_${i}`);
      const low = g.op('Max', [local, g.constant('zero', 'int64', [], [0])], `model.embed_tokens/Max_${i}`);
      const index = g.op('Min', [low, g.constant(`embed_last_${i}`, 'int64', [], [part.end - part.start - 1])], `model.embed_tokens/Min_${i}`);
      return g.op('Gather', [part.table, index], `model.embed_tokens/Gather_${i}`, { axis: 0 });
    });
    let result = gathered.at(-1)!;
    for (let i = parts.length - 2; i >= 0; i--) {
      const inPart = g.op('Less', [this.inputIds, g.constant(`embed_end_${i}`, 'int64', [], [parts[i]!.end])], `model.embed_tokens/Less_${i}`);
      const mask = g.op('Unsqueeze', [inPart, g.constant(`last_axis_${i}`, 'int64', [1], [-1])], `model.embed_tokens/Unsqueeze_${i}`);
      result = g.op('Where', [mask, gathered[i]!, result], `model.embed_tokens/Where_${i}`);
    }
    return result;
  }

  protected async makeLayer(layer: number, hidden: string, residual: string | null): Promise<{ hidden: string; residual: string }> {
    const p = `model.layers.${layer}`;
    const inputNorm =
      residual === null
        ? { output: await this.makeLayerNorm(`${p}.input_layernorm`, hidden), residual: hidden }
        : await this.makeSkipLayerNorm(`${p}.input_layernorm`, hidden, residual);
    const attention = await this.makeAttention(layer, inputNorm.output);
    const postNorm = await this.makeSkipLayerNorm(`${p}.post_attention_layernorm`, attention, inputNorm.residual);
    const mlp = await this.makeMlp(layer, postNorm.output);
    return { hidden: mlp, residual: postNorm.residual };
  }

  protected async makeNormWeight(prefix: string): Promise<string> {
    const info = this.checkpoint.tensor(`${prefix}.weight`);
    const weight = await this.graph.weight(`${prefix}.weight`, this.act, [...info.shape], async (append) =>
      append(encodeFloats(await this.read(info), this.act as 'float32')),
    );
    await this.graph.commit();
    return weight;
  }

  /** RMSNorm: x / sqrt(mean(x²) + eps) · weight. */
  protected async makeLayerNorm(prefix: string, input: string): Promise<string> {
    const weight = await this.makeNormWeight(prefix);
    return this.graph.op('SimplifiedLayerNormalization', [input, weight], `${prefix}/SimplifiedLayerNormalization`, {
      axis: -1,
      epsilon: { float: this.spec.rmsNormEps },
      stash_type: 1,
    });
  }

  /** residual' = input + residual; returns RMSNorm(residual') and residual'. */
  protected async makeSkipLayerNorm(prefix: string, input: string, residual: string): Promise<{ output: string; residual: string }> {
    const weight = await this.makeNormWeight(prefix);
    const [output, , , sum] = this.graph.node('SkipSimplifiedLayerNormalization', [input, residual, weight], {
      name: `${prefix}/SkipSimplifiedLayerNormalization`,
      domain: 'com.microsoft',
      outputs: [1, 0, 0, 1],
      attributes: { epsilon: { float: this.spec.rmsNormEps } },
    });
    return { output: output!, residual: sum! };
  }

  protected async makeAttention(layer: number, input: string): Promise<string> {
    const g = this.graph;
    const { numHeads, numKvHeads, headDim } = this.spec;
    const p = `model.layers.${layer}.self_attn`;
    const bias = this.spec.attentionBias;
    let q = await this.makeLinear(`${p}.q_proj`, input, bias);
    let k = await this.makeLinear(`${p}.k_proj`, input, bias);
    const v = await this.makeLinear(`${p}.v_proj`, input, bias);
    if (this.options.separateRotary) {
      q = this.makeRotary(`${p}/q_rotary`, q, numHeads);
      k = this.makeRotary(`${p}/k_rotary`, k, numKvHeads);
    }
    const rotaryInputs = this.options.separateRotary ? [] : [this.cosCache, this.sinCache];
    const [attention] = g.node(
      'GroupQueryAttention',
      [q, k, v, `past_key_values.${layer}.key`, `past_key_values.${layer}.value`, this.seqlensK, this.totalSequenceLength, ...rotaryInputs],
      {
        name: `${p}/GroupQueryAttention`,
        domain: 'com.microsoft',
        outputs: [1, `present.${layer}.key`, `present.${layer}.value`],
        attributes: {
          num_heads: numHeads,
          kv_num_heads: numKvHeads,
          scale: { float: 1 / Math.sqrt(headDim) },
          do_rotary: this.options.separateRotary ? 0 : 1,
          rotary_interleaved: 0,
          local_window_size: -1,
        },
      },
    );
    return this.makeLinear(`${p}.o_proj`, attention!, false);
  }

  protected makeRotary(name: string, input: string, numHeads: number): string {
    return this.graph.op(
      'RotaryEmbedding',
      [input, this.positionIds, this.cosCache, this.sinCache],
      name,
      { interleaved: 0, num_heads: numHeads },
      'com.microsoft',
    );
  }

  /** down(silu(gate(x)) · up(x)). */
  protected async makeMlp(layer: number, input: string): Promise<string> {
    const g = this.graph;
    const p = `model.layers.${layer}.mlp`;
    const gate = await this.makeLinear(`${p}.gate_proj`, input, false);
    const up = await this.makeLinear(`${p}.up_proj`, input, false);
    const sigmoid = g.op('Sigmoid', [gate], `${p}/act_fn/Sigmoid`);
    const silu = g.op('Mul', [gate, sigmoid], `${p}/act_fn/Mul`);
    const product = g.op('Mul', [silu, up], `${p}/Mul`);
    return this.makeLinear(`${p}.down_proj`, product, false);
  }

  /** x·Wᵀ (+ b) for a Hugging Face [out, in] weight: MatMulNBits when quantized, else MatMul on Wᵀ. */
  protected async makeLinear(prefix: string, input: string, hasBias: boolean): Promise<string> {
    const info = this.checkpoint.tensor(`${prefix}.weight`);
    const [outFeatures, inFeatures] = info.shape as [number, number];
    let output: string;
    if (this.quantized) {
      output = await this.makeQ4MatMul(prefix, input, this.wholeTensor(info), outFeatures, inFeatures);
    } else {
      const weight = await this.graph.weight(`${prefix}.weight`, this.act, [inFeatures, outFeatures], async (append) =>
        append(encodeFloats(transpose(await this.read(info), outFeatures, inFeatures), this.act as 'float32')),
      );
      output = this.graph.op('MatMul', [input, weight], `${prefix}/MatMul`);
    }
    if (hasBias) {
      const biasInfo = this.checkpoint.tensor(`${prefix}.bias`);
      const bias = await this.graph.weight(`${prefix}.bias`, this.act, [...biasInfo.shape], async (append) =>
        append(encodeFloats(await this.read(biasInfo), this.act as 'float32')),
      );
      output = this.graph.op('Add', [output, bias], `${prefix}/Add`);
    }
    await this.graph.commit();
    return output;
  }

  protected async *wholeTensor(info: TensorInfo): AsyncGenerator<Float32Array> {
    yield await this.read(info);
  }

  /** MatMulNBits over rows given in order (whole tensor, or row chunks of a vocab-sized one). */
  protected async makeQ4MatMul(
    prefix: string,
    input: string,
    rowChunks: AsyncIterable<Float32Array>,
    outFeatures: number,
    inFeatures: number,
  ): Promise<string> {
    const { packed, scales } = await this.makeQ4Weight(prefix, rowChunks, outFeatures, inFeatures, 'matmul');
    return this.graph.op(
      'MatMulNBits',
      [input, packed, scales],
      `${prefix}/MatMulNBits`,
      { K: inFeatures, N: outFeatures, bits: 4, block_size: Q4_BLOCK_SIZE, accuracy_level: this.options.accuracyLevel ?? 0 },
      'com.microsoft',
    );
  }

  /**
   * A [rows, cols] Hugging Face weight as 4-bit blocks of 32 along `cols` (low nibble = even element, zero
   * point 8) and one scale per block in the activation type. The bytes are the same for both readers; only
   * the declared shapes differ: MatMulNBits wants [rows, blocks, 16] and flat scales, the token-table gather
   * [rows, cols / 2] and [rows, blocks].
   */
  protected async makeQ4Weight(
    prefix: string,
    rowChunks: AsyncIterable<Float32Array>,
    rows: number,
    cols: number,
    reader: 'matmul' | 'gather',
  ): Promise<{ packed: string; scales: string }> {
    const blocks = Math.ceil(cols / Q4_BLOCK_SIZE);
    const scales = new Float32Array(rows * blocks);
    let scaleOffset = 0;
    const scaleType = this.act as 'float32' | 'float16';
    let quantizedHere = false;
    const packedDims = reader === 'matmul' ? [rows, blocks, Q4_BLOCK_SIZE / 2] : [rows, blocks * (Q4_BLOCK_SIZE / 2)];
    const packed = await this.graph.weight(`${prefix}.weight_Q4`, 'uint8', packedDims, async (append) => {
      quantizedHere = true;
      for await (const chunk of rowChunks) {
        const q = quantizeQ4Rows(chunk, chunk.length / cols, cols, scaleType);
        scales.set(q.scales, scaleOffset);
        scaleOffset += q.scales.length;
        await append(q.packed);
      }
    });
    const scaleDims = reader === 'matmul' ? [rows * blocks] : [rows, blocks];
    const scalesName = await this.graph.weight(`${prefix}.weight_scales`, scaleType, scaleDims, (append) => {
      // Commits come after the scales, so a resumed run keeps both or neither.
      if (!quantizedHere) throw new Error(`${prefix}: resumed output holds the 4-bit weights but not their scales`);
      return append(encodeFloats(scales, scaleType));
    });
    await this.graph.commit();
    return { packed, scales: scalesName };
  }

  /**
   * Logits from `logits_slice_start` (−kept positions; 0 keeps all). Float builds split the vocabulary into
   * row chunks, each its own MatMul, so the [vocab, hidden] matrix is transposed chunk by chunk and never whole.
   */
  protected async makeLmHead(normed: string): Promise<void> {
    const g = this.graph;
    const start = 'logits_slice_start';
    const end = g.constant('int64_max', 'int64', [1], [Number.MAX_SAFE_INTEGER]);
    const kept = g.op('Slice', [normed, start, end, g.constant('slice_axis', 'int64', [1], [1])], 'lm_head/Slice');

    const info = this.checkpoint.tensor(this.spec.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
    const [vocab, hidden] = info.shape as [number, number];
    let logits: string;
    if (this.quantized) {
      logits = await this.makeQ4MatMul('lm_head', kept, this.rowChunks(info), vocab, hidden);
    } else {
      const parts: string[] = [];
      for (const [start, end] of this.rowRanges(info)) {
        const rowCount = end - start;
        const weight = await g.weight(`lm_head.weight.part${parts.length}`, this.act, [hidden, rowCount], async (append) => {
          for await (const rows of this.rowChunks(info, start, end)) await append(encodeFloats(transpose(rows, rowCount, hidden), this.act as 'float32'));
        });
        await g.commit();
        parts.push(g.op('MatMul', [kept, weight], `lm_head/MatMul_${parts.length}`));
      }
      logits = parts.length === 1 ? parts[0]! : g.op('Concat', parts, 'lm_head/Concat', { axis: -1 });
    }
    const cast = this.act === 'float16' ? g.op('Cast', [logits], 'lm_head/Cast', { to: 1 }) : logits;
    g.node('Identity', [cast], { name: 'logits/Identity', outputs: ['logits'] });
  }

  protected async read(info: TensorInfo): Promise<Float32Array> {
    const values = await readTensorAsF32(info);
    this.options.onRead?.(info.name, info.byteLength);
    return values;
  }

  /**
   * Rows [from, to) of a vocab-sized matrix in chunks small in memory (and, for lm_head's float parts,
   * each within one external-data chunk once stored).
   */
  protected async *rowChunks(info: TensorInfo, from = 0, to = info.shape[0]!): AsyncGenerator<Float32Array> {
    const rows = info.shape[0]!;
    for (const [start, end] of this.rowRanges(info, from, to)) {
      const values = await readRowsAsF32(info, start, end);
      this.options.onRead?.(info.name, info.byteLength * ((end - start) / rows));
      yield values;
    }
  }

  protected *rowRanges(info: TensorInfo, from = 0, to = info.shape[0]!): Generator<[number, number]> {
    const cols = info.shape[1]!;
    const chunkBytes = Math.min(VOCAB_CHUNK_BYTES, this.options.maxTensorBytes ?? Infinity);
    const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / (cols * 4)));
    for (let start = from; start < to; start += rowsPerChunk) yield [start, Math.min(to, start + rowsPerChunk)];
  }
}

export const OPSET_IMPORTS = [
  { domain: '', version: 17 },
  { domain: 'com.microsoft', version: 1 },
];
