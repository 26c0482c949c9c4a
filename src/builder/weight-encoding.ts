import { Q4_BLOCK_SIZE } from '../models/model-files';
import { f16ToF32, f32ArrayToF16Bits, f32ToF16 } from './half';

export { Q4_BLOCK_SIZE };

/** float32 values as little-endian bytes of the given float type. */
export function encodeFloats(values: Float32Array, type: 'float32' | 'float16'): Uint8Array {
  if (type === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bits = f32ArrayToF16Bits(values);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

/** [rows, cols] row-major → [cols, rows] row-major: the Hugging Face [out, in] layout to MatMul's [in, out]. */
export function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    const rowOffset = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[rowOffset + c]!;
  }
  return out;
}

export interface Q4Rows {
  /** MatMulNBits B: [rows, blocks, 16] uint8, low nibble = even element. */
  readonly packed: Uint8Array;
  /** One scale per (row, block), already rounded to the scale type. */
  readonly scales: Float32Array;
}

/**
 * Symmetric 4-bit block quantization for MatMulNBits without zero points (implied zero point 8): in each
 * block of 32 the element of largest magnitude maps exactly to -8, so scale = that element / -8, and
 * q = clamp(round(x / scale) + 8, 0, 15). Rows are Hugging Face [out, in] rows; `in` is zero-padded to a
 * whole number of blocks.
 */
export function quantizeQ4Rows(values: Float32Array, rows: number, cols: number, scaleType: 'float32' | 'float16'): Q4Rows {
  const blocks = Math.ceil(cols / Q4_BLOCK_SIZE);
  const packed = new Uint8Array(rows * blocks * (Q4_BLOCK_SIZE / 2));
  const scales = new Float32Array(rows * blocks);
  const codes = new Uint8Array(Q4_BLOCK_SIZE);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * cols + b * Q4_BLOCK_SIZE;
      const count = Math.min(Q4_BLOCK_SIZE, cols - b * Q4_BLOCK_SIZE);
      let extreme = 0;
      for (let i = 0; i < count; i++) {
        const v = values[start + i]!;
        if (Math.abs(v) > Math.abs(extreme)) extreme = v;
      }
      let scale = extreme / -8;
      if (scaleType === 'float16') scale = f16ToF32(f32ToF16(scale));
      const inverse = scale === 0 ? 0 : 1 / scale;
      codes.fill(8);
      for (let i = 0; i < count; i++) {
        codes[i] = Math.min(15, Math.max(0, Math.round(values[start + i]! * inverse) + 8));
      }
      const out = (r * blocks + b) * (Q4_BLOCK_SIZE / 2);
      for (let i = 0; i < Q4_BLOCK_SIZE / 2; i++) packed[out + i] = codes[2 * i]! | (codes[2 * i + 1]! << 4);
      scales[r * blocks + b] = scale;
    }
  }
  return { packed, scales };
}

/** The values MatMulNBits will see for quantized rows; for error bounds in tests. */
export function dequantizeQ4Rows(q: Q4Rows, rows: number, cols: number): Float32Array {
  const blocks = Math.ceil(cols / Q4_BLOCK_SIZE);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const b = Math.floor(c / Q4_BLOCK_SIZE);
      const within = c % Q4_BLOCK_SIZE;
      const byte = q.packed[(r * blocks + b) * (Q4_BLOCK_SIZE / 2) + (within >> 1)]!;
      const code = within & 1 ? byte >> 4 : byte & 15;
      out[r * cols + c] = (code - 8) * q.scales[r * blocks + b]!;
    }
  }
  return out;
}
