import { DEFAULT_CHUNK_LIMIT } from '../core/model-files';
import type { ArtifactFile, ArtifactSink } from './artifact-sink';

export interface ExternalRef {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}


const LARGE_TENSOR = 1 << 20;

/**
 * Appends tensor bytes to `<model>.onnx_data`, `<model>.onnx_data_1`, … (the names Transformers.js asks for),
 * starting a new chunk whenever the next tensor would push the current one past the limit.
 */
export class ExternalDataWriter {
  private chunkIndex = -1;
  private file: ArtifactFile | null = null;
  private offset = 0;
  private pending = 0;
  bytesWritten = 0;

  constructor(
    private readonly sink: ArtifactSink,
    /** Path of the .onnx file, e.g. `onnx/model_q4.onnx`; chunks sit beside it. */
    private readonly modelPath: string,
    private readonly chunkLimit = DEFAULT_CHUNK_LIMIT,
  ) {}

  get chunkCount(): number {
    return this.chunkIndex + 1;
  }

  private chunkName(index: number): string {
    const base = this.modelPath.slice(this.modelPath.lastIndexOf('/') + 1);
    return `${base}_data${index === 0 ? '' : `_${index}`}`;
  }

  private async startChunk(): Promise<void> {
    await this.file?.close();
    this.chunkIndex++;
    const dir = this.modelPath.slice(0, this.modelPath.lastIndexOf('/') + 1);
    this.file = await this.sink.create(dir + this.chunkName(this.chunkIndex));
    this.offset = 0;
  }

  /**
   * Reserves room for a tensor of `length` bytes; its bytes must then be given, in order, through `append`
   * before the next `begin`.
   */
  async begin(name: string, length: number): Promise<ExternalRef> {
    if (this.pending !== 0) throw new Error(`external data: previous tensor is ${this.pending} bytes short`);
    if (length > this.chunkLimit) {
      throw new Error(`tensor ${name} takes ${length} bytes, over the ${this.chunkLimit}-byte external-data chunk limit`);
    }
    const alignment = length >= LARGE_TENSOR ? 4096 : 64;
    let padding = (alignment - (this.offset % alignment)) % alignment;
    if (!this.file || this.offset + padding + length > this.chunkLimit) {
      await this.startChunk();
      padding = 0;
    }
    if (padding) await this.write(new Uint8Array(padding));
    const ref = { location: this.chunkName(this.chunkIndex), offset: this.offset, length };
    this.pending = length;
    return ref;
  }

  async append(bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.pending) throw new Error('external data: more bytes than the tensor declared');
    this.pending -= bytes.length;
    await this.write(bytes);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    await this.file!.write(bytes);
    this.offset += bytes.length;
    this.bytesWritten += bytes.length;
  }

  async close(): Promise<void> {
    if (this.pending !== 0) throw new Error(`external data: last tensor is ${this.pending} bytes short`);
    await this.file?.close();
    this.file = null;
  }
}
