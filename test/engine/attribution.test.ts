import { env } from '@huggingface/transformers';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScorer } from '../../src/engine/load-scorer';
import type { QwenScorer } from '../../src/engine/qwen-scorer';
import type { ScoreOutcome } from '../../src/engine/scorer-types';
import { attributionUnits, withoutUnit } from '../../src/scoring/attribution';
import { ScoreResultSchema, type ScoreResult } from '../../src/scoring/scored-idea';

const FIXTURES = resolve('.fixtures');
/** Four sentences; "!Yet" has no space, so the tokens at that boundary change when a neighbour is removed. */
const IDEA = {
  title: 'Sparse experts for small models',
  text: 'Route each token to 2 of 64 small experts. A 1B model then keeps the compute of a 300M one!Yet its quality matches the dense 1B model. We test on C4 and on code.',
};

function scored(outcome: ScoreOutcome): ScoreResult {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}

describe('leave-one-out attribution', () => {
  let scorer: QwenScorer;
  beforeAll(async () => {
    Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${FIXTURES}/` });
    scorer = await loadScorer('tiny-varied-qwen2', { dtype: 'fp32', device: 'cpu' });
  });
  afterAll(() => scorer.dispose());

  it('cuts the idea into its title and sentences, spans exact, removal leaving the rest as written', () => {
    const units = attributionUnits(IDEA);
    expect(units.map((u) => u.kind)).toEqual(['title', 'sentence', 'sentence', 'sentence', 'sentence']);
    for (const unit of units.slice(1)) expect(IDEA.text.slice(unit.start, unit.end)).toBe(unit.text);
    expect(withoutUnit(IDEA, units[2]!).text).toBe('Route each token to 2 of 64 small experts. Yet its quality matches the dense 1B model. We test on C4 and on code.');
    expect(withoutUnit(IDEA, units[0]!)).toEqual({ text: IDEA.text });
  });

  it('each delta equals two independent scorings (1e-5), while each variant reuses the full prompt’s cache up to where it differs', async () => {
    const result = scored(await scorer.attribute(IDEA));
    expect(ScoreResultSchema.parse(result).attribution).toHaveLength(5);
    const full = scored(await scorer.score(IDEA));
    expect(Math.abs(result.pAbove - full.pAbove)).toBeLessThanOrEqual(1e-6);
    const units = attributionUnits(IDEA);
    for (const [i, unit] of result.attribution!.entries()) {
      const alone = scored(await scorer.score(withoutUnit(IDEA, units[i]!)));
      expect(unit.without.greedy, `unit ${i} greedy`).toBe(alone.greedy.score);
      expect(Math.abs(unit.without.pAbove - alone.pAbove), `unit ${i} P(accept)`).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(unit.without.expected! - alone.expected!), `unit ${i} expected`).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(unit.delta.pAbove - (full.pAbove - alone.pAbove))).toBeLessThanOrEqual(1e-5);
    }
    // The later the sentence, the more of the full prompt's cache its variant reuses.
    const reused = result.attribution!.map((u) => u.reusedTokens);
    expect(reused[4]!).toBeGreaterThan(reused[1]!);
    expect(reused[1]!).toBeGreaterThan(reused[0]!);
  });
});
