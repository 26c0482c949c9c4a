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
