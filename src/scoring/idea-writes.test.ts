import { describe, expect, it } from 'vitest';
import type { IdeaEntry } from './idea-list';
import { planIdeaWrites, restoreIdeaOrder } from './idea-writes';

const idea = (id: string, status: IdeaEntry['status'] = 'draft'): IdeaEntry => ({ id, text: `Idea ${id}.`, status });

describe('planIdeaWrites', () => {
  it('writes only the ideas whose object changed, the ids removed, and the order only when it moved', () => {
    const [a, b, c] = [idea('a'), idea('b'), idea('c')];
    const saved = new Map([a, b, c].map((i) => [i.id, i]));
    expect(planIdeaWrites(saved, ['a', 'b', 'c'], [a, b, c])).toEqual({ puts: [], deletes: [], order: null });

    const scored = { ...b, status: 'scored' as const };
    expect(planIdeaWrites(saved, ['a', 'b', 'c'], [a, scored, c])).toEqual({ puts: [scored], deletes: [], order: null });
    expect(planIdeaWrites(saved, ['a', 'b', 'c'], [a, c])).toEqual({ puts: [], deletes: ['b'], order: ['a', 'c'] });
    expect(planIdeaWrites(saved, ['a', 'b', 'c'], [c, a, b])).toEqual({ puts: [], deletes: [], order: ['c', 'a', 'b'] });
    const d = idea('d');
    expect(planIdeaWrites(saved, ['a', 'b', 'c'], [a, b, c, d])).toEqual({ puts: [d], deletes: [], order: ['a', 'b', 'c', 'd'] });
  });

  it('plans a 25,000-idea list with one change as one put', () => {
    const ideas = Array.from({ length: 25_000 }, (_, k) => idea(`i${k}`));
    const saved = new Map(ideas.map((i) => [i.id, i]));
    const next = ideas.slice();
    next[12_345] = { ...next[12_345]!, status: 'queued' };
    const plan = planIdeaWrites(saved, ideas.map((i) => i.id), next);
    expect(plan.puts.map((i) => i.id)).toEqual(['i12345']);
    expect(plan.order).toBeNull();
  });
});

describe('restoreIdeaOrder', () => {
  it('follows the saved order, keeps saved ideas the order misses, skips ids with no idea, and requeues one being scored', () => {
    const byId = new Map([idea('a'), idea('b', 'scoring'), idea('c', 'scored')].map((i) => [i.id, i]));
    const restored = restoreIdeaOrder(['c', 'gone', 'a'], byId);
    expect(restored.map((i) => [i.id, i.status])).toEqual([
      ['c', 'scored'],
      ['a', 'draft'],
      ['b', 'queued'],
    ]);
  });
});
