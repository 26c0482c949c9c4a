import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/convert';
import { tempDir } from '../support/checkpoints';

const CHECKPOINT = resolve('.fixtures/checkpoints/tiny-planted-qwen2');

/** Files of a folder, by relative path, as bytes. */
async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = join(entry.parentPath, entry.name);
      out.set(full.slice(dir.length + 1), await readFile(full));
    }
  }
  return out;
}

/**
 * A stand-in for the hub's file endpoint, `/<owner>/<repo>/resolve/<revision>/<path>`, serving one checkpoint
 * folder: byte ranges as the hub answers them, and its "EntryNotFound" 404 for missing files.
 */
function hubStandIn(root: string, requests: string[]): Server {
  return createServer(async (request, response) => {
    requests.push(`${request.method} ${request.url} ${request.headers.range ?? ''}`);
    const match = /^\/test-org\/tiny-planted\/resolve\/main\/(.+)$/.exec(new URL(request.url!, 'http://x').pathname);
    const path = match ? normalize(join(root, decodeURIComponent(match[1]!))) : '';
    const info = path.startsWith(root) ? await stat(path).catch(() => null) : null;
    if (!info?.isFile()) {
      response.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    const etag = `"${info.size}-${info.mtimeMs}"`;
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
    if (!range) {
      response.writeHead(200, { 'content-length': info.size, 'accept-ranges': 'bytes', etag });
      createReadStream(path).pipe(response);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), info.size - 1);
    response.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${info.size}`, 'accept-ranges': 'bytes', etag });
    createReadStream(path, { start, end }).pipe(response);
  });
}

describe('npm run convert', () => {
  let server: Server;
  let hubUrl = '';
  const requests: string[] = [];
  let root = '';
  beforeAll(async () => {
    root = await tempDir('convert-cli');
    server = hubStandIn(CHECKPOINT, requests);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    hubUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => server.close());

  it('from a Hugging Face repo id, through @huggingface/hub and HTTP ranges, writes the same bytes as from the folder', async () => {
    const fromFolder = join(root, 'from-folder');
    const fromHub = join(root, 'from-hub');
    expect(await main([CHECKPOINT, '--out', fromFolder, '--dtype', 'q4'])).toBe(0);
    expect(await main(['test-org/tiny-planted', '--out', fromHub, '--dtype', 'q4', '--hub-url', hubUrl])).toBe(0);
    const a = await filesOf(fromFolder);
    const b = await filesOf(fromHub);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, bytes] of a) expect(Buffer.compare(bytes, b.get(path)!), path).toBe(0);
    // Tensors were read by range, not by downloading the 160 MB shard whole.
    expect(requests.some((r) => /model\.safetensors bytes=\d+-\d+$/.test(r))).toBe(true);
    expect(requests.filter((r) => /model\.safetensors $/.test(r))).toEqual([]);
  });

  it('a repo that is not there, an unknown dtype, and no --out are clear errors', async () => {
    expect(await main(['test-org/absent', '--out', join(root, 'absent'), '--hub-url', hubUrl])).toBe(1);
    expect(await main([CHECKPOINT, '--out', join(root, 'x'), '--dtype', 'int8'])).toBe(2);
    expect(await main([CHECKPOINT])).toBe(2);
  });
});
