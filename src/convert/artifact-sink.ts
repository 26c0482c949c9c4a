/** Where the builder writes files: a folder on disk (CLI), OPFS (browser), memory (tests). */
export interface ArtifactSink {
  /** Creates (or replaces) a file at a path relative to the model folder, e.g. `onnx/model_q4.onnx_data`. */
  create(path: string): Promise<ArtifactFile>;
}

export interface ArtifactFile {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
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
        const total = parts.reduce((n, p) => n + p.length, 0);
        const joined = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        this.files.set(path, joined);
      },
    };
  }
}
