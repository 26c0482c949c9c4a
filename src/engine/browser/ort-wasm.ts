/**
 * Where onnxruntime-web finds its WASM runtime: the files Vite emits from node_modules, same origin, for the
 * build this worker runs on (./ort-runtime.ts). Without these paths it fetches them from a CDN (and fails
 * offline). Both `mjs` and `wasm` must be given: `wasm` alone with numThreads > 1 hangs.
 */
import asyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import jspiMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jspi.mjs?url';
import jspiWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jspi.wasm?url';
import type { OrtBuild } from './ort-runtime';

const FILES: Record<OrtBuild, { mjs: string; wasm: string }> = {
  jspi: { mjs: jspiMjsUrl, wasm: jspiWasmUrl },
  asyncify: { mjs: asyncifyMjsUrl, wasm: asyncifyWasmUrl },
};

export function ortWasmPaths(base: string, build: OrtBuild): { mjs: string; wasm: string } {
  return { mjs: new URL(FILES[build].mjs, base).href, wasm: new URL(FILES[build].wasm, base).href };
}

/** ORT defaults to 1 thread on a 2-core machine; threads need cross-origin isolation (SharedArrayBuffer). */
export function chooseNumThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(4, cores));
}
