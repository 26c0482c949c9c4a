import type { IdeaInput } from '../scoring/idea-input';
import type { ScoreAllHooks, ScoreOptions, ScoreOutcome } from './scorer-types';

/** `Scorer.scoreAll` in terms of `score`: in order, each outcome reported as it lands, stopping between ideas on abort. */
export async function scoreInOrder(
  score: (idea: IdeaInput, options: Partial<ScoreOptions>) => Promise<ScoreOutcome>,
  ideas: readonly IdeaInput[],
  options: Partial<ScoreOptions> & ScoreAllHooks,
): Promise<ScoreOutcome[]> {
  const outcomes: ScoreOutcome[] = [];
  for (const [index, idea] of ideas.entries()) {
    if (options.signal?.aborted) break;
    const outcome = await score(idea, options);
    outcomes.push(outcome);
    options.onResult?.(index, outcome);
  }
  return outcomes;
}

/**
 * Scores with up to `concurrency` ideas in flight (a server answers them in parallel), reporting each
 * outcome in input order as soon as it and every idea before it are done.
 */
export async function scoreConcurrently(
  score: (idea: IdeaInput) => Promise<ScoreOutcome>,
  ideas: readonly IdeaInput[],
  concurrency: number,
  onResult: (index: number, outcome: ScoreOutcome) => void,
): Promise<void> {
  const done = new Map<number, ScoreOutcome>();
  let next = 0;
  let reported = 0;
  const report = () => {
    while (done.has(reported)) {
      onResult(reported, done.get(reported)!);
      done.delete(reported);
      reported++;
    }
  };
  const worker = async () => {
    while (next < ideas.length) {
      const index = next++;
      done.set(index, await score(ideas[index]!));
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ideas.length)) }, worker));
}
