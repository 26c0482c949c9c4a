/** State of the one-shot model probe, with the action that starts it (idempotent: StrictMode-safe). */
import { create } from 'zustand';
import { createScorerWorker, EngineClient } from '../../worker/engine-client';
import type { ProbeRequest, ProbeResult, ProbeStage } from './probe-request';

export type ProbeState =
  | { status: 'idle' }
  | { status: 'running'; request: ProbeRequest; stage: ProbeStage }
  | { status: 'done'; request: ProbeRequest; result: ProbeResult }
  | { status: 'error'; request: ProbeRequest | null; message: string };

interface ProbeStore {
  probe: ProbeState;
  /** Starts the probe unless one already started in this page (React StrictMode runs effects twice). */
  startProbe: (request: ProbeRequest) => void;
  failProbe: (message: string) => void;
}

/** Loads the model with the page's engine (its worker, cache and device rules) and runs one raw forward pass. */
async function runProbe(request: ProbeRequest, onStage: (stage: ProbeStage) => void): Promise<ProbeResult> {
  const engine = new EngineClient(createScorerWorker);
  try {
    const capabilities = await engine.capabilities();
    onStage('loading-model');
    const started = performance.now();
    const model = await engine.load({
      source: request.model,
      device: request.device,
      dtype: request.dtype,
      ...(request.subgroups !== undefined ? { subgroups: request.subgroups } : {}),
    });
    const loadMs = performance.now() - started;
    onStage('running');
    const { milliseconds, ...logits } = await engine.forward(request.text);
    return {
      model: request.model,
      device: request.device,
      dtype: request.dtype,
      text: request.text,
      ...logits,
      adapter: request.device === 'webgpu' ? capabilities.adapter : null,
      deviceSubgroups: model.subgroups,
      numThreads: capabilities.wasmThreads ?? 1,
      crossOriginIsolated: capabilities.crossOriginIsolated ?? false,
      loadMs,
      runMs: milliseconds,
    };
  } finally {
    await engine.unload();
  }
}

export const useProbeStore = create<ProbeStore>()((set, get) => ({
  probe: { status: 'idle' },
  startProbe: (request) => {
    if (get().probe.status !== 'idle') return;
    set({ probe: { status: 'running', request, stage: 'starting' } });
    runProbe(request, (stage) => {
      const current = get().probe;
      if (current.status === 'running') set({ probe: { ...current, stage } });
    }).then(
      (result) => set({ probe: { status: 'done', request, result } }),
      (error: unknown) => set({ probe: { status: 'error', request, message: error instanceof Error ? error.message : String(error) } }),
    );
  },
  failProbe: (message) => {
    if (get().probe.status !== 'idle') return;
    set({ probe: { status: 'error', request: null, message } });
  },
}));
