import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactFile, ArtifactSink } from '../artifact-sink';
import { TruncatedSourceError, type ByteSource, type FileTree } from '../byte-source';

/**
 * A file on disk read by offset. Each read opens and closes the file: a handle left open for the garbage
 * collector to close is a warning (and a deprecation) in Node, and the builder's reads are large.
 */
export class NodeFileSource implements ByteSource {
  constructor(readonly name: string) {}

  async size(): Promise<number> {
    return (await stat(this.name)).size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const handle = await open(this.name, 'r');
    try {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) throw new TruncatedSourceError(`${this.name}: file ends before byte ${offset + length}`);
        done += bytesRead;
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}
}

export class NodeFileTree implements FileTree {
  private readonly opened: NodeFileSource[] = [];
  constructor(readonly name: string) {}

  async open(path: string): Promise<ByteSource | null> {
    const full = join(this.name, path);
    try {
      if (!(await stat(full)).isFile()) return null;
    } catch {
      return null;
    }
    const source = new NodeFileSource(full);
    this.opened.push(source);
    return source;
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((s) => s.close()));
  }
}

export class DirectorySink implements ArtifactSink {
  constructor(readonly root: string) {}
  async create(path: string): Promise<ArtifactFile> {
    const full = join(this.root, path);
    await mkdir(dirname(full), { recursive: true });
    const handle = await open(full, 'w');
    return {
      write: async (bytes) => {
        await handle.write(bytes);
      },
      close: () => handle.close(),
    };
  }
}
