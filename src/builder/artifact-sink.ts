/** Where the builder writes files: a folder on disk (CLI), OPFS (browser), memory (tests). */
export interface ArtifactSink {
  /** Creates (or replaces) a file at a path relative to the model folder, e.g. `onnx/model_q4.onnx_data`. */
  create(path: string): Promise<ArtifactFile>;
}

export interface ArtifactFile {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /**
   * Resumable sinks only: bytes at the start of this file that an interrupted run of the same conversion
   * wrote and checkpointed. The builder skips work whose output lies wholly inside them; the first write
   * below this mark drops what follows it.
   */
  readonly keptBytes?: number;
  /** Moves past `length` kept bytes without writing them. */
  skip?(length: number): Promise<void>;
  /** Everything written to this file so far is final: a later run may keep it. Called after close too. */
  checkpoint?(): Promise<void>;
}

/** Keeps every written file in memory; for tests and small models. */
export class MemorySink implements ArtifactSink {
  readonly files = new Map<string, Uint8Array>();
  async create(path: string): Promise<ArtifactFile> {
    const parts: Uint8Array[] = [];
    return {
      write: async (bytes) => {
        parts.push(bytes.slice());
      },
      close: async () => {
        this.files.set(path, joinParts(parts));
      },
    };
  }
}

export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return joined;
}

/**
 * Sizes every file a conversion would write without reading a single weight: every weight counts as
 * already kept, so the builder only reads the checkpoint's headers, config and tokenizer files.
 */
export class PlanningSink implements ArtifactSink {
  readonly sizes = new Map<string, number>();
  async create(path: string): Promise<ArtifactFile> {
    let size = 0;
    return {
      keptBytes: Number.POSITIVE_INFINITY,
      write: async (bytes) => {
        size += bytes.length;
      },
      skip: async (length) => {
        size += length;
      },
      close: async () => {
        this.sizes.set(path, size);
      },
    };
  }
}
