import type { AdapterFacts } from '../backend-choice';
import type { AdapterDescription } from '../engine';

/**
 * The WebGPU adapter as the page's workers see it, and the one device choice they share. Typed here so the
 * workers need no WebGPU type package.
 */

export interface GPUAdapterLike {
  readonly features: ReadonlySet<string>;
  readonly limits?: { maxBufferSize?: number };
  /** Older Chromium put this on the adapter itself. */
  readonly isFallbackAdapter?: boolean;
  readonly info?: {
    isFallbackAdapter?: boolean;
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    subgroupMinSize?: number;
    subgroupMaxSize?: number;
  };
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<GPUDeviceLike>;
}

export interface GPUDeviceLike {
  destroy(): void;
}

/** The adapter as the engine's capabilities report it. */
export function describeGpuAdapter(adapter: GPUAdapterLike): AdapterDescription {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
    subgroups: adapter.features.has('subgroups'),
    subgroupMinSize: info.subgroupMinSize ?? null,
    subgroupMaxSize: info.subgroupMaxSize ?? null,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits?.maxBufferSize ?? null,
  };
}

/** What the backend choice needs to know of an adapter. */
export function adapterFacts(adapter: GPUAdapterLike): AdapterFacts {
  const info = adapter.info ?? {};
  return {
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
    ...(info.vendor ? { vendor: info.vendor } : {}),
    ...(info.architecture ? { architecture: info.architecture } : {}),
    ...(info.device ? { device: info.device } : {}),
    ...(info.description ? { description: info.description } : {}),
    shaderF16: adapter.features.has('shader-f16'),
    ...(adapter.limits?.maxBufferSize ? { maxBufferSize: adapter.limits.maxBufferSize } : {}),
  };
}

/** This worker's WebGPU adapter, or null when the browser offers none. */
export async function requestAdapter(): Promise<GPUAdapterLike | null> {
  const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<GPUAdapterLike | null> } } | undefined)?.gpu;
  return (await gpu?.requestAdapter().catch(() => null)) ?? null;
}

/**
 * Whether onnxruntime-web's attention would be wrong here: its GroupQueryAttention prefill on subgroups
 * narrower than 32 lanes is wrong past the first subgroup of query positions (SwiftShader has 4, lavapipe 8:
 * a 0.55 logit error on a 188-token prompt, see e2e/model-probe.spec.ts). Fallback adapters count too.
 */
export function hasNarrowSubgroups(adapter: GPUAdapterLike): boolean {
  if (!adapter.features.has('subgroups')) return false;
  const widest = adapter.info?.subgroupMaxSize;
  return typeof widest !== 'number' || widest < 32 || adapter.info?.isFallbackAdapter === true;
}

/**
 * A device with every feature and the largest limits the adapter offers, as onnxruntime would request, except
 * `subgroups` (and `subgroup-size-control`): onnxruntime then takes attention kernels that use no subgroup
 * operations, which agree with the CPU to 1e-5.
 */
export async function deviceWithoutSubgroups(adapter: GPUAdapterLike): Promise<GPUDeviceLike> {
  const requiredFeatures = [...adapter.features].filter((f) => f !== 'subgroups' && f !== 'subgroup-size-control');
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}
