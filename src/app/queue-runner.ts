import type { ScorerClient } from '../worker/scorer-client';
import { useReferee } from './store';

/**
 * Scores queued ideas one at a time in list order while a model is ready. The queue is the store (persisted),
 * so a reload resumes it and a replaced worker loses nothing.
 */
export function startQueueRunner(client: ScorerClient): () => void {
  let running = false;
  const tick = async (): Promise<void> => {
    const state = useReferee.getState();
    if (running || state.model.state !== 'ready') return;
    const next = state.ideas.find((i) => i.status === 'queued');
    if (!next) return;
    running = true;
    const scored = { ...(next.title !== undefined ? { title: next.title } : {}), text: next.text };
    state.markScoring(next.id);
    const { settings } = state;
    const outcome = await client.score(scored, { profile: settings.profile, decision: settings });
    useReferee.getState().finish(next.id, outcome, scored);
    running = false;
    void tick();
  };
  const unsubscribe = useReferee.subscribe(() => void tick());
  void tick();
  return unsubscribe;
}
