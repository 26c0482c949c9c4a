import type { Engine } from '../../engine/engine';
import type { ScoreOptions, ScoreOutcome } from '../../engine/scorer-types';
import type { IdeaInput } from '../../scoring/idea-input';
import { pageDiagnostics } from '../../engine/diagnostics';

/** One queued idea, as a queue hands it to the runner, with the queue's own bookkeeping for it. */
export interface QueueJob {
  /** Unique across the queues the runner serves. */
  readonly key: string;
  readonly idea: IdeaInput;
  readonly options: Partial<ScoreOptions>;
  markScoring(): void;
  /** Puts the idea back in its queue (its run was cut short by a runtime failure). */
  requeue(): void;
  finish(outcome: ScoreOutcome): void;
}

/** A persisted queue of ideas to score (the ideas list, the labelled set of the Evaluate panel). */
export interface ScoringQueue {
  next(): QueueJob | null;
  subscribe(listener: () => void): () => void;
}

export interface QueueRunnerHooks {
  /** Whether a model is ready to score. */
  modelReady(): boolean;
  subscribeModel(listener: () => void): () => void;
  /** The runtime broke while scoring (a lost GPU device, out of memory): load the model again. */
  onRuntimeFailure(message: string): void;
}

/**
 * Benchmarks cap greedy decoding with `maxNewTokens` in the page's diagnostic settings (set before the page
 * loads): a random-weight model never writes the box and would otherwise decode 1000 tokens per idea.
 */
function benchmarkCap(): { maxNewTokens?: number } {
  const value = pageDiagnostics().maxNewTokens;
  return typeof value === 'number' && value > 0 ? { maxNewTokens: value } : {};
}

/**
 * The page's one queue runner: scores queued ideas one at a time while a model is ready, taking from the
 * queues in the order given (the ideas list before the labelled set). The queues are persisted stores, so
 * a reload resumes them and a replaced worker loses nothing. Every queue gets the same failure rule: a
 * runtime failure puts the idea back and reloads the model; a second failure in a row marks it failed.
 */
export function startQueueRunner(engine: Pick<Engine, 'score'>, queues: readonly ScoringQueue[], hooks: QueueRunnerHooks): () => void {
  let running = false;
  /** Ideas already given a second try after a runtime failure. */
  const retried = new Set<string>();
  const nextJob = (): QueueJob | null => {
    for (const queue of queues) {
      const job = queue.next();
      if (job) return job;
    }
    return null;
  };
  const tick = async (): Promise<void> => {
    if (running || !hooks.modelReady()) return;
    const job = nextJob();
    if (!job) return;
    running = true;
    job.markScoring();
    const outcome = await engine.score(job.idea, { ...job.options, ...benchmarkCap() });
    // `running` stays set while the stores change, so their listeners do not start the next run early: after
    // a failure, not before the model is marked as loading again.
    if (!outcome.ok && outcome.error.code === 'model-error' && !retried.has(job.key)) {
      retried.add(job.key);
      job.requeue();
      hooks.onRuntimeFailure(outcome.error.message);
      running = false;
      return;
    }
    retried.delete(job.key);
    job.finish(outcome);
    running = false;
    void tick();
  };
  const listen = () => void tick();
  const unsubscribe = [...queues.map((q) => q.subscribe(listen)), hooks.subscribeModel(listen)];
  void tick();
  return () => unsubscribe.forEach((stop) => stop());
}
