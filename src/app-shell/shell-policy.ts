/**
 * The offline app shell's rules, free of the service worker's globals so they run in tests: which requests
 * the worker answers, how, and which caches are its old versions.
 */

/** What the build writes into the service worker: its version and the files of the app shell. */
export interface ShellManifest {
  readonly version: string;
  /** Paths from the site root, e.g. `/`, `/assets/main-1a2b.js`. */
  readonly files: readonly string[];
}

export const SHELL_CACHE_PREFIX = 'referee-shell-';

export const shellCacheName = (version: string) => `${SHELL_CACHE_PREFIX}${version}`;

/** A cache of an earlier version of the shell (never the model cache, never another app's). */
export const isOldShellCache = (name: string, version: string) => name.startsWith(SHELL_CACHE_PREFIX) && name !== shellCacheName(version);

/**
 * - `page`: a navigation to one of the app's pages: the network first (so a new version is seen at once),
 *   the cached page when the network fails;
 * - `asset`: a file of this version of the shell (hashed names never change): the cache first;
 * - `network`: everything else, untouched: models (their own cache, their own download), the scoring
 *   server, other origins.
 */
export type ShellRoute = 'page' | 'asset' | 'network';

export function shellRoute(request: { url: string; method: string; mode: string }, origin: string, manifest: ShellManifest): ShellRoute {
  if (request.method !== 'GET') return 'network';
  const url = new URL(request.url);
  if (url.origin !== origin) return 'network';
  if (url.pathname.startsWith('/models/') || url.pathname.startsWith('/local-models/')) return 'network';
  if (request.mode === 'navigate') return manifest.files.includes(pageFile(url.pathname)) ? 'page' : 'network';
  return manifest.files.includes(url.pathname) ? 'asset' : 'network';
}

/** The shell file a page address is kept under: `/` and `/index.html` are one page, whatever the query. */
export function pageFile(pathname: string): string {
  return pathname === '/index.html' ? '/' : pathname;
}

/** The minimal Cache Storage and fetch the strategies need (the service worker's, or a test's). */
export interface ShellCache {
  match(path: string): Promise<Response | undefined>;
  put(path: string, response: Response): Promise<void>;
}

/** Network first; a good answer refreshes the cache, a failed one falls back to it. */
export async function pageResponse(path: string, request: Request, cache: ShellCache, fetchFn: (request: Request) => Promise<Response>): Promise<Response> {
  try {
    const response = await fetchFn(request);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(path);
    if (cached) return cached;
    throw error;
  }
}

/** Cache first; a file missing from the cache (an install cut short) is fetched and kept. */
export async function assetResponse(path: string, request: Request, cache: ShellCache, fetchFn: (request: Request) => Promise<Response>): Promise<Response> {
  const cached = await cache.match(path);
  if (cached) return cached;
  const response = await fetchFn(request);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}

/**
 * The files to keep at install: all but the onnxruntime-web build this browser will not run (the page runs the
 * JSPI build where WebAssembly has JSPI, else the asyncify one: src/engine/browser/ort-runtime.ts), 17–27 MB
 * that would never be read. A file left out is still fetched if asked for.
 */
export function precacheFiles(files: readonly string[], hasJspi: boolean): string[] {
  const unused = hasJspi ? 'asyncify' : 'jspi';
  const pattern = new RegExp(`/ort-wasm-simd-threaded\\.${unused}-[^/]*\\.(wasm|mjs)$`);
  return files.filter((file) => !pattern.test(file));
}
