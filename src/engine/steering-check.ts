import { compareCounterfactual } from '../scoring/counterfactual';
import { gamingSignals, hasFlaggedSpans, withoutFlaggedSpans } from '../scoring/gaming-signals';
import type { IdeaInput } from '../scoring/idea-input';
import type { ScoreResult } from '../scoring/scored-idea';
import type { ScoreOptions } from './scorer-types';

/**
 * An idea's score with its gaming signals, and (when asked for) the counterfactual score of the idea without
 * its flagged spans: the same for every engine, local or remote. `controlStrings`: the tokenizer's added tokens.
 */
export async function scoreWithSignals(
  idea: IdeaInput,
  options: ScoreOptions,
  controlStrings: readonly string[],
  scoreText: (idea: IdeaInput) => Promise<ScoreResult>,
): Promise<ScoreResult> {
  const result = await scoreText(idea);
  const signals = gamingSignals(idea, controlStrings);
  if (!options.counterfactual || !hasFlaggedSpans(signals)) return { ...result, signals };
  const stripped = withoutFlaggedSpans(idea, signals);
  const counterfactual = stripped.text ? compareCounterfactual(result, await scoreText(stripped), options.counterfactual) : undefined;
  return { ...result, signals, ...(counterfactual ? { counterfactual } : {}) };
}
