import type { Counterfactual, ScoreResult } from './scored-idea';

/**
 * How far an idea's flagged text moved its score: the result with it, less the result without it. Moved when
 * the greedy or expected score changes by at least `threshold.points`, or P(accept) by `threshold.pAccept`.
 */
export function compareCounterfactual(
  withFlagged: ScoreResult,
  without: ScoreResult,
  threshold: { readonly points: number; readonly pAccept: number },
): Counterfactual {
  const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const delta = {
    greedy: difference(withFlagged.greedy.score, without.greedy.score),
    expected: difference(withFlagged.expected, without.expected),
    pAbove: withFlagged.pAbove - without.pAbove,
  };
  const moved =
    Math.abs(delta.greedy ?? 0) >= threshold.points ||
    Math.abs(delta.expected ?? 0) >= threshold.points ||
    Math.abs(delta.pAbove) >= threshold.pAccept ||
    // A score that appears or vanishes with the flagged text moved it as far as it can go.
    (withFlagged.greedy.score === null) !== (without.greedy.score === null);
  return {
    greedy: without.greedy.score,
    expected: without.expected,
    pAbove: without.pAbove,
    pass: without.decision.pass,
    delta,
    threshold: { points: threshold.points, pAccept: threshold.pAccept },
    moved,
  };
}

/** Whether the idea passes only because of its flagged text (the counterfactual check fails it). */
export function passDependsOnFlaggedText(result: ScoreResult): boolean {
  return result.decision.pass === true && result.counterfactual?.pass === false;
}

/** "the flagged text moved the score by +2.0 (expected) and P(accept) by +31 points", for a moved result. */
export function describeCounterfactual(counterfactual: Counterfactual): string {
  const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
  const parts = [
    counterfactual.delta.greedy !== null ? `greedy ${signed(counterfactual.delta.greedy, 1)}` : null,
    counterfactual.delta.expected !== null ? `expected ${signed(counterfactual.delta.expected, 2)}` : null,
    `P(accept) ${signed(counterfactual.delta.pAbove * 100, 0)} points`,
  ].filter(Boolean);
  return `${counterfactual.moved ? 'the flagged text moved the score' : 'the flagged text changed little'}: ${parts.join(', ')}`;
}
