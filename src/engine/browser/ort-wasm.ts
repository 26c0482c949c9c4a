/**
 * Where onnxruntime-web finds its WASM runtime: the files Vite emits from node_modules, same origin.
 * Transformers.js 4.3.1 imports `onnxruntime-web/webgpu`, whose bundle runs the *asyncify* build of
 * `ort-wasm-simd-threaded`; without these paths it fetches them from a CDN (and fails offline).
 * Both `mjs` and `wasm` must be given: `wasm` alone with numThreads > 1 hangs.
 */
import ortWasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export function ortWasmPaths(base: string): { mjs: string; wasm: string } {
  return { mjs: new URL(ortWasmMjsUrl, base).href, wasm: new URL(ortWasmBinaryUrl, base).href };
}

/** ORT defaults to 1 thread on a 2-core machine; threads need cross-origin isolation (SharedArrayBuffer). */
export function chooseNumThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(4, cores));
}
