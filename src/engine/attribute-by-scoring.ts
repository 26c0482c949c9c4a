import { attributionUnits, unitDelta, withoutUnit } from '../scoring/attribution';
import type { IdeaInput } from '../scoring/idea-input';
import type { AttributionUnit } from '../scoring/scored-idea';
import type { ScoreOptions, ScoreOutcome } from './scorer-types';

/**
 * Leave-one-out attribution by ordinary scorings, one per unit (for a scorer that keeps no cache to reuse: a
 * completions server). The local engine's QwenScorer.attribute gives the same numbers with less prefill.
 */
export async function attributeByScoring(
  score: (idea: IdeaInput, options: Partial<ScoreOptions>) => Promise<ScoreOutcome>,
  idea: IdeaInput,
  options: Partial<ScoreOptions>,
): Promise<ScoreOutcome> {
  const full = await score(idea, { ...options, attribute: false });
  if (!full.ok) return full;
  const attribution: AttributionUnit[] = [];
  for (const unit of attributionUnits(idea)) {
    const variant = withoutUnit(idea, unit);
    if (variant.text.trim() === '') continue;
    const without = await score(variant, { ...options, counterfactual: null, attribute: false });
    if (!without.ok) return without;
    const r = without.result;
    attribution.push({
      ...unit,
      without: { greedy: r.greedy.score, expected: r.expected, pAbove: r.pAbove, coverage: r.distribution.coverage },
      delta: unitDelta(full.result, r),
      reusedTokens: 0,
    });
  }
  return { ok: true, result: { ...full.result, attribution } };
}
