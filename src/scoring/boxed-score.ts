/** The original evaluation's rule: the first `\boxed{<number>}` in the answer, accepted when 0 ≤ x ≤ 10. */
const BOXED = /\\boxed\{(\d*\.?\d*)\}/;

export const BOX_OPENING = '\\boxed{';

/** The score the paper would report for an answer text, or null ("no score", −1 in the original). */
export function parseBoxedScore(answer: string): number | null {
  const match = BOXED.exec(answer);
  if (!match) return null;
  const digits = match[1]!;
  // Python's float() rejects "" and "."; Number() would read "" as 0.
  if (!/\d/.test(digits)) return null;
  const value = Number(digits);
  return value >= 0 && value <= 10 ? value : null;
}

/**
 * For text the model writes inside the box, one character at a time: whether it can still grow into a
 * number the rule above accepts (digits, at most one dot).
 */
export function isNumberPrefix(inside: string): boolean {
  return /^\d*\.?\d*$/.test(inside);
}
