import { scorerClient } from '../model-controller';
import { useReferee } from '../store';
import { useEvaluation } from './evaluate-store';

let started = false;

/**
 * Scores the labelled set's queued ideas one at a time with the page's scorer while a model is ready. The
 * queue is the evaluation store (persisted), so a reload resumes it. Started once per page.
 */
export function startEvaluationRunner(): void {
  if (started) return;
  started = true;
  let running = false;
  const tick = async (): Promise<void> => {
    const state = useEvaluation.getState();
    const main = useReferee.getState();
    if (running || main.model.state !== 'ready' || !state.set) return;
    const index = state.entries.findIndex((e) => e.status === 'queued');
    if (index < 0) return;
    running = true;
    const set = state.set;
    const { idea } = set.items[index]!;
    state.markScoring(index);
    try {
      const outcome = await scorerClient().score(
        { ...(idea.title !== undefined ? { title: idea.title } : {}), text: idea.text },
        { profile: main.settings.profile, decision: { ...state.settings, decideBy: 'greedy' } },
      );
      // A set replaced while this idea was scored keeps nothing of it.
      if (useEvaluation.getState().set === set) useEvaluation.getState().finish(index, outcome);
    } finally {
      running = false;
    }
    void tick();
  };
  useEvaluation.subscribe(() => void tick());
  useReferee.subscribe(() => void tick());
  void tick();
}
