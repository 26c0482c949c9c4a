import type { ByteSource } from './byte-source';
import { bf16ToF32, f16ToF32 } from './half';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte offset of the data in the file. */
  readonly begin: number;
  readonly byteLength: number;
  readonly source: ByteSource;
}

/** Headers larger than this are refused: real ones are a few hundred kB. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class SafetensorsError extends Error {}

/** Reads and checks a safetensors header; every tensor's range must lie inside the file. */
export async function readSafetensorsHeader(source: ByteSource): Promise<Map<string, TensorInfo>> {
  const fileSize = await source.size();
  if (fileSize < 8) throw new SafetensorsError(`${source.name}: truncated safetensors file (${fileSize} bytes, no header)`);
  const lengthBytes = await source.read(0, 8);
  const headerLength = Number(new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
    throw new SafetensorsError(
      `${source.name}: corrupt or truncated safetensors header (declares ${headerLength} header bytes, file has ${fileSize})`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
  } catch (error) {
    throw new SafetensorsError(`${source.name}: corrupt safetensors header (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(`${source.name}: corrupt safetensors header (not a JSON object)`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry.dtype;
    if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
      throw new SafetensorsError(`${source.name}: tensor ${name} has dtype ${String(dtype)}; the builder reads F32, F16 and BF16`);
    }
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${source.name}: tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new SafetensorsError(`${source.name}: tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [start, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype];
    if (end - start !== expected) {
      throw new SafetensorsError(
        `${source.name}: tensor ${name} spans ${end - start} bytes but shape ${JSON.stringify(shape)} ${dtype} needs ${expected}`,
      );
    }
    if (dataStart + end > fileSize) {
      throw new SafetensorsError(
        `${source.name}: truncated: tensor ${name} ends at byte ${dataStart + end}, the file has ${fileSize}`,
      );
    }
    tensors.set(name, { name, dtype, shape: shape as number[], begin: dataStart + start, byteLength: expected, source });
  }
  return tensors;
}

/** Rows [rowStart, rowEnd) of a tensor (first axis), widened to float32. A 1-D tensor is one row per element. */
export async function readRowsAsF32(info: TensorInfo, rowStart: number, rowEnd: number): Promise<Float32Array> {
  const rowElements = info.shape.slice(1).reduce((a, b) => a * b, 1);
  const elementBytes = BYTES_PER_ELEMENT[info.dtype];
  const bytes = await info.source.read(info.begin + rowStart * rowElements * elementBytes, (rowEnd - rowStart) * rowElements * elementBytes);
  return widenToF32(bytes, info.dtype);
}

export async function readTensorAsF32(info: TensorInfo): Promise<Float32Array> {
  return readRowsAsF32(info, 0, info.shape[0] ?? 1);
}

function widenToF32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const count = bytes.length / BYTES_PER_ELEMENT[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (dtype === 'BF16') {
    for (let i = 0; i < count; i++) out[i] = bf16ToF32(view.getUint16(i * 2, true));
  } else {
    for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
  }
  return out;
}
