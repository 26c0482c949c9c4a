import { ARCHITECTURES, architectureOf, architectureRefusal, type Architecture } from '../models/architectures';

/**
 * The decoder hyper-parameters the graph builder needs, checked against what it implements. Qwen2 and Llama
 * share the forward pass; they differ in q/k/v biases and in how RoPE's frequencies are set.
 */
export interface DecoderSpec {
  readonly architecture: Architecture;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly ropeTheta: number;
  /** Llama 3's RoPE frequency scaling; null for plain RoPE. */
  readonly ropeScaling: Llama3RopeScaling | null;
  readonly rmsNormEps: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  /** q/k/v projections with bias (Qwen2 always; Llama when `attention_bias`). */
  readonly attentionBias: boolean;
}

export interface Llama3RopeScaling {
  readonly factor: number;
  readonly lowFreqFactor: number;
  readonly highFreqFactor: number;
  readonly originalMaxPositionEmbeddings: number;
}


export class UnsupportedModelError extends Error {}

type Json = Record<string, unknown>;

function positiveInt(config: Json, field: string): number {
  const value = config[field];
  if (!Number.isInteger(value) || (value as number) <= 0) {
    throw new UnsupportedModelError(`config.json: "${field}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function positiveNumber(config: Json, field: string, fallback: number): number {
  const value = config[field] ?? fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new UnsupportedModelError(`config.json: "${field}" must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Refuses, naming the field, every config the builder would otherwise convert wrongly. */
export function parseDecoderConfig(raw: unknown): DecoderSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnsupportedModelError('config.json is not a JSON object');
  }
  const config = raw as Json;
  const refusal = architectureRefusal(config, 'This checkpoint');
  if (refusal) throw new UnsupportedModelError(`config.json: ${refusal}`);
  const architecture = architectureOf(config)!;
  const architectures = config.architectures;
  if (!Array.isArray(architectures) || !architectures.includes(ARCHITECTURES[architecture])) {
    throw new UnsupportedModelError(
      `config.json: "architectures" is ${JSON.stringify(architectures)}, but a "${architecture}" model is ${ARCHITECTURES[architecture]}`,
    );
  }
  const ropeScaling = architecture === 'llama' ? parseLlama3RopeScaling(config.rope_scaling) : null;
  if (architecture === 'qwen2' && config.rope_scaling !== undefined && config.rope_scaling !== null) {
    throw new UnsupportedModelError(`config.json: "rope_scaling" is ${JSON.stringify(config.rope_scaling)}; the builder implements plain RoPE only`);
  }
  if (config.use_sliding_window === true) {
    throw new UnsupportedModelError('config.json: "use_sliding_window" is true; the builder implements full attention only');
  }
  if (config.mlp_bias === true) throw new UnsupportedModelError('config.json: "mlp_bias" is true; the builder implements MLPs without bias');
  const hiddenAct = config.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu') {
    throw new UnsupportedModelError(`config.json: "hidden_act" is ${JSON.stringify(hiddenAct)}; the builder implements "silu"`);
  }
  const hiddenSize = positiveInt(config, 'hidden_size');
  const numHeads = positiveInt(config, 'num_attention_heads');
  const numKvHeads = config.num_key_value_heads === undefined ? numHeads : positiveInt(config, 'num_key_value_heads');
  if (numHeads % numKvHeads !== 0) {
    throw new UnsupportedModelError(
      `config.json: "num_attention_heads" (${numHeads}) is not a multiple of "num_key_value_heads" (${numKvHeads})`,
    );
  }
  const headDim = config.head_dim === undefined || config.head_dim === null ? hiddenSize / numHeads : positiveInt(config, 'head_dim');
  if (!Number.isInteger(headDim)) {
    throw new UnsupportedModelError(`config.json: "hidden_size" (${hiddenSize}) is not divisible by "num_attention_heads" (${numHeads})`);
  }
  if (headDim % 16 !== 0) {
    throw new UnsupportedModelError(
      `config.json: "head_dim" is ${headDim}; GroupQueryAttention's rotary needs a multiple of 16`,
    );
  }
  return {
    architecture,
    hiddenSize,
    numLayers: positiveInt(config, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: positiveInt(config, 'intermediate_size'),
    vocabSize: positiveInt(config, 'vocab_size'),
    ropeTheta: positiveNumber(config, 'rope_theta', 10000),
    ropeScaling,
    rmsNormEps: positiveNumber(config, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    maxPositionEmbeddings: positiveInt(config, 'max_position_embeddings'),
    attentionBias: architecture === 'qwen2' || config.attention_bias === true,
  };
}

function parseLlama3RopeScaling(raw: unknown): Llama3RopeScaling | null {
  if (raw === undefined || raw === null) return null;
  const scaling = raw as Json;
  const type = scaling.rope_type ?? scaling.type;
  if (type === 'default') return null;
  if (type !== 'llama3') {
    throw new UnsupportedModelError(`config.json: "rope_scaling" is ${JSON.stringify(raw)}; the builder implements plain RoPE and Llama 3's scaling only`);
  }
  const field = (name: string) => positiveNumber(scaling, name, Number.NaN);
  return {
    factor: field('factor'),
    lowFreqFactor: field('low_freq_factor'),
    highFreqFactor: field('high_freq_factor'),
    originalMaxPositionEmbeddings: field('original_max_position_embeddings'),
  };
}

/** Every tensor the checkpoint must hold, with its shape in the Hugging Face layout. */
export function expectedDecoderTensors(spec: DecoderSpec): Map<string, number[]> {
  const { hiddenSize: h, numHeads, numKvHeads, headDim, intermediateSize: ff, vocabSize: v } = spec;
  const q = numHeads * headDim;
  const kv = numKvHeads * headDim;
  const tensors = new Map<string, number[]>();
  tensors.set('model.embed_tokens.weight', [v, h]);
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}`;
    tensors.set(`${p}.input_layernorm.weight`, [h]);
    for (const [name, rows] of [['q_proj', q], ['k_proj', kv], ['v_proj', kv]] as const) {
      tensors.set(`${p}.self_attn.${name}.weight`, [rows, h]);
      if (spec.attentionBias) tensors.set(`${p}.self_attn.${name}.bias`, [rows]);
    }
    tensors.set(`${p}.self_attn.o_proj.weight`, [h, q]);
    tensors.set(`${p}.post_attention_layernorm.weight`, [h]);
    tensors.set(`${p}.mlp.gate_proj.weight`, [ff, h]);
    tensors.set(`${p}.mlp.up_proj.weight`, [ff, h]);
    tensors.set(`${p}.mlp.down_proj.weight`, [h, ff]);
  }
  tensors.set('model.norm.weight', [h]);
  if (!spec.tieWordEmbeddings) tensors.set('lm_head.weight', [v, h]);
  return tensors;
}
