import { decide, distributionStats, pAbove, type ScoreDistribution } from '../scoring/score-stats';
import type { IdeaInput } from '../scoring/idea-input';
import type { Provenance, ScoredIdea, ScoreResult } from '../scoring/scored-idea';
import type { ScoreOptions, ScoreOutcome } from './scorer-types';

export const APP_VERSION = '0.1.0';

/** What a scoring run found, before the settings decide: the parts every engine (local or remote) produces. */
export interface ScoreParts {
  readonly greedyAnswer: string;
  readonly greedyScore: number | null;
  readonly distribution: ScoreDistribution;
  readonly readout: 'forced' | 'decoded' | 'none';
  readonly tokens: ScoreResult['provenance']['tokens'];
  readonly forwardPasses: number;
  readonly milliseconds: number;
}

/** A ScoreResult from its parts: statistics, P(accept) and the decision under the options, and the provenance. */
export function buildScoreResult(parts: ScoreParts, options: ScoreOptions, model: Provenance['model']): ScoreResult {
  const { threshold, comparison } = options.decision;
  return {
    greedy: { score: parts.greedyScore, answer: parts.greedyAnswer },
    distribution: { entries: [...parts.distribution.entries], coverage: parts.distribution.coverage },
    ...distributionStats(parts.distribution),
    pAbove: pAbove(parts.distribution, threshold, comparison),
    decision: decide(parts.greedyScore, parts.distribution, options.decision),
    provenance: {
      model,
      profile: options.profile,
      ideaControlTokens: options.tokenizeSpecialsInText ? 'as-control' : 'as-text',
      app: { name: 'referee', version: APP_VERSION },
      tokens: parts.tokens,
      forwardPasses: parts.forwardPasses,
      readout: parts.readout,
      milliseconds: parts.milliseconds,
      scoredAt: new Date().toISOString(),
    },
  };
}

/** An idea and its scoring's outcome as one record of the export schema (`id` names it there). */
export function scoredIdeaRecord(idea: IdeaInput, id: string, outcome: ScoreOutcome): ScoredIdea {
  return {
    id,
    ...(idea.title !== undefined ? { title: idea.title } : {}),
    text: idea.text,
    ...(outcome.ok ? { status: 'scored' as const, result: outcome.result } : { status: 'failed' as const, error: outcome.error }),
  };
}
