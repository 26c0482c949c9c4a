/**
 * Whether this WebAssembly has JSPI (`WebAssembly.Suspending`, Chromium 137+): the page then runs
 * onnxruntime-web's JSPI build (./ort-runtime.ts), and the offline shell keeps that build's files.
 */
export function hasJspi(): boolean {
  return typeof WebAssembly === 'object' && 'Suspending' in WebAssembly;
}
