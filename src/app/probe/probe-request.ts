/**
 * The model probe page (probe.html): one raw forward pass of a served model through the page's engine, shown
 * as JSON (the browser half of the engine's parity tests). Its address, and what it shows.
 */
import type { AdapterDescription, LastLogits } from '../../engine/engine';
import { BROWSER_DEVICES, DTYPES, type BrowserDevice, type Dtype } from '../../models/types';

export interface ProbeRequest {
  /** Model folder name under /models/ (hub-style: config.json, tokenizer.json, onnx/model*.onnx). */
  model: string;
  dtype: Dtype;
  device: BrowserDevice;
  text: string;
  /**
   * WebGPU only: false runs on a device created without the `subgroups` feature (`?subgroups=0`), which keeps
   * onnxruntime's attention off its subgroup-shuffle flash-attention kernel; true (`?subgroups=1`) runs on the
   * runtime's own device. Default: the engine's rule (off where the adapter's subgroups are narrow).
   */
  subgroups?: boolean;
}

export interface ProbeResult extends Omit<LastLogits, 'milliseconds'> {
  model: string;
  device: BrowserDevice;
  dtype: Dtype;
  text: string;
  /** The WebGPU adapter, and whether the device the model ran on had `subgroups` (null on WASM). */
  adapter: AdapterDescription | null;
  deviceSubgroups: boolean | null;
  /** ORT WASM thread count the worker configured. */
  numThreads: number;
  crossOriginIsolated: boolean;
  loadMs: number;
  runMs: number;
}

export type ProbeStage = 'starting' | 'loading-model' | 'running';

export function isProbeDtype(value: string): value is Dtype {
  return (DTYPES as readonly string[]).includes(value);
}

export function isProbeDevice(value: string): value is BrowserDevice {
  return (BROWSER_DEVICES as readonly string[]).includes(value);
}

/** Reads `?model=&dtype=&device=&text=`; null when no model is asked for, an Error when a value is bad. */
export function probeRequestFromSearch(search: string): ProbeRequest | Error | null {
  const params = new URLSearchParams(search);
  const model = params.get('model');
  if (!model) return null;
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/.test(model) || model.includes('..')) {
    return new Error(`Invalid model name: ${JSON.stringify(model)}`);
  }
  const dtype = params.get('dtype') ?? 'fp32';
  if (!isProbeDtype(dtype)) return new Error(`Invalid dtype ${JSON.stringify(dtype)}: use one of ${DTYPES.join(', ')}`);
  const device = params.get('device') ?? 'wasm';
  if (!isProbeDevice(device)) {
    return new Error(`Invalid device ${JSON.stringify(device)}: use one of ${BROWSER_DEVICES.join(', ')}`);
  }
  const text = params.get('text') ?? 'Hello';
  const subgroups = params.get('subgroups');
  if (subgroups === null) return { model, dtype, device, text };
  if (subgroups !== '0' && subgroups !== '1') return new Error(`Invalid subgroups ${JSON.stringify(subgroups)}: use 0 or 1`);
  if (device !== 'webgpu') return new Error('subgroups= applies to device=webgpu only');
  return { model, dtype, device, text, subgroups: subgroups === '1' };
}
