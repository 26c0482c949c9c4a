import { describe, expect, it } from 'vitest';
import { deviceCannotHold, estimateModelMemory } from './model-memory';

// Qwen2.5-7B-Instruct's shape (AlphaResearch-RM is a full fine-tune of it).
const QWEN25_7B = {
  hidden_size: 3584,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  num_hidden_layers: 28,
  intermediate_size: 18944,
  vocab_size: 152064,
  tie_word_embeddings: false,
};

describe('model memory', () => {
  it('estimates the 7B q4f16 build at the size the converter writes (~4.3 GB, 4-bit table) and q4 larger', () => {
    // Per layer: 3584²·2 + 3584·512·2 + 3·3584·18944 = 233,373,696 weights; 28 layers = 6.53e9, at
    // (16 + 2) bytes per block of 32 = 3.671 GB; lm_head 545M weights → 0.31 GB; the 4-bit table the same 0.31 GB
    // (it was 1.09 GB as float16).
    const q4f16 = estimateModelMemory(QWEN25_7B, 'q4f16', 0);
    expect(q4f16.totalBytes / 1e9).toBeCloseTo(3.671 + 0.307 + 0.307, 2);
    expect(q4f16.totalBytes).toBeLessThanOrEqual(4.4e9);
    // lm_head's 4-bit weights with their scales.
    expect(q4f16.largestTensorBytes).toBe(152064 * 112 * (16 + 2));
    const q4 = estimateModelMemory(QWEN25_7B, 'q4', 0);
    expect(q4.largestTensorBytes).toBe(152064 * 112 * (16 + 4));
    expect(q4.totalBytes).toBeGreaterThan(q4f16.totalBytes);
    // Float builds keep a float table: fp16's is 1.09 GB.
    expect(estimateModelMemory(QWEN25_7B, 'fp16', 0).largestTensorBytes).toBe(152064 * 3584 * 2);
    // A hidden size that is not a whole number of 32-wide blocks keeps the float table (the 4-bit gather unpacks whole blocks).
    const odd = { ...QWEN25_7B, hidden_size: 3580, num_hidden_layers: 0 };
    expect(estimateModelMemory(odd, 'q4', 0).totalBytes).toBe(152064 * 3580 * 4 + 152064 * 112 * 20);
    // The KV cache: 2 × 28 layers × 4 kv heads × 128 × 2 bytes per token.
    expect(estimateModelMemory(QWEN25_7B, 'q4f16', 1000).totalBytes - q4f16.totalBytes).toBe(2 * 28 * 4 * 128 * 2 * 1000);
  });

  it('refuses the 7B model on the WASM fallback and too-large buffers on a GPU, and lets small models through', () => {
    const big = estimateModelMemory(QWEN25_7B, 'q4');
    expect(deviceCannotHold(big, 'wasm')).toMatch(/needs about 4\.\d\d GB, but the WASM runtime .* at most 4 GB/);
    expect(deviceCannotHold(big, 'webgpu', { maxBufferSize: 2 ** 28 })).toMatch(/a 0\.34 GB tensor, but this GPU accepts buffers of at most 0\.27 GB/);
    // SwiftShader's 1 GiB buffers hold every tensor of the 4-bit 7B build.
    expect(deviceCannotHold(big, 'webgpu', { maxBufferSize: 2 ** 30 })).toBeNull();
    const tiny = estimateModelMemory({ ...QWEN25_7B, hidden_size: 128, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, intermediate_size: 64 }, 'q4');
    expect(deviceCannotHold(tiny, 'wasm')).toBeNull();
  });
});
