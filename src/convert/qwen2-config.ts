/** The Qwen2 hyper-parameters the graph builder needs, checked against what it implements. */
export interface Qwen2Spec {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly ropeTheta: number;
  readonly rmsNormEps: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
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
export function parseQwen2Config(raw: unknown): Qwen2Spec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnsupportedModelError('config.json is not a JSON object');
  }
  const config = raw as Json;
  const architectures = config.architectures;
  if (config.model_type !== 'qwen2' || !Array.isArray(architectures) || !architectures.includes('Qwen2ForCausalLM')) {
    throw new UnsupportedModelError(
      `config.json: "architectures" is ${JSON.stringify(architectures)} and "model_type" is ${JSON.stringify(config.model_type)}; ` +
        'the builder converts Qwen2ForCausalLM (model_type "qwen2") only',
    );
  }
  if (config.rope_scaling !== undefined && config.rope_scaling !== null) {
    throw new UnsupportedModelError(`config.json: "rope_scaling" is ${JSON.stringify(config.rope_scaling)}; the builder implements plain RoPE only`);
  }
  if (config.use_sliding_window === true) {
    throw new UnsupportedModelError('config.json: "use_sliding_window" is true; the builder implements full attention only');
  }
  const hiddenAct = config.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu') {
    throw new UnsupportedModelError(`config.json: "hidden_act" is ${JSON.stringify(hiddenAct)}; Qwen2 uses "silu"`);
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
    hiddenSize,
    numLayers: positiveInt(config, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: positiveInt(config, 'intermediate_size'),
    vocabSize: positiveInt(config, 'vocab_size'),
    ropeTheta: positiveNumber(config, 'rope_theta', 10000),
    rmsNormEps: positiveNumber(config, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    maxPositionEmbeddings: positiveInt(config, 'max_position_embeddings'),
  };
}

/** Every tensor a Qwen2ForCausalLM checkpoint must hold, with its shape in the Hugging Face layout. */
export function expectedQwen2Tensors(spec: Qwen2Spec): Map<string, number[]> {
  const { hiddenSize: h, numHeads, numKvHeads, headDim, intermediateSize: ff, vocabSize: v } = spec;
  const q = numHeads * headDim;
  const kv = numKvHeads * headDim;
  const tensors = new Map<string, number[]>();
  tensors.set('model.embed_tokens.weight', [v, h]);
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}`;
    tensors.set(`${p}.input_layernorm.weight`, [h]);
    tensors.set(`${p}.self_attn.q_proj.weight`, [q, h]);
    tensors.set(`${p}.self_attn.q_proj.bias`, [q]);
    tensors.set(`${p}.self_attn.k_proj.weight`, [kv, h]);
    tensors.set(`${p}.self_attn.k_proj.bias`, [kv]);
    tensors.set(`${p}.self_attn.v_proj.weight`, [kv, h]);
    tensors.set(`${p}.self_attn.v_proj.bias`, [kv]);
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
