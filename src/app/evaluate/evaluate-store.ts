import { create } from 'zustand';
import { indexedDbStorage } from '../model/persisted-storage';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { Calibrator, CalibrationReport, RequestedMethod } from '../../evaluation/calibration';
import type { LabelledIdea } from '../../evaluation/labelled-set';
import type { EvaluationSettings } from '../../evaluation/metrics';
import type { InputProblem } from '../../scoring/idea-input';
import { requeued, type IdeaError, type ScoreResult, type ScoringStatus } from '../../scoring/scored-idea';
import type { ScoreOutcome } from '../../engine/scorer-types';

/** Where one labelled idea stands; the labelled set's own queue, kept apart from the ideas list. */
export interface EvaluationEntry {
  readonly status: ScoringStatus;
  readonly result?: ScoreResult;
  readonly error?: IdeaError;
}

export interface LabelledSetState {
  readonly fileName: string;
  readonly items: readonly LabelledIdea[];
  /** Rows left out, with the reason. */
  readonly problems: readonly InputProblem[];
}

export interface EvaluationState {
  set: LabelledSetState | null;
  /** Parallel to `set.items`. */
  entries: EvaluationEntry[];
  settings: EvaluationSettings;
  method: RequestedMethod;
  /** The last fit on this set (with its held-out check), or why there is none. */
  fit: { readonly report: CalibrationReport } | { readonly error: string } | null;
  /** The calibrator in use (fitted here or imported); shown only when `showCalibrated`. */
  calibrator: Calibrator | null;
  showCalibrated: boolean;

  loadSet(set: LabelledSetState): void;
  clearSet(): void;
  queueAll(): void;
  cancel(): void;
  markScoring(index: number): void;
  /** Puts an idea that was being scored back in the queue (its run was cut short). */
  requeue(index: number): void;
  finish(index: number, outcome: ScoreOutcome): void;
  setSettings(patch: Partial<EvaluationSettings>): void;
  setMethod(method: RequestedMethod): void;
  setFit(fit: EvaluationState['fit']): void;
  setCalibrator(calibrator: Calibrator | null): void;
  setShowCalibrated(show: boolean): void;
}


const at = (entries: EvaluationEntry[], index: number, change: (e: EvaluationEntry) => EvaluationEntry) => entries.map((e, i) => (i === index ? change(e) : e));

/** The Evaluate panel's state, persisted to IndexedDB so scoring a labelled set resumes after a reload. */
export const useEvaluation = create<EvaluationState>()(
  persist(
    (setState) => ({
      set: null,
      entries: [],
      settings: { threshold: 5.5, comparison: '>' },
      method: 'auto',
      fit: null,
      calibrator: null,
      showCalibrated: false,

      loadSet: (labelled) => setState({ set: labelled, entries: labelled.items.map(() => ({ status: 'draft' as const })), fit: null }),
      clearSet: () => setState({ set: null, entries: [], fit: null }),
      queueAll: () => setState((s) => ({ entries: s.entries.map((e) => (e.status === 'draft' || e.status === 'failed' ? { status: 'queued' as const } : e)) })),
      cancel: () => setState((s) => ({ entries: s.entries.map((e) => (e.status === 'queued' ? { ...e, status: 'draft' as const } : e)) })),
      markScoring: (index) => setState((s) => ({ entries: at(s.entries, index, (e) => ({ ...e, status: 'scoring' })) })),
      requeue: (index) => setState((s) => ({ entries: at(s.entries, index, requeued) })),
      finish: (index, outcome) =>
        setState((s) => ({
          entries: at(s.entries, index, () => (outcome.ok ? { status: 'scored', result: outcome.result } : { status: 'failed', error: outcome.error })),
        })),
      setSettings: (patch) => setState((s) => ({ settings: { ...s.settings, ...patch }, fit: null })),
      setMethod: (method) => setState({ method }),
      setFit: (fit) => setState({ fit }),
      setCalibrator: (calibrator) => setState((s) => ({ calibrator, showCalibrated: calibrator ? s.showCalibrated : false })),
      setShowCalibrated: (showCalibrated) => setState({ showCalibrated }),
    }),
    {
      name: 'referee-evaluation',
      version: 1,
      storage: createJSONStorage(() => indexedDbStorage),
      partialize: (s) => ({ set: s.set, entries: s.entries, settings: s.settings, method: s.method, fit: s.fit, calibrator: s.calibrator, showCalibrated: s.showCalibrated }),
      // An idea that was being scored when the tab closed goes back in the queue.
      merge: (persisted, current) => {
        const saved = (persisted ?? {}) as Partial<EvaluationState>;
        const entries = (saved.entries ?? []).map(requeued);
        return { ...current, ...saved, entries };
      },
    },
  ),
);
