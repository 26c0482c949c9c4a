import { MarkedText, SignalsBadge, useIdeaSignals } from './IdeaSignals';
import { useMemo, useState } from 'react';
import { withSettings, type IdeaEntry } from '../scoring/idea-list';
import type { DecisionSettings } from '../scoring/score-stats';
import { DistributionChart } from './DistributionChart';
import { CalibratedPAccept, CalibrationNote } from './evaluate/CalibratedPAccept';
import { percent, score, twoDecimals } from './format';
import { useReferee } from './store';

type SortKey = 'order' | 'greedy' | 'expected' | 'pAbove';

const STATUS_LABEL: Record<IdeaEntry['status'], string> = {
  draft: 'not scored',
  queued: 'queued',
  scoring: 'scoring…',
  scored: 'scored',
  failed: 'failed',
};

function sortValue(idea: IdeaEntry, key: SortKey, settings: DecisionSettings): number {
  if (!idea.result) return -Infinity;
  const r = withSettings(idea.result, settings);
  return key === 'greedy' ? (r.greedy.score ?? -Infinity) : key === 'expected' ? (r.expected ?? -Infinity) : r.pAbove;
}

/** The ranked list: every idea with its scores, sortable by any score column. */
export function IdeasTable() {
  const ideas = useReferee((s) => s.ideas);
  const settings = useReferee((s) => s.settings);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'order', descending: false });
  const sorted = useMemo(() => {
    if (sort.key === 'order') return ideas;
    const factor = sort.descending ? -1 : 1;
    return [...ideas].sort((a, b) => factor * (sortValue(a, sort.key, settings) - sortValue(b, sort.key, settings)));
  }, [ideas, sort, settings]);

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

  if (ideas.length === 0) return <p className="empty">No ideas yet. Add one above.</p>;
  return (
    <div className="table-scroll">
      <table data-testid="ideas-table">
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
          {sorted.map((idea) => (
            <IdeaRow key={idea.id} idea={idea} position={ideas.indexOf(idea) + 1} settings={settings} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function IdeaRow({ idea, position, settings }: { idea: IdeaEntry; position: number; settings: DecisionSettings }) {
  const { queue, removeIdea, editIdea, toggleCompare } = useReferee.getState();
  const inCompare = useReferee((s) => s.compare.includes(idea.id));
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ title: idea.title ?? '', text: idea.text });
  const result = idea.result ? withSettings(idea.result, settings) : null;
  const name = idea.title ?? idea.text.slice(0, 40);
  const signals = useIdeaSignals(idea, idea.result, idea.stale === true);
  return (
    <tr data-testid="idea-row" data-idea-id={idea.id} data-status={idea.status}>
      <td>{position}</td>
      <td className="idea">
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!draft.text.trim()) return;
              editIdea(idea.id, draft);
              setEditing(false);
            }}
          >
            <input aria-label="Title" value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
            <textarea aria-label="Idea text" rows={4} value={draft.text} onChange={(e) => setDraft({ ...draft, text: e.target.value })} />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            {idea.title && (
              <strong data-testid="idea-title">
                <MarkedText text={idea.title} field="title" signals={signals} />
              </strong>
            )}
            <p data-testid="idea-text">
              <MarkedText text={idea.text} field="text" signals={signals} />
            </p>
            <SignalsBadge signals={signals} result={result} />
          </>
        )}
        <span className={`status ${idea.status}`} data-testid="status">
          {STATUS_LABEL[idea.status]}
          {idea.stale ? ' (edited since scored: the score is of the old text)' : ''}
        </span>
        {idea.result && (
          <span className="scored-by" data-testid="scored-by">
            {' '}
            · {idea.result.provenance.model.id}, {idea.result.provenance.model.dtype} on {idea.result.provenance.model.device},{' '}
            {(idea.result.provenance.milliseconds / 1000).toFixed(1)} s
          </span>
        )}
        {idea.error && (
          <p className="error" data-testid="idea-error">
            {idea.error.message}
          </p>
        )}
      </td>
      <td data-testid="greedy">{result ? score(result.greedy.score) : '—'}</td>
      <td data-testid="expected">
        {result ? `${twoDecimals(result.expected)}${result.spread !== null ? ` ± ${twoDecimals(result.spread)}` : ''}` : '—'}
      </td>
      <td data-testid="p-accept">
        {result ? percent(result.pAbove) : '—'}
        {idea.result && <CalibratedPAccept result={idea.result} />}
      </td>
      <td data-testid="decision">
        {result ? (result.decision.pass === null ? 'no score' : result.decision.pass ? 'pass' : 'fail') : '—'}
      </td>
      <td>{result && <DistributionChart result={result} threshold={settings.threshold} />}</td>
      <td className="row-actions">
        <button type="button" onClick={() => queue([idea.id])} disabled={idea.status === 'queued' || idea.status === 'scoring'} aria-label={`Score ${name}`}>
          {idea.result || idea.error ? 'Re-score' : 'Score'}
        </button>
        <button type="button" onClick={() => setEditing(true)} aria-label={`Edit ${name}`}>
          Edit
        </button>
        <label>
          <input type="checkbox" checked={inCompare} onChange={() => toggleCompare(idea.id)} aria-label={`Compare ${name}`} /> Compare
        </label>
        <button type="button" onClick={() => removeIdea(idea.id)} aria-label={`Remove ${name}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}
