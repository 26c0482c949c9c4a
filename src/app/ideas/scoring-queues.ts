import { DEFAULT_COUNTERFACTUAL_THRESHOLD } from '../../engine/scorer-types';
import type { ScoringQueue } from './queue-runner';
import { useReferee } from '../store';
import { useEvaluation } from '../evaluate/evaluate-store';

/** The ideas list: queued ideas in list order, with the list's threshold and prompt. */
export const ideasQueue: ScoringQueue = {
  next() {
    const state = useReferee.getState();
    const entry = state.ideas.find((i) => i.status === 'queued');
    if (!entry) return null;
    const idea = { ...(entry.title !== undefined ? { title: entry.title } : {}), text: entry.text };
    const { settings } = state;
    return {
      key: `idea:${entry.id}`,
      idea,
      options: {
        profile: settings.profile,
        decision: settings,
        tokenizeSpecialsInText: settings.tokenizeSpecialsInText ?? false,
        counterfactual: settings.counterfactual ? { ...DEFAULT_COUNTERFACTUAL_THRESHOLD, points: settings.counterfactualPoints ?? DEFAULT_COUNTERFACTUAL_THRESHOLD.points } : null,
        attribute: entry.explain === true,
      },
      markScoring: () => useReferee.getState().markScoring(entry.id),
      requeue: () => useReferee.getState().requeue(entry.id),
      // The text that was scored: an idea edited meanwhile gets its score marked stale.
      finish: (outcome) => useReferee.getState().finish(entry.id, outcome, idea),
    };
  },
  subscribe: (listener) => useReferee.subscribe(listener),
};

/** The Evaluate panel's labelled set: each idea decided by the greedy score, as the paper's metrics are. */
export const evaluationQueue: ScoringQueue = {
  next() {
    const state = useEvaluation.getState();
    const set = state.set;
    const index = set ? state.entries.findIndex((e) => e.status === 'queued') : -1;
    if (!set || index < 0) return null;
    const { idea } = set.items[index]!;
    // A set replaced while this idea was scored keeps nothing of it.
    const sameSet = () => useEvaluation.getState().set === set;
    return {
      key: `evaluation:${set.fileName}:${index}`,
      idea: { ...(idea.title !== undefined ? { title: idea.title } : {}), text: idea.text },
      options: {
        profile: useReferee.getState().settings.profile,
        decision: { ...state.settings, decideBy: 'greedy' },
        tokenizeSpecialsInText: useReferee.getState().settings.tokenizeSpecialsInText ?? false,
      },
      markScoring: () => useEvaluation.getState().markScoring(index),
      requeue: () => sameSet() && useEvaluation.getState().requeue(index),
      finish: (outcome) => sameSet() && useEvaluation.getState().finish(index, outcome),
    };
  },
  subscribe: (listener) => useEvaluation.subscribe(listener),
};
