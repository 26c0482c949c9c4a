/**
 * Leave-one-unit-out attribution: which parts of an idea move its score. Pure: the units of an idea, the idea
 * without one of them, and the deltas of two results. The engine scores the variants (QwenScorer.attribute).
 */
import type { IdeaInput } from './idea-input';

/** One part of an idea: the title, or a sentence of the text (its span in the text, end exclusive). */
export interface AttributionUnitSpan {
  readonly kind: 'title' | 'sentence';
  /** Offsets in the text (for the title, in the title). */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The title (when there is one) and each sentence of the text, as `Intl.Segmenter` cuts them (a sentence keeps
 * the spaces after it, so removing it leaves the rest exactly as written). Only units with letters or digits.
 */
export function attributionUnits(idea: IdeaInput, locale = 'en'): AttributionUnitSpan[] {
  const units: AttributionUnitSpan[] = [];
  if (idea.title && idea.title.trim()) units.push({ kind: 'title', start: 0, end: idea.title.length, text: idea.title });
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  for (const { segment, index } of segmenter.segment(idea.text)) {
    if (/[\p{L}\p{N}]/u.test(segment)) units.push({ kind: 'sentence', start: index, end: index + segment.length, text: segment });
  }
  return units;
}

/** The idea with one unit removed: the title dropped, or the sentence's span cut out of the text. */
export function withoutUnit(idea: IdeaInput, unit: AttributionUnitSpan): IdeaInput {
  const { title: _title, ...rest } = idea;
  if (unit.kind === 'title') return rest;
  return { ...idea, text: idea.text.slice(0, unit.start) + idea.text.slice(unit.end) };
}

/** The figures attribution compares (a ScoreResult's). */
export interface ScoreFigures {
  readonly greedy: { readonly score: number | null };
  readonly expected: number | null;
  readonly pAbove: number;
  readonly distribution: { readonly coverage: number };
}

/** Full minus without: how much the unit adds. Null where either side has no number. */
export function unitDelta(full: ScoreFigures, without: ScoreFigures): { greedy: number | null; expected: number | null; pAbove: number } {
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return { greedy: minus(full.greedy.score, without.greedy.score), expected: minus(full.expected, without.expected), pAbove: full.pAbove - without.pAbove };
}
