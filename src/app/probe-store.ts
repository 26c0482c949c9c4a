/** State of the one-shot model probe, with the action that starts it (idempotent: StrictMode-safe). */
import { create } from 'zustand';
import { runProbeInWorker } from '../worker/probe-client';
import type { ProbeRequest, ProbeResult, ProbeStage } from '../worker/probe-protocol';

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

export const useProbeStore = create<ProbeStore>()((set, get) => ({
  probe: { status: 'idle' },
  startProbe: (request) => {
    if (get().probe.status !== 'idle') return;
    set({ probe: { status: 'running', request, stage: 'starting' } });
    runProbeInWorker(request, (stage) => {
      const current = get().probe;
      if (current.status === 'running') set({ probe: { ...current, stage } });
    }).then(
      (result) => set({ probe: { status: 'done', request, result } }),
      (error: unknown) =>
        set({ probe: { status: 'error', request, message: error instanceof Error ? error.message : String(error) } }),
    );
  },
  failProbe: (message) => {
    if (get().probe.status !== 'idle') return;
    set({ probe: { status: 'error', request: null, message } });
  },
}));
