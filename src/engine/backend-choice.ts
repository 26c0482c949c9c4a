import { deviceCannotHold, type MemoryEstimate } from '../models/model-memory';
import { type BrowserDevice, type Dtype } from '../models/types';

/**
 * Which runtime a model runs on in the browser, and why, in words for the user. Pure: the worker gathers the
 * facts (the WebGPU adapter, the model's memory estimate) and this decides.
 *
 * A software WebGPU adapter (SwiftShader, lavapipe, llvmpipe: a CPU pretending to be a GPU) is far slower
 * than WASM: measured on a 2-core machine, 68–114 s an idea against 1.5–2.5 s on WASM with a tiny model.
 * So by default a model that fits in WASM's 4 GB runs on WASM there; a bigger one stays on the software
 * adapter (slow beats impossible). The user can always choose either.
 */

/** The user's choice: the Backend setting, or `?device=` in the address. */
export type BackendPreference = 'auto' | BrowserDevice;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** What the browser's WebGPU adapter says about itself (`GPUAdapter.info`, features and limits). */
export interface AdapterFacts {
  /** `GPUAdapterInfo.isFallbackAdapter` (or the older `GPUAdapter.isFallbackAdapter`). */
  readonly isFallbackAdapter?: boolean;
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly shaderF16: boolean;
  readonly maxBufferSize?: number;
}

export interface BackendInputs {
  readonly preference: BackendPreference;
  /** Where a preference other than `auto` came from, for the reason. */
  readonly preferenceFrom: 'setting' | 'address';
  /** null: this browser offers no WebGPU adapter. */
  readonly adapter: AdapterFacts | null;
  /** A dtype asked for (`?dtype=`); otherwise the device's best. */
  readonly dtype?: Dtype;
  /**
   * The model's memory estimate at the dtype it would run with on WASM (the requested one, else q4);
   * undefined when unknown (its config.json could not be read; the load then says why).
   */
  readonly wasmMemory?: MemoryEstimate;
}

export type BackendChoice =
  | { readonly ok: true; readonly device: BrowserDevice; readonly dtype: Dtype; readonly reason: string }
  | { readonly ok: false; readonly message: string };

/** The WASM runtime's dtype when none is asked for. */
export const WASM_DEFAULT_DTYPE: Dtype = 'q4';

const SOFTWARE_NAMES: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/lavapipe/i, 'lavapipe'],
  [/llvmpipe/i, 'llvmpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
  [/software/i, 'a software renderer'],
];

/**
 * The software renderer behind an adapter ("SwiftShader", "lavapipe", …, or "a software renderer" when only
 * `isFallbackAdapter` or the word "software" says so); null for a hardware GPU.
 */
export function softwareRenderer(adapter: AdapterFacts): string | null {
  const text = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ');
  for (const [pattern, name] of SOFTWARE_NAMES) if (pattern.test(text)) return name;
  return adapter.isFallbackAdapter ? 'a software renderer' : null;
}

/** The adapter in a few words: "google swiftshader (software renderer), without shader-f16, buffers up to 1.1 GB". */
export function describeAdapter(adapter: AdapterFacts | null): string {
  if (!adapter) return 'none in this browser';
  const name = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'unnamed';
  const software = softwareRenderer(adapter) ? ' (software renderer)' : '';
  const buffers = adapter.maxBufferSize ? `, buffers up to ${(adapter.maxBufferSize / 1e9).toFixed(1)} GB` : '';
  return `${name}${software}, ${adapter.shaderF16 ? 'with' : 'without'} shader-f16${buffers}`;
}

const named = (renderer: string) => (renderer === 'a software renderer' ? renderer : `a software renderer (${renderer})`);

export function chooseBackend(inputs: BackendInputs): BackendChoice {
  const { preference, adapter } = inputs;
  const asked = inputs.preferenceFrom === 'address' ? `as the address asks (?device=${preference})` : 'as chosen under Backend';
  const wasm = (reason: string): BackendChoice => ({ ok: true, device: 'wasm', dtype: inputs.dtype ?? WASM_DEFAULT_DTYPE, reason });

  if (preference === 'wasm') return wasm(`WASM, ${asked}.`);
  if (!adapter) {
    if (preference === 'webgpu') {
      return { ok: false, message: 'WebGPU was asked for, but this browser offers no WebGPU adapter; choose Automatic or WASM under Backend.' };
    }
    return wasm('WASM: this browser offers no WebGPU adapter.');
  }

  const renderer = softwareRenderer(adapter);
  if (preference === 'auto' && renderer) {
    const tooBig = inputs.wasmMemory ? deviceCannotHold(inputs.wasmMemory, 'wasm') : null;
    if (!tooBig) {
      return wasm(
        `WASM: this browser's WebGPU adapter is ${named(renderer)}, which runs models about 50× slower than WASM; choose WebGPU under Backend to use it anyway.`,
      );
    }
  }

  const dtype = inputs.dtype ?? (adapter.shaderF16 ? 'q4f16' : 'q4');
  if ((dtype === 'q4f16' || dtype === 'fp16') && !adapter.shaderF16) {
    return { ok: false, message: `${dtype} needs a GPU with shader-f16, which this adapter lacks; use q4.` };
  }
  const webgpu = (reason: string): BackendChoice => ({ ok: true, device: 'webgpu', dtype, reason });
  if (preference === 'webgpu') {
    return webgpu(renderer ? `WebGPU, ${asked}, on ${named(renderer)}: expect it to be about 50× slower than WASM.` : `WebGPU, ${asked}.`);
  }
  if (renderer) {
    const gigabytes = ((inputs.wasmMemory?.totalBytes ?? 0) / 1e9).toFixed(1);
    return webgpu(
      `WebGPU on ${named(renderer)}, which is slow, because this model (about ${gigabytes} GB) is too big for WASM's 4 GB.`,
    );
  }
  return webgpu('WebGPU: this browser has a GPU adapter.');
}
