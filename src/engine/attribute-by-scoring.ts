import { attributionUnits, unitDelta, withoutUnit } from '../scoring/attribution';
import type { IdeaInput } from '../scoring/idea-input';
import type { AttributionUnit, IdeaError, ScoreResult } from '../scoring/scored-idea';
import type { ScoreOptions, ScoreOutcome } from './scorer-types';

/**
 * `full` (the idea's result) with leave-one-out attribution: the idea without each unit (its title, each
 * sentence), as `scoreVariant` scores it. Units whose removal would leave no text are not reported. Throws
 * what `scoreVariant` throws.
 */
export async function withAttribution(idea: IdeaInput, full: ScoreResult, scoreVariant: (variant: IdeaInput) => Promise<ScoreResult>): Promise<ScoreResult> {
  const attribution: AttributionUnit[] = [];
  for (const unit of attributionUnits(idea)) {
    const variant = withoutUnit(idea, unit);
    if (variant.text.trim() === '') continue;
    const without = await scoreVariant(variant);
    attribution.push({
      ...unit,
      without: { greedy: without.greedy.score, expected: without.expected, pAbove: without.pAbove, coverage: without.distribution.coverage },
      delta: unitDelta(full, without),
      reusedTokens: without.provenance.tokens.reusedPrefix,
    });
  }
  return { ...full, attribution };
}

/** A variant that could not be scored: its outcome is the attribution's. */
class VariantFailed extends Error {
  constructor(readonly error: IdeaError) {
    super(error.message);
  }
}

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
  try {
    const result = await withAttribution(idea, full.result, async (variant) => {
      const without = await score(variant, { ...options, counterfactual: null, attribute: false });
      if (!without.ok) throw new VariantFailed(without.error);
      return without.result;
    });
    return { ok: true, result };
  } catch (error) {
    if (error instanceof VariantFailed) return { ok: false, error: error.error };
    throw error;
  }
}
