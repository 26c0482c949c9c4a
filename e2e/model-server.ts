import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { contentTypeFor, parseRange } from '../src/site/models-middleware';

/**
 * A model host on its own 127.0.0.1 port (so another origin than the app: CORS), shaped like the Hugging
 * Face hub: Range requests, and each file's SHA-256 as its ETag, the way the hub tags LFS files. Tests can
 * make it cut a file's first download halfway, serve a file slowly, or publish a wrong hash.
 */
export interface ModelServerOptions {
  readonly root: string;
  /** Cut the connection once, after this many bytes of the first GET longer than that of a file whose path matches. */
  readonly dropOnce?: { readonly path: RegExp; readonly afterBytes: number };
  /** Send files whose path matches at about this rate. */
  readonly throttle?: { readonly path: RegExp; readonly bytesPerSecond: number };
  /** Publish a wrong SHA-256 for files whose path matches. */
  readonly wrongHash?: RegExp;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
}

export interface ModelServer {
  readonly origin: string;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag, X-Linked-ETag',
  // The app is cross-origin isolated (COEP require-corp); a model host for it must allow cross-origin reads.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const requests: LoggedRequest[] = [];
  const hashes = new Map<string, string>();
  const dropped = new Set<string>();
  const sha256Of = (file: string) => {
    let hash = hashes.get(file);
    if (!hash) hashes.set(file, (hash = createHash('sha256').update(readFileSync(file)).digest('hex')));
    return hash;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const relative = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ method: req.method ?? '', path: relative, range: req.headers.range });
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const file = path.join(options.root, path.posix.normalize(relative));
    let size: number;
    try {
      if (!file.startsWith(path.resolve(options.root)) || !statSync(file).isFile()) throw new Error('not a file');
      size = statSync(file).size;
    } catch {
      return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    }
    const hash = options.wrongHash?.test(relative) ? 'f'.repeat(64) : sha256Of(file);
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    const start = range ? range.start : 0;
    const end = range ? range.end : size - 1;
    res.writeHead(range ? 206 : 200, {
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      ETag: `"${hash}"`,
      'Cache-Control': 'no-cache',
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();

    let body = readFileSync(file).subarray(start, end + 1);
    // Only a response longer than the cut counts (a converter's first reads of a file are its small header).
    const drop = options.dropOnce?.path.test(relative) && !dropped.has(relative) && body.length > options.dropOnce.afterBytes ? options.dropOnce.afterBytes : null;
    if (drop !== null) {
      dropped.add(relative);
      body = body.subarray(0, drop);
    }
    const rate = options.throttle?.path.test(relative) ? options.throttle.bytesPerSecond : Infinity;
    const piece = Number.isFinite(rate) ? Math.max(1, Math.floor(rate / 20)) : body.length;
    let at = 0;
    const sendNext = () => {
      if (res.destroyed) return;
      const chunk = body.subarray(at, at + piece);
      at += chunk.length;
      const last = at >= body.length;
      res.write(chunk, () => {
        if (!last) return void setTimeout(sendNext, Number.isFinite(rate) ? 50 : 0);
        // A dropped download: every byte written so far is flushed, then the connection is cut.
        if (drop !== null) res.socket?.destroy();
        else res.end();
      });
    };
    sendNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
