import { describe, expect, it } from 'vitest';
import { isNumberPrefix, parseBoxedScore } from './boxed-score';

describe("the original's boxed-score rule", () => {
  it.each([
    ['\\boxed{7.5}', 7.5],
    ['The proposal is solid. \\boxed{6}', 6],
    ['\\boxed{10}', 10],
    ['\\boxed{0}', 0],
    ['\\boxed{5.}', 5],
    ['\\boxed{.5}', 0.5],
    ['first \\boxed{4} then \\boxed{9}', 4],
    ['\\boxed{x} later \\boxed{8}', 8],
  ])('%j → %s', (answer, score) => expect(parseBoxedScore(answer)).toBe(score));

  it.each(['no box', '\\boxed{}', '\\boxed{.}', '\\boxed{11}', '\\boxed{10.5}', '\\boxed{7/10}', '\\boxed{ 7}', '\\boxed{-1}'])(
    '%j → no score',
    (answer) => expect(parseBoxedScore(answer)).toBeNull(),
  );

  it('tells which box contents can still grow into a number', () => {
    expect(['', '7', '7.', '7.5', '.', '10'].every(isNumberPrefix)).toBe(true);
    expect(['7..', '7.5.', 'a', ' 7', '7}'].some(isNumberPrefix)).toBe(false);
  });
});
