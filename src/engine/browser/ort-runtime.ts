/**
 * The onnxruntime-web the page's Transformers.js runs on. Vite resolves Transformers.js's own import of
 * `onnxruntime-web/webgpu` to this module (vite.config.ts, `ortRuntimeChoice`), and this module picks the build
 * once, when it is first evaluated:
 *
 * - where the browser has JSPI (Chromium 137+), the JSPI build. Given a model's external data as Blobs, it reads
 *   each initializer from its Blob as the session is built, so the page never holds the whole model in memory;
 * - elsewhere the asyncify build (`onnxruntime-web/webgpu`), which turns each Blob into one ArrayBuffer first.
 *
 * Both carry the same WebGPU and CPU kernels. Only what Transformers.js 4.3.1 reads is re-exported.
 * (Installing the JSPI build at `globalThis[Symbol.for('onnxruntime')]` instead makes Transformers.js refuse
 * every device: it then knows none.)
 */
import * as asyncify from 'onnxruntime-web/webgpu';
import * as jspi from 'onnxruntime-web/jspi';
import { hasJspi } from './jspi';

export type OrtBuild = 'jspi' | 'asyncify';

/** The build this worker runs on. */
export const ORT_BUILD: OrtBuild = hasJspi() ? 'jspi' : 'asyncify';

const chosen = ORT_BUILD === 'jspi' ? jspi : asyncify;
export const InferenceSession = chosen.InferenceSession;
export const Tensor = chosen.Tensor;
export const env = chosen.env;
