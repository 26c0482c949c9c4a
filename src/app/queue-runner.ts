import type { ScorerClient } from '../worker/scorer-client';
import { useReferee } from './store';

/**
 * Benchmarks cap greedy decoding with `window.refereeDiagnostics = { maxNewTokens: 3 }` (set before the page
 * loads): a random-weight model never writes the box and would otherwise decode 1000 tokens per idea.
 */
function benchmarkCap(): { maxNewTokens?: number } {
  const value = (globalThis as { refereeDiagnostics?: { maxNewTokens?: unknown } }).refereeDiagnostics?.maxNewTokens;
  return typeof value === 'number' && value > 0 ? { maxNewTokens: value } : {};
}

/**
 * Scores queued ideas one at a time in list order while a model is ready. The queue is the store (persisted),
 * so a reload resumes it and a replaced worker loses nothing.
 */
export function startQueueRunner(client: ScorerClient, hooks: { onRuntimeFailure(message: string): void }): () => void {
  let running = false;
  /** Ideas already given a second try after a runtime failure: a second failure marks them failed. */
  const retried = new Set<string>();
  const tick = async (): Promise<void> => {
    const state = useReferee.getState();
    if (running || state.model.state !== 'ready') return;
    const next = state.ideas.find((i) => i.status === 'queued');
    if (!next) return;
    running = true;
    const scored = { ...(next.title !== undefined ? { title: next.title } : {}), text: next.text };
    state.markScoring(next.id);
    const { settings } = state;
    const outcome = await client.score(scored, { profile: settings.profile, decision: settings, ...benchmarkCap() });
    if (!outcome.ok && outcome.error.code === 'model-error' && !retried.has(next.id)) {
      // The runtime broke (a lost GPU device, out of memory): the idea goes back in the queue, the model is
      // loaded again in a fresh worker, and scoring resumes when it is ready.
      retried.add(next.id);
      useReferee.getState().requeue(next.id);
      running = false;
      hooks.onRuntimeFailure(outcome.error.message);
      return;
    }
    retried.delete(next.id);
    useReferee.getState().finish(next.id, outcome, scored);
    running = false;
    void tick();
  };
  const unsubscribe = useReferee.subscribe(() => void tick());
  void tick();
  return unsubscribe;
}
