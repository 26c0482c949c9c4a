import { create } from 'zustand';
import { indexedDbStorage } from './model/persisted-storage';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { BackendPreference } from '../engine/backend-choice';
import type { IdeaInput } from '../scoring/idea-input';
import { newEntries, type IdeaEntry, type ListSettings } from '../scoring/idea-list';
import { isWaiting, requeued } from '../scoring/scored-idea';
import { DEFAULT_DECISION } from '../scoring/score-stats';
import type { ScoreOutcome } from '../engine/scorer-types';
import type { LoadedModel } from '../engine/engine';
import type { DeviceFigures } from '../engine/device-figures';
import type { BrowserDevice, Dtype } from '../models/types';

export type ModelStatus =
  | { readonly state: 'idle' }
  | {
      readonly state: 'loading';
      readonly phase: 'download' | 'load';
      readonly loaded: number;
      readonly total: number;
      /** Bytes, rate and time left, in words. */
      readonly detail: string;
    }
  /** The user cancelled the download; the bytes fetched so far are kept and the next load resumes. */
  | { readonly state: 'cancelled'; readonly message: string }
  | { readonly state: 'ready'; readonly model: LoadedModel }
  /** The model used last is no longer in this browser's storage (evicted or deleted): loading it downloads it. */
  | { readonly state: 'gone'; readonly source: string }
  /** Another tab of the page holds the model (src/app/model/model-lock.ts); this one loads nothing until asked. */
  | { readonly state: 'elsewhere' }
  /** `convertible`: the source is a safetensors checkpoint the Convert panel can turn into a model. */
  | { readonly state: 'error'; readonly message: string; readonly convertible?: string };

export interface RefereeState {
  /** Saved one record per idea by idea-persistence.ts, not with the rest of this state. */
  ideas: IdeaEntry[];
  /** Whether the saved list has been read into `ideas` (until then the list shows that it is loading). */
  ideasLoaded: boolean;
  /** Ideas still being written by a large save (an import): the page says so until it is done. */
  savingIdeas: number;
  settings: ListSettings;
  /** Ideas picked for the side-by-side view (2–4). */
  compare: string[];
  model: ModelStatus;
  /** The source of the last load asked for (loaded or not): the Model field shows it, not the default. */
  requestedSource: string | null;
  /** The last model source that loaded, with the device and dtype it was asked for: offered again on return. */
  lastModel: { readonly source: string; readonly device?: BrowserDevice; readonly dtype?: Dtype } | null;
  /** Which runtime models load on: `auto` lets engine/backend-choice pick (WASM over a software WebGPU adapter). */
  backend: BackendPreference;
  /** A message for the user about the last action (bad input, import problems). */
  notice: { kind: 'error' | 'info'; text: string } | null;
  /** What each model did on this device (device-figures.ts), by deviceFiguresKey: kept across visits. */
  deviceFigures: Record<string, DeviceFigures>;
  /** The measurement of the loaded model under way, or why it failed; null otherwise. */
  measurement: { readonly state: 'measuring' } | { readonly state: 'failed'; readonly message: string } | null;

  addIdeas(inputs: readonly IdeaInput[], queue: boolean): void;
  editIdea(id: string, patch: { title?: string; text: string }): void;
  removeIdea(id: string): void;
  /** Queues ideas to be scored; with `explain`, with leave-one-out attribution ("Explain"). */
  queue(ids: readonly string[], options?: { readonly explain?: boolean }): void;
  cancelQueue(): void;
  markScoring(id: string): void;
  /** Puts an idea that was being scored back in the queue (its run was cut short). */
  requeue(id: string): void;
  /** Records an outcome for the text that was scored; if the idea changed meanwhile, its score is marked stale. */
  finish(id: string, outcome: ScoreOutcome, scored: IdeaInput): void;
  replaceIdeas(entries: IdeaEntry[]): void;
  clearIdeas(): void;
  setSettings(patch: Partial<ListSettings>): void;
  toggleCompare(id: string): void;
  setModel(status: ModelStatus): void;
  setRequestedSource(source: string): void;
  rememberModel(model: RefereeState['lastModel']): void;
  setBackend(backend: BackendPreference): void;
  setNotice(notice: RefereeState['notice']): void;
  setDeviceFigures(key: string, figures: DeviceFigures): void;
  setMeasurement(measurement: RefereeState['measurement']): void;
}


const newId = () => (globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`).slice(0, 8);

/** The list with one idea changed: a copy of the array with that one slot replaced (no per-idea callback). */
const mapIdea = (ideas: IdeaEntry[], id: string, change: (idea: IdeaEntry) => IdeaEntry) => {
  const index = ideas.findIndex((i) => i.id === id);
  if (index < 0) return ideas;
  const changed = change(ideas[index]!);
  if (changed === ideas[index]) return ideas;
  const next = ideas.slice();
  next[index] = changed;
  return next;
};

export const useReferee = create<RefereeState>()(
  persist(
    (setState) => ({
      ideas: [],
      ideasLoaded: false,
      savingIdeas: 0,
      settings: { ...DEFAULT_DECISION, profile: 'paper' },
      compare: [],
      model: { state: 'idle' },
      requestedSource: null,
      lastModel: null,
      backend: 'auto',
      notice: null,
      deviceFigures: {},
      measurement: null,

      addIdeas: (inputs, queue) =>
        setState((s) => ({ ideas: [...s.ideas, ...newEntries(inputs, s.ideas, queue ? 'queued' : 'draft', newId)] })),
      editIdea: (id, patch) =>
        setState((s) => ({
          ideas: mapIdea(s.ideas, id, (idea) => {
            const title = patch.title?.trim() || undefined;
            const text = patch.text.trim();
            if (title === idea.title && text === idea.text) return idea;
            const { title: _old, ...rest } = idea;
            return { ...rest, ...(title ? { title } : {}), text, stale: idea.result !== undefined };
          }),
        })),
      removeIdea: (id) => setState((s) => ({ ideas: s.ideas.filter((i) => i.id !== id), compare: s.compare.filter((c) => c !== id) })),
      queue: (ids, options) =>
        setState((s) => {
          const wanted = new Set(ids);
          return {
            ideas: s.ideas.map((i) => {
              if (!wanted.has(i.id) || isWaiting(i)) return i;
              const { explain: _explain, ...rest } = i;
              return { ...rest, status: 'queued', ...(options?.explain ? { explain: true } : {}) };
            }),
          };
        }),
      cancelQueue: () =>
        setState((s) => ({
          ideas: s.ideas.map((i) => {
            if (i.status !== 'queued') return i;
            const { explain: _explain, ...rest } = i;
            return { ...rest, status: i.result ? 'scored' : 'draft' };
          }),
        })),
      markScoring: (id) => setState((s) => ({ ideas: mapIdea(s.ideas, id, (i) => ({ ...i, status: 'scoring' })) })),
      requeue: (id) => setState((s) => ({ ideas: mapIdea(s.ideas, id, requeued) })),
      finish: (id, outcome, scored) =>
        setState((s) => ({
          ideas: mapIdea(s.ideas, id, (i) => {
            const { error: _e, result: _r, stale: _s, explain: _x, ...rest } = i;
            const changed = i.text !== scored.text || i.title !== scored.title;
            const status = i.status === 'scoring' ? (outcome.ok ? 'scored' : 'failed') : i.status;
            return outcome.ok
              ? { ...rest, status, result: outcome.result, ...(changed ? { stale: true } : {}) }
              : { ...rest, status, error: outcome.error };
          }),
        })),
      replaceIdeas: (entries) => setState({ ideas: entries, compare: [] }),
      clearIdeas: () => setState({ ideas: [], compare: [] }),
      setSettings: (patch) => setState((s) => ({ settings: { ...s.settings, ...patch } })),
      toggleCompare: (id) =>
        setState((s) => {
          if (s.compare.includes(id)) return { compare: s.compare.filter((c) => c !== id) };
          if (s.compare.length >= 4) return { notice: { kind: 'info', text: 'Compare holds four ideas at a time: untick one to add another.' } };
          return { compare: [...s.compare, id] };
        }),
      setModel: (model) => setState({ model }),
      setRequestedSource: (requestedSource) => setState({ requestedSource }),
      rememberModel: (lastModel) => setState({ lastModel }),
      setBackend: (backend) => setState({ backend }),
      setNotice: (notice) => setState({ notice }),
      setDeviceFigures: (key, figures) => setState((s) => ({ deviceFigures: { ...s.deviceFigures, [key]: figures } })),
      setMeasurement: (measurement) => setState({ measurement }),
    }),
    {
      // The small state only: the ideas list is saved per idea (idea-persistence.ts), so a change to one
      // idea does not rewrite the whole list.
      name: 'referee-settings',
      version: 1,
      storage: createJSONStorage(() => indexedDbStorage),
      partialize: (s) => ({ settings: s.settings, compare: s.compare, lastModel: s.lastModel, backend: s.backend, deviceFigures: s.deviceFigures }),
    },
  ),
);
