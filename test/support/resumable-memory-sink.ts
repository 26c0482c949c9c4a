import type { ArtifactFile, ArtifactSink } from '../../src/builder/artifact-sink';

/**
 * A resumable sink in memory, with the rules the browser's OPFS sink follows: a file keeps the bytes up to
 * its last checkpoint when it is created again; the first write below that mark drops the rest; a
 * closed file ends where its writer stopped.
 */
export class ResumableMemorySink implements ArtifactSink {
  readonly files = new Map<string, { bytes: Uint8Array; committed: number }>();

  async create(path: string): Promise<ArtifactFile> {
    const earlier = this.files.get(path);
    const entry = { bytes: earlier?.bytes ?? new Uint8Array(0), committed: earlier?.committed ?? 0 };
    if (entry.committed === 0) entry.bytes = new Uint8Array(0);
    this.files.set(path, entry);
    let position = 0;
    let kept = entry.committed;
    return {
      get keptBytes() {
        return kept;
      },
      skip: async (length) => {
        if (position + length > kept) throw new Error(`${path}: skip past the kept bytes`);
        position += length;
      },
      write: async (bytes) => {
        if (position < entry.bytes.length) {
          entry.bytes = entry.bytes.slice(0, position);
          kept = Math.min(kept, position);
          entry.committed = Math.min(entry.committed, position);
        }
        const grown = new Uint8Array(position + bytes.length);
        grown.set(entry.bytes);
        grown.set(bytes, position);
        entry.bytes = grown;
        position += bytes.length;
      },
      close: async () => {
        entry.bytes = entry.bytes.slice(0, position);
      },
      checkpoint: async () => {
        entry.committed = position;
      },
    };
  }

  contents(): Map<string, Uint8Array> {
    return new Map([...this.files].map(([path, e]) => [path, e.bytes]));
  }
}
