import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { withSettings, type IdeaEntry } from '../../scoring/idea-list';
import type { DecisionSettings } from '../../scoring/score-stats';
import { ScoreGlossary } from './ScoreGlossary';
import { IdeaRow } from './IdeaRow';
import { CalibrationNote } from '../evaluate/CalibratedPAccept';
import { useReferee } from '../store';

type SortKey = 'order' | 'greedy' | 'expected' | 'pAbove';

function sortValue(idea: IdeaEntry, key: SortKey, settings: DecisionSettings): number {
  if (!idea.result) return -Infinity;
  const r = withSettings(idea.result, settings);
  return key === 'greedy' ? (r.greedy.score ?? -Infinity) : key === 'expected' ? (r.expected ?? -Infinity) : r.pAbove;
}

/**
 * Sorted by a score column. Each idea's sort value is computed once per (column, settings) and kept by
 * object: while a queue runs, one idea changes at a time and the other 24,999 values are reused.
 */
function sortIdeas(ideas: readonly IdeaEntry[], key: SortKey, descending: boolean, settings: DecisionSettings, values: WeakMap<IdeaEntry, number>): readonly IdeaEntry[] {
  if (key === 'order') return ideas;
  const factor = descending ? -1 : 1;
  const keyed = ideas.map((idea, index) => {
    let value = values.get(idea);
    if (value === undefined) values.set(idea, (value = sortValue(idea, key, settings)));
    return { idea, index, value };
  });
  // Ties (and unscored ideas) keep list order, whichever way the column is sorted.
  keyed.sort((a, b) => (a.value === b.value ? a.index - b.index : factor * (a.value > b.value ? 1 : -1)));
  return keyed.map((k) => k.idea);
}

function matches(idea: IdeaEntry, needle: string): boolean {
  return idea.text.toLowerCase().includes(needle) || (idea.title?.toLowerCase().includes(needle) ?? false);
}

/** Rows drawn beyond the visible ones, above and below: enough that short lists are drawn whole. */
const OVERSCAN = 12;

/**
 * The ranked list: every idea with its scores, sortable by any score column and filterable by text. Only
 * the rows in view are in the page (TanStack Virtual), so 25,000 ideas scroll, sort and update as 20 do.
 */
export function IdeasTable() {
  const ideas = useReferee((s) => s.ideas);
  const loaded = useReferee((s) => s.ideasLoaded);
  const settings = useReferee((s) => s.settings);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'order', descending: false });
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter.trim().toLowerCase());
  const inListOrder = sort.key === 'order' && !deferredFilter;
  // A row's number is its place in the list: its index when the list is shown in order, else looked up.
  const positions = useMemo(() => (inListOrder ? null : new Map(ideas.map((idea, index) => [idea.id, index + 1]))), [ideas, inListOrder]);
  // A new cache whenever the column or the settings change.
  const sortValues = useMemo(() => new WeakMap<IdeaEntry, number>(), [sort.key, settings]);
  const shown = useMemo(() => {
    const sorted = sortIdeas(ideas, sort.key, sort.descending, settings, sortValues);
    return deferredFilter ? sorted.filter((idea) => matches(idea, deferredFilter)) : sorted;
  }, [ideas, sort, settings, sortValues, deferredFilter]);
  const scroller = useRef<HTMLDivElement>(null);
  // The virtualizer recomputes every row's offset (25,000 objects) whenever getItemKey changes. In list
  // order only an added or removed idea moves rows; a score arriving does not, so the key function stays.
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const layoutVersion: unknown = inListOrder ? shown.length : shown;
  const getItemKey = useCallback((index: number) => shownRef.current[index]!.id, [layoutVersion]);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 140,
    overscan: OVERSCAN,
    getItemKey,
    // Before the first measurement (and in a hidden tab) draw the first rows rather than none.
    initialRect: { width: 1200, height: 1600 },
  });

  const header = (key: SortKey, label: string) => {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" onClick={() => setSort({ key, descending: active ? !sort.descending : key !== 'order' })}>
          {label}
          {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
        </button>
      </th>
    );
  };

  if (!loaded && ideas.length === 0) return <p className="empty" data-testid="list-loading">Loading your saved ideas…</p>;
  if (ideas.length === 0) return <p className="empty">No ideas yet. Add one above, or try the sample ideas.</p>;
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;
  return (
    <section className="ideas-list" id="your-ideas" aria-label="Your ideas">
      {ideas.length > 1 && (
        <label className="list-filter">
          Find{' '}
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="words in the title or text" aria-label="Find ideas" />
          {deferredFilter && <span data-testid="filter-count"> {shown.length} of {ideas.length} ideas</span>}
        </label>
      )}
      <ScoreGlossary />
      <div className="table-scroll" ref={scroller} data-testid="ideas-scroll">
        <table data-testid="ideas-table" aria-rowcount={shown.length + 1}>
          <caption>
            Your ideas. P(accept) is the model's probability of a score {settings.comparison === '>' ? 'above' : 'at least'} {settings.threshold}, not
            calibrated odds of acceptance.
            <CalibrationNote />
          </caption>
          <thead>
            <tr>
              {header('order', '#')}
              <th scope="col">Idea</th>
              {header('greedy', 'Greedy score')}
              {header('expected', 'Expected ± spread')}
              {header('pAbove', 'P(accept)')}
              <th scope="col">Decision</th>
              <th scope="col">Distribution</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {before > 0 && <tr aria-hidden="true" style={{ height: before }} />}
            {items.map((item) => {
              const idea = shown[item.index]!;
              return (
                <IdeaRow
                  key={idea.id}
                  idea={idea}
                  position={positions ? (positions.get(idea.id) ?? 0) : item.index + 1}
                  rowIndex={item.index}
                  measure={virtualizer.measureElement}
                  settings={settings}
                />
              );
            })}
            {after > 0 && <tr aria-hidden="true" style={{ height: after }} />}
          </tbody>
        </table>
      </div>
    </section>
  );
}
