import { createReadStream, readdirSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { DTYPE_SUFFIX } from '../models/model-files';
import { DTYPES } from '../models/types';

type NextHandleFunction = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Cross-origin isolation: multi-threaded WASM (SharedArrayBuffer) needs it, in the page and in its
 * workers. COEP `require-corp` applies to every response the page (or a worker) loads, so send the
 * three headers on everything we serve ourselves too.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;


const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jinja': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export function contentTypeFor(file: string): string {
  const base = path.basename(file);
  // External-data chunks: model_q4f16.onnx_data, model_q4f16.onnx_data_1, ...
  if (/\.onnx_data(_\d+)?$/.test(base)) return 'application/octet-stream';
  return CONTENT_TYPES[path.extname(base).toLowerCase()] ?? 'application/octet-stream';
}

export function sendStatus(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}) {
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...ISOLATION_HEADERS, ...extra })) res.setHeader(name, value);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** Parses a single `bytes=` range. Returns null to serve the whole file, 'invalid' for a 416. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // Multiple ranges or another unit: ignoring the header and sending 200 is allowed (RFC 9110 §14.2).
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'invalid';
  let start: number;
  let end: number;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0) return 'invalid';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return 'invalid';
  }
  if (start >= size || size === 0) return 'invalid';
  return { start, end };
}

/** What `/models/index.json` lists: each served folder that holds a model, with the builds it has. */
export interface ServedModel {
  readonly name: string;
  readonly dtypes: string[];
}

/** The model folders under `root` (those with a config.json and ONNX builds), sorted by name. */
export function listServedModels(root: string): ServedModel[] {
  const models: ServedModel[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  for (const name of entries.sort()) {
    try {
      if (!statSync(path.join(root, name, 'config.json')).isFile()) continue;
      const files = new Set(readdirSync(path.join(root, name, 'onnx')));
      const dtypes = DTYPES.filter((dtype) => files.has(`model${DTYPE_SUFFIX[dtype]}.onnx`));
      if (dtypes.length) models.push({ name, dtypes: [...dtypes].sort() });
    } catch {
      // not a model folder
    }
  }
  return models;
}

/**
 * Serves files under `root` at the mount point (`/models/` when mounted there): hub-style model
 * folders that Transformers.js loads with `env.remoteHost = origin + '/models/'`.
 * Missing files are a plain 404 (never the SPA/MPA HTML fallback); HEAD and single Range requests work.
 */
export function createModelsMiddleware(root: string): NextHandleFunction {
  const rootDir = path.resolve(root);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendStatus(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    let relative: string;
    try {
      // Mounted with connect's `use('/models', ...)`: req.url is relative to the mount point.
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      relative = decodeURIComponent(pathname);
    } catch {
      sendStatus(res, 400, 'Bad Request');
      return;
    }
    if (relative === '/' || relative === '/index.json') {
      const body = Buffer.from(JSON.stringify({ models: listServedModels(rootDir) }), 'utf8');
      res.statusCode = 200;
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', String(body.length));
      res.setHeader('Cache-Control', 'no-cache');
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const file = path.resolve(rootDir, `.${path.posix.normalize(`/${relative}`)}`);
    if (relative.includes('\0') || !file.startsWith(rootDir + path.sep)) {
      sendStatus(res, 404, 'Not Found');
      return;
    }
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      sendStatus(res, 404, 'Not Found');
      return;
    }
    if (!stats.isFile()) {
      sendStatus(res, 404, 'Not Found');
      return;
    }

    const size = stats.size;
    const etag = `W/"${size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const common: Record<string, string> = {
      ...ISOLATION_HEADERS,
      'Content-Type': contentTypeFor(file),
      'Accept-Ranges': 'bytes',
      'Last-Modified': stats.mtime.toUTCString(),
      ETag: etag,
      // Fixtures get regenerated in place: always revalidate.
      'Cache-Control': 'no-cache',
    };

    const ifRange = req.headers['if-range'];
    const rangeHeader = ifRange && ifRange !== etag ? undefined : req.headers.range;
    const range = parseRange(rangeHeader, size);
    if (range === 'invalid') {
      sendStatus(res, 416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' });
      return;
    }

    if (!range && req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      for (const [name, value] of Object.entries(common)) res.setHeader(name, value);
      res.end();
      return;
    }

    const start = range ? range.start : 0;
    const end = range ? range.end : size - 1;
    res.statusCode = range ? 206 : 200;
    for (const [name, value] of Object.entries(common)) res.setHeader(name, value);
    res.setHeader('Content-Length', String(size === 0 ? 0 : end - start + 1));
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);

    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('error', (err) => {
      // Headers are already out; all we can do is cut the connection.
      res.destroy(err);
    });
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  };
}

