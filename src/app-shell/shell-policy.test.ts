import { describe, expect, it } from 'vitest';
import { assetResponse, isOldShellCache, pageResponse, precacheFiles, shellCacheName, shellRoute, type ShellCache } from './shell-policy';

const ORIGIN = 'https://referee.example';
const MANIFEST = { version: 'v2', files: ['/', '/probe.html', '/assets/main-abc.js', '/favicon.svg'] };
const get = (path: string, mode = 'cors') => ({ url: `${ORIGIN}${path}`, method: 'GET', mode });

class MemoryCache implements ShellCache {
  readonly entries = new Map<string, string>();
  async match(path: string) {
    const body = this.entries.get(path);
    return body === undefined ? undefined : new Response(body);
  }
  async put(path: string, response: Response) {
    this.entries.set(path, await response.text());
  }
}

const offline = () => Promise.reject(new TypeError('Failed to fetch'));
const serving = (body: string, status = 200) => () => Promise.resolve(new Response(body, { status }));

describe('shellRoute', () => {
  it('answers the app’s pages and this version’s files, and leaves models, servers, other origins and writes alone', () => {
    expect(shellRoute(get('/?model=x', 'navigate'), ORIGIN, MANIFEST)).toBe('page');
    expect(shellRoute(get('/index.html', 'navigate'), ORIGIN, MANIFEST)).toBe('page');
    expect(shellRoute(get('/assets/main-abc.js'), ORIGIN, MANIFEST)).toBe('asset');
    expect(shellRoute(get('/assets/main-old.js'), ORIGIN, MANIFEST)).toBe('network');
    expect(shellRoute(get('/models/tiny/onnx/model_q4.onnx'), ORIGIN, MANIFEST)).toBe('network');
    expect(shellRoute(get('/local-models/tiny/config.json'), ORIGIN, MANIFEST)).toBe('network');
    expect(shellRoute(get('/models/', 'navigate'), ORIGIN, MANIFEST)).toBe('network');
    expect(shellRoute({ url: 'https://huggingface.co/', method: 'GET', mode: 'cors' }, ORIGIN, MANIFEST)).toBe('network');
    expect(shellRoute({ ...get('/'), method: 'POST' }, ORIGIN, MANIFEST)).toBe('network');
  });

  it('deletes only its own older caches, never the model cache', () => {
    expect(isOldShellCache(shellCacheName('v1'), 'v2')).toBe(true);
    expect(isOldShellCache(shellCacheName('v2'), 'v2')).toBe(false);
    expect(isOldShellCache('transformers-cache', 'v2')).toBe(false);
  });
});

describe('pageResponse', () => {
  it('takes a new version from the network when online (and keeps it), and the kept page when offline', async () => {
    const cache = new MemoryCache();
    cache.entries.set('/', 'old version');
    const online = await pageResponse('/', new Request(`${ORIGIN}/`), cache, serving('new version'));
    expect(await online.text()).toBe('new version');
    expect(cache.entries.get('/')).toBe('new version');
    expect(await (await pageResponse('/', new Request(`${ORIGIN}/`), cache, offline)).text()).toBe('new version');
  });

  it('does not keep an error page, and fails offline when nothing is kept', async () => {
    const cache = new MemoryCache();
    cache.entries.set('/', 'good');
    expect((await pageResponse('/', new Request(`${ORIGIN}/`), cache, serving('oops', 500))).status).toBe(500);
    expect(cache.entries.get('/')).toBe('good');
    await expect(pageResponse('/probe.html', new Request(`${ORIGIN}/probe.html`), new MemoryCache(), offline)).rejects.toThrow('Failed to fetch');
  });
});

describe('assetResponse', () => {
  it('serves a kept file without the network, and fetches and keeps a missing one', async () => {
    const cache = new MemoryCache();
    cache.entries.set('/assets/main-abc.js', 'kept');
    expect(await (await assetResponse('/assets/main-abc.js', new Request(`${ORIGIN}/assets/main-abc.js`), cache, offline)).text()).toBe('kept');
    expect(await (await assetResponse('/favicon.svg', new Request(`${ORIGIN}/favicon.svg`), cache, serving('<svg/>'))).text()).toBe('<svg/>');
    expect(cache.entries.get('/favicon.svg')).toBe('<svg/>');
  });
});

describe('what the shell keeps at install', () => {
  const files = ['/', '/assets/main-abc.js', '/assets/ort-wasm-simd-threaded.jspi-AbC1.wasm', '/assets/ort-wasm-simd-threaded.jspi-Xy2.mjs', '/assets/ort-wasm-simd-threaded.asyncify-Qq3.wasm', '/assets/ort-wasm-simd-threaded.asyncify-Rr4.mjs'];
  it('keeps only the onnxruntime-web build this browser runs', () => {
    expect(precacheFiles(files, true)).toEqual(['/', '/assets/main-abc.js', '/assets/ort-wasm-simd-threaded.jspi-AbC1.wasm', '/assets/ort-wasm-simd-threaded.jspi-Xy2.mjs']);
    expect(precacheFiles(files, false)).toEqual(['/', '/assets/main-abc.js', '/assets/ort-wasm-simd-threaded.asyncify-Qq3.wasm', '/assets/ort-wasm-simd-threaded.asyncify-Rr4.mjs']);
  });
});
