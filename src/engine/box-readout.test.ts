import { describe, expect, it } from 'vitest';
import { walkBox, type ReadoutCandidate, type ReadoutNode, type ReadoutStep } from './box-readout';

const TOKEN = { seven: 7, five: 5, dot: 10, close: 11 } as const;

/**
 * A tiny next-token source: after the box opens, "7" (0.6, greedy) or "5" (0.4); after "7" the box closes;
 * after "5" comes "." and then a close. Each level read is recorded.
 */
function source(levels: string[][]) {
  const next = async (level: ReadonlyArray<ReadoutNode<null>>): Promise<ReadoutStep<null>[]> => {
    levels.push(level.map((node) => node.text));
    return level.map((node) => {
      const candidates: ReadoutCandidate[] =
        node.text === ''
          ? [
              { token: TOKEN.seven, role: { continues: '7' }, probability: 0.6 },
              { token: TOKEN.five, role: { continues: '5' }, probability: 0.4 },
            ]
          : node.text === '5'
            ? [{ token: TOKEN.dot, role: { continues: '.' }, probability: 1 }]
            : [{ token: TOKEN.close, role: { closes: '' }, probability: 1 }];
      const best = node.text === '' ? TOKEN.seven : node.text === '5' ? TOKEN.dot : TOKEN.close;
      return { candidates, best, handle: null };
    });
  };
  return next;
}

describe('the readout walker', () => {
  it('reads every score within the budget, the greedy path first', async () => {
    const levels: string[][] = [];
    const read = await walkBox(source(levels), { minProbability: 0.01, maxForwards: 10 });
    expect(read.distribution.entries).toEqual([
      { score: 5, probability: 0.4 },
      { score: 7, probability: 0.6 },
    ]);
    expect(read.greedy).toMatchObject({ text: '7', closed: true });
    expect(levels).toEqual([[''], ['7', '5'], ['5.']]);
  });

  it('stops when the greedy path has closed and the budget is spent, instead of reading an empty level', async () => {
    const levels: string[][] = [];
    // One continuation off the greedy path ("5"); its child "5." is over budget, and the greedy "7" closed.
    const read = await walkBox(source(levels), { minProbability: 0.01, maxForwards: 1 });
    expect(levels).toEqual([[''], ['7', '5']]);
    expect(read.distribution.entries).toEqual([{ score: 7, probability: 0.6 }]);
    expect(read.distribution.coverage).toBeCloseTo(0.6, 12);
  });
});
