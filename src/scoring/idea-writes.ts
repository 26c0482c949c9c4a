import type { IdeaEntry } from './idea-list';

/** What one save of the ideas list writes: the ideas whose object changed, the ids gone, the order if it moved. */
export interface IdeaWrites {
  readonly puts: IdeaEntry[];
  readonly deletes: string[];
  /** The ids in list order, or null when the order is the one saved last. */
  readonly order: string[] | null;
}

/**
 * The difference between the list as last saved and the list now, found by object identity: the store
 * replaces an idea's object whenever it changes, so an unchanged object needs no write. O(n) with no
 * serialisation, so it stays cheap on every change of a 25,000-idea list.
 */
export function planIdeaWrites(saved: ReadonlyMap<string, IdeaEntry>, savedOrder: readonly string[], ideas: readonly IdeaEntry[]): IdeaWrites {
  const puts: IdeaEntry[] = [];
  let stillSaved = 0;
  let orderChanged = savedOrder.length !== ideas.length;
  for (let index = 0; index < ideas.length; index++) {
    const idea = ideas[index]!;
    const before = saved.get(idea.id);
    if (before !== undefined) stillSaved += 1;
    if (before !== idea) puts.push(idea);
    if (!orderChanged && savedOrder[index] !== idea.id) orderChanged = true;
  }
  // Only when some saved idea is gone is the set of present ids built (the common case allocates nothing).
  let deletes: string[] = [];
  if (stillSaved < saved.size) {
    const present = new Set(ideas.map((i) => i.id));
    deletes = [...saved.keys()].filter((id) => !present.has(id));
  }
  return { puts, deletes, order: orderChanged ? ideas.map((i) => i.id) : null };
}

/**
 * The saved list in order: the ideas the saved order names, then any saved idea it misses (a save cut
 * short between its chunks loses nothing). An idea that was being scored when the page closed is queued
 * again.
 */
export function restoreIdeaOrder(order: readonly string[], byId: ReadonlyMap<string, IdeaEntry>): IdeaEntry[] {
  const placed = new Set<string>();
  const ideas: IdeaEntry[] = [];
  const take = (idea: IdeaEntry | undefined) => {
    if (!idea || placed.has(idea.id)) return;
    placed.add(idea.id);
    ideas.push(idea.status === 'scoring' ? { ...idea, status: 'queued' } : idea);
  };
  for (const id of order) take(byId.get(id));
  for (const idea of byId.values()) take(idea);
  return ideas;
}
