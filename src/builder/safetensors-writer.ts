import type { SafetensorsDtype } from './safetensors';

export interface TensorEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export function tensorByteLength(entry: TensorEntry): number {
  return entry.shape.reduce((a, b) => a * b, 1) * BYTES[entry.dtype];
}

/**
 * The 8-byte length plus JSON header of a safetensors file whose tensors follow in the given order;
 * the caller then writes each tensor's bytes in that order (so huge files can be written in a stream).
 */
export function encodeSafetensorsHeader(entries: readonly TensorEntry[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const entry of entries) {
    const length = tensorByteLength(entry);
    header[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps tensor data 8-byte aligned, as the reference writer does
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  return out;
}
