/**
 * The words every room uses for a model build and where it runs, declared once. The data path carries them
 * from the address (`?dtype=`, `?device=`) or the CLI's flags to Transformers.js unchanged.
 */

/** The builds the converter writes, by Transformers.js's dtype names (file `onnx/model<suffix>.onnx`). */
export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16'] as const;
export type Dtype = (typeof DTYPES)[number];

/** The 4-bit builds: what GPUs and the page's conversion use. */
export type QuantizedDtype = Extract<Dtype, 'q4' | 'q4f16'>;

/** The page's two runtimes: onnxruntime-web on WebGPU or on WASM. */
export const BROWSER_DEVICES = ['webgpu', 'wasm'] as const;
export type BrowserDevice = (typeof BROWSER_DEVICES)[number];

/** Where a model runs: a browser runtime, or onnxruntime-node's CPU (or its own WebGPU EP) in Node. */
export type Device = BrowserDevice | 'cpu';
