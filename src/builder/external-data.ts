import { DEFAULT_CHUNK_LIMIT } from '../models/model-files';
import type { ArtifactFile, ArtifactSink } from './artifact-sink';

export interface ExternalRef {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
  /** The bytes are already in the file from an interrupted run (resumable sinks): give none for this tensor. */
  readonly kept: boolean;
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
  /** Chunks closed since the last commit: their last bytes become final only at the next commit. */
  private closedSinceCommit: ArtifactFile[] = [];
  /** Bytes of external data so far, kept ones included. */
  bytesWritten = 0;

  constructor(
    private readonly sink: ArtifactSink,
    /** Path of the .onnx file, e.g. `onnx/model_q4.onnx`; chunks sit beside it. */
    private readonly modelPath: string,
    private readonly chunkLimit = DEFAULT_CHUNK_LIMIT,
    private readonly onCommit: () => void = () => {},
  ) {}

  get chunkCount(): number {
    return this.chunkIndex + 1;
  }

  private chunkName(index: number): string {
    const base = this.modelPath.slice(this.modelPath.lastIndexOf('/') + 1);
    return `${base}_data${index === 0 ? '' : `_${index}`}`;
  }

  private async startChunk(): Promise<void> {
    if (this.file) {
      await this.file.close();
      this.closedSinceCommit.push(this.file);
    }
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
    const location = this.chunkName(this.chunkIndex);
    if ((this.file!.keptBytes ?? 0) >= this.offset + padding + length) {
      await this.file!.skip!(padding + length);
      this.offset += padding + length;
      this.bytesWritten += padding + length;
      return { location, offset: this.offset - length, length, kept: true };
    }
    if (padding) await this.write(new Uint8Array(padding));
    this.pending = length;
    return { location, offset: this.offset, length, kept: false };
  }

  /**
   * Everything written so far is final (resumable sinks checkpoint it). The builder commits only after
   * tensors that stand on their own, e.g. after both a 4-bit matrix and its scales, which one pass computes.
   */
  async commit(): Promise<void> {
    if (this.pending !== 0) throw new Error(`external data: cannot commit inside a tensor (${this.pending} bytes short)`);
    for (const closed of this.closedSinceCommit) await closed.checkpoint?.();
    this.closedSinceCommit = [];
    await this.file?.checkpoint?.();
    this.onCommit();
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
    if (this.file) this.closedSinceCommit.push(this.file);
    this.file = null;
    await this.commit();
  }
}
