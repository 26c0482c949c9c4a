import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileTree } from '../../src/builder/node/node-files';
import { parseRange } from '../../src/site/models-middleware';
import { MemorySink } from '../../src/builder/artifact-sink';
import { HttpFileTree, RetryingFileTree, type ByteSource, type FileTree } from '../../src/builder/byte-source';
import { convertCheckpoint, planConversion, type ConvertOptions } from '../../src/builder/convert';
import { randomCheckpoint } from '../../src/fixtures/tiny-models';
import { tempDir, writeCheckpointWithTokenizer } from '../support/checkpoints';
import { ResumableMemorySink } from '../support/resumable-memory-sink';

/** Counts the bytes read from safetensors files, and can fail every such read once a budget is spent. */
class MeteredTree implements FileTree {
  readonly name: string;
  bytesRead = 0;
  constructor(
    private readonly tree: FileTree,
    private readonly failAfterBytes = Infinity,
  ) {
    this.name = tree.name;
  }
  async open(path: string): Promise<ByteSource | null> {
    const source = await this.tree.open(path);
    if (!source) return null;
    return {
      name: source.name,
      size: () => source.size(),
      read: async (offset, length) => {
        if (!path.endsWith('.safetensors')) return source.read(offset, length);
        if (this.bytesRead + length > this.failAfterBytes) throw new Error('connection lost');
        this.bytesRead += length;
        return source.read(offset, length);
      },
    };
  }
}

// Several layers and a small chunk limit, so the output spans several external-data chunks.
const OPTIONS: Omit<ConvertOptions, 'dtypes'> = { chunkLimit: 40_000 };
let dir = '';

beforeAll(async () => {
  dir = await writeCheckpointWithTokenizer(
    join(await tempDir('resume'), 'ckpt'),
    randomCheckpoint('resume', { hiddenSize: 64, numLayers: 3, numHeads: 4, numKvHeads: 2, intermediateSize: 96, vocabSize: 256, tied: false, maxPositionEmbeddings: 64 }, { seed: 9, dtype: 'BF16', shards: 2 }),
  );
});

async function convertWhole(dtype: 'q4' | 'fp16', tree: FileTree = new NodeFileTree(dir)): Promise<Map<string, Uint8Array>> {
  const sink = new MemorySink();
  await convertCheckpoint(tree, sink, { ...OPTIONS, dtypes: [dtype] });
  return sink.files;
}

function expectSameFiles(actual: Map<string, Uint8Array>, expected: Map<string, Uint8Array>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, bytes] of expected) expect(Buffer.compare(Buffer.from(actual.get(path)!), Buffer.from(bytes)), path).toBe(0);
}

describe('a conversion interrupted part-way', () => {
  for (const dtype of ['q4', 'fp16'] as const) {
    it(`resumes from its last checkpoint and writes the same bytes as one whole run (${dtype})`, async () => {
      const whole = await convertWhole(dtype);
      const all = new MeteredTree(new NodeFileTree(dir));
      await convertWhole(dtype, all);

      const sink = new ResumableMemorySink();
      const cut = new MeteredTree(new NodeFileTree(dir), all.bytesRead * 0.6);
      await expect(convertCheckpoint(cut, sink, { ...OPTIONS, dtypes: [dtype] })).rejects.toThrow('connection lost');
      expect([...sink.files.values()].some((f) => f.committed > 0)).toBe(true);

      const resumed = new MeteredTree(new NodeFileTree(dir));
      const progress: number[] = [];
      await convertCheckpoint(resumed, sink, { ...OPTIONS, dtypes: [dtype], onProgress: (p) => progress.push(p.bytesStored) });
      expectSameFiles(sink.contents(), whole);
      // The kept part was not read again (headers and tokenizer files are, so compare with the whole run).
      expect(resumed.bytesRead).toBeLessThan(all.bytesRead * 0.6);
      expect(progress.at(-1)).toBe([...whole].filter(([p]) => p.includes('_data')).reduce((n, [, b]) => n + b.length, 0));
    });
  }

  it('survives being cut twice, the second time in a run that had resumed', async () => {
    const whole = await convertWhole('q4');
    const sink = new ResumableMemorySink();
    await expect(convertCheckpoint(new MeteredTree(new NodeFileTree(dir), 60_000), sink, { ...OPTIONS, dtypes: ['q4'] })).rejects.toThrow();
    await expect(convertCheckpoint(new MeteredTree(new NodeFileTree(dir), 60_000), sink, { ...OPTIONS, dtypes: ['q4'] })).rejects.toThrow();
    await convertCheckpoint(new NodeFileTree(dir), sink, { ...OPTIONS, dtypes: ['q4'] });
    expectSameFiles(sink.contents(), whole);
  });
});

describe('planConversion', () => {
  it('sizes every output file exactly, reading no weights', async () => {
    const whole = await convertWhole('q4');
    const metered = new MeteredTree(new NodeFileTree(dir));
    const plan = await planConversion(metered, { ...OPTIONS, dtypes: ['q4'] });
    expect(new Map([...plan.files])).toEqual(new Map([...whole].map(([path, bytes]) => [path, bytes.length])));
    expect(plan.bytesToStore).toBe([...whole.values()].reduce((n, b) => n + b.length, 0));
    // Of the shards, only their headers (8-byte length + JSON) are read.
    expect(metered.bytesRead).toBeLessThan(20_000);
    expect(plan.bytesToRead).toBeGreaterThan(100_000);
  });
});

describe('HttpFileTree over a server that drops a connection', () => {
  let server: Server;
  let origin = '';
  const cuts = { remaining: 0 };
  const ranges: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const file = join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        return void res.writeHead(404).end();
      }
      const range = parseRange(req.headers.range, size);
      if (range === 'invalid') return void res.writeHead(416).end();
      const start = range ? range.start : 0;
      const end = range ? range.end : size - 1;
      res.writeHead(range ? 206 : 200, { 'Content-Length': String(end - start + 1), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}) });
      if (req.method === 'HEAD') return void res.end();
      const body = readFileSync(file).subarray(start, end + 1);
      if (file.endsWith('.safetensors') && body.length > 2000 && cuts.remaining > 0) {
        cuts.remaining--;
        ranges.push(req.headers.range ?? '');
        res.write(body.subarray(0, 1000));
        return void setTimeout(() => res.destroy(), 20);
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('retries the cut range and converts to the same bytes as from disk', async () => {
    cuts.remaining = 2;
    const retries: number[] = [];
    const tree = new RetryingFileTree(new HttpFileTree('served', `${origin}/`), { attempts: 4, delayMs: 5, onRetry: (_, attempt) => retries.push(attempt) });
    const served = await convertWhole('q4', tree);
    expectSameFiles(served, await convertWhole('q4'));
    expect(retries).toHaveLength(2);
    expect(ranges).toHaveLength(2);
    expect(ranges.every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true);
  });

  it('gives up after the last attempt with the cause', async () => {
    cuts.remaining = 100;
    const tree = new RetryingFileTree(new HttpFileTree('served', `${origin}/`), { attempts: 2, delayMs: 1 });
    await expect(convertWhole('q4', tree)).rejects.toThrow();
    cuts.remaining = 0;
  });

  it('says at once that a source never reached is unreachable, without back-offs', async () => {
    let retried = 0;
    const tree = new RetryingFileTree(new HttpFileTree('offline', 'http://127.0.0.1:9/'), { attempts: 6, delayMs: 10_000, onRetry: () => retried++ });
    await expect(planConversion(tree, { dtypes: ['q4'] })).rejects.toThrow(/could not reach offline \(.*\): check the address/);
    expect(retried).toBe(0);
  });

  it('does not retry a missing file, and reports a missing shard by name', async () => {
    let retried = 0;
    const tree = new RetryingFileTree(new HttpFileTree('served', `${origin}/nowhere/`), { attempts: 3, delayMs: 1, onRetry: () => retried++ });
    await expect(planConversion(tree, { dtypes: ['q4'] })).rejects.toThrow('served: no config.json');
    expect(retried).toBe(0);
  });
});
