import { DEFAULT_SCORE_OPTIONS } from '../../src/engine/qwen-scorer';
import { buildScoreResult } from '../../src/engine/score-result';
import { makeDistribution, type ScoreMass } from '../../src/scoring/score-stats';
import type { Provenance, ScoreResult } from '../../src/scoring/scored-idea';

/**
 * A ScoreResult built as the engines build theirs (`buildScoreResult`, default options: the paper's prompt
 * and threshold), for tests of what reads one: a forced readout of the given distribution, at a fixed time.
 */
export function scoreResultOf(masses: readonly ScoreMass[], greedyScore: number, model: Provenance['model'], scoredAt: string): ScoreResult {
  const built = buildScoreResult(
    {
      greedyAnswer: `\\boxed{${greedyScore}}`,
      greedyScore,
      distribution: makeDistribution(masses),
      readout: 'forced',
      tokens: { prompt: 10, prefilled: 10, reusedPrefix: 0, decodedBeforeBox: 0 },
      forwardPasses: 4,
      milliseconds: 5,
    },
    DEFAULT_SCORE_OPTIONS,
    model,
  );
  return { ...built, provenance: { ...built.provenance, scoredAt } };
}
