import { embeddingPartCount, quantizesEmbedding, Q4_BLOCK_SIZE } from './model-files';
import { type Device, type Dtype } from './types';

/**
 * How much memory a converted Qwen2 model needs, from its config alone, and whether a device can hold it.
 * Sizes follow what `npm run convert` writes: int4 linear weights in blocks of 32 with one scale each;
 * q4f16 keeps float16 scales, q4 float32 ones; 4-bit builds store the token table the same way when the
 * hidden size is a whole number of blocks, other builds as floats in the activation type.
 */

export interface MemoryEstimate {
  /** Weights plus a KV cache for `contextTokens`. */
  readonly totalBytes: number;
  /** The largest single weight tensor (WebGPU buffers are capped per buffer). */
  readonly largestTensorBytes: number;
}

const WASM_HEAP_BYTES = 4 * 1024 ** 3;

export function estimateModelMemory(config: Record<string, unknown>, dtype: Dtype, contextTokens = 2048): MemoryEstimate {
  const n = (key: string) => Number(config[key]);
  const hidden = n('hidden_size');
  const heads = n('num_attention_heads');
  const kvHeads = Number(config.num_key_value_heads ?? heads);
  const headDim = Number(config.head_dim ?? hidden / heads);
  const layers = n('num_hidden_layers');
  const ffn = n('intermediate_size');
  const vocab = n('vocab_size');
  const tied = config.tie_word_embeddings === true;

  const quantized = dtype === 'q4' || dtype === 'q4f16';
  const floatBytes = dtype === 'fp32' || dtype === 'q4' ? 4 : 2;
  const q4Bytes = (out: number, inp: number) => out * Math.ceil(inp / Q4_BLOCK_SIZE) * (Q4_BLOCK_SIZE / 2 + floatBytes);
  const linearBytes = (out: number, inp: number) => (quantized ? q4Bytes(out, inp) : out * inp * floatBytes);
  const perLayer =
    linearBytes(heads * headDim, hidden) +
    2 * linearBytes(kvHeads * headDim, hidden) +
    linearBytes(hidden, heads * headDim) +
    2 * linearBytes(ffn, hidden) +
    linearBytes(hidden, ffn);
  const embeddingQuantized = quantizesEmbedding(dtype, hidden);
  const embedding = embeddingQuantized ? q4Bytes(vocab, hidden) : vocab * hidden * floatBytes;
  const lmHead = tied && !quantized ? 0 : linearBytes(vocab, hidden);
  const kvCache = 2 * layers * kvHeads * headDim * floatBytes * contextTokens;
  const largestLayerTensor = Math.max(linearBytes(ffn, hidden), linearBytes(hidden, ffn));
  const largestEmbeddingPart = embeddingQuantized ? vocab * (hidden / 2) : Math.ceil(vocab / embeddingPartCount(embedding)) * hidden * floatBytes;
  return {
    totalBytes: layers * perLayer + embedding + lmHead + kvCache,
    largestTensorBytes: Math.max(largestEmbeddingPart, lmHead, largestLayerTensor),
  };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** Why a device cannot hold a model, in words for the user; null when it can (as far as can be known). */
export function deviceCannotHold(
  estimate: MemoryEstimate,
  device: Device,
  limits: { maxBufferSize?: number } = {},
): string | null {
  if (device === 'wasm' && estimate.totalBytes > WASM_HEAP_BYTES) {
    return (
      `This model needs about ${gb(estimate.totalBytes)}, but the WASM runtime (used without WebGPU) can address at most 4 GB. ` +
      'Open Referee in a browser with WebGPU (recent Chrome or Edge), or score from the command line (npm run score).'
    );
  }
  if (device === 'webgpu' && limits.maxBufferSize !== undefined && estimate.largestTensorBytes > limits.maxBufferSize) {
    return (
      `This model has a ${gb(estimate.largestTensorBytes)} tensor, but this GPU accepts buffers of at most ${gb(limits.maxBufferSize)}. ` +
      'A GPU with larger buffers (or a q4f16 build) is needed.'
    );
  }
  return null;
}
