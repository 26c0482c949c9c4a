import { memo, useState } from 'react';
import { withSettings, type IdeaEntry } from '../../scoring/idea-list';
import type { DecisionSettings } from '../../scoring/score-stats';
import { isWaiting } from '../../scoring/scored-idea';
import { AttributionView } from './AttributionView';
import { CollapsibleText } from './CollapsibleText';
import { DistributionChart } from './DistributionChart';
import { CalibratedPAccept } from '../evaluate/CalibratedPAccept';
import { percent, score, twoDecimals } from '../format';
import { MarkedText, SignalsBadge, useIdeaSignals } from './IdeaSignals';
import { useReferee } from '../store';

const STATUS_LABEL: Record<IdeaEntry['status'], string> = {
  draft: 'not scored',
  queued: 'queued',
  scoring: 'scoring…',
  scored: 'scored',
  failed: 'failed',
};

export interface IdeaRowProps {
  idea: IdeaEntry;
  position: number;
  /** The row's index among the rows shown, for the virtualizer's measurement. */
  rowIndex: number;
  measure: (element: Element | null) => void;
  settings: DecisionSettings;
}

/** One idea in the table: its text (editable), scores, chart and actions; measured by the virtualizer. */
export const IdeaRow = memo(function IdeaRow({ idea, position, rowIndex, measure, settings }: IdeaRowProps) {
  const { queue, removeIdea, editIdea, toggleCompare } = useReferee.getState();
  const inCompare = useReferee((s) => s.compare.includes(idea.id));
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ title: idea.title ?? '', text: idea.text });
  const result = idea.result ? withSettings(idea.result, settings) : null;
  const name = idea.title ?? idea.text.slice(0, 40);
  const signals = useIdeaSignals(idea, idea.result, idea.stale === true);
  return (
    <tr data-testid="idea-row" data-idea-id={idea.id} data-status={idea.status} data-index={rowIndex} ref={measure} aria-rowindex={rowIndex + 2}>
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
            <CollapsibleText text={idea.text} testId="idea-text">
              <MarkedText text={idea.text} field="text" signals={signals} />
            </CollapsibleText>
            <SignalsBadge signals={signals} result={result} />
            {idea.result?.attribution && <AttributionView attribution={idea.result.attribution} stale={idea.stale === true} />}
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
        <button type="button" onClick={() => queue([idea.id])} disabled={isWaiting(idea)} aria-label={`Score ${name}`}>
          {idea.result || idea.error ? 'Re-score' : 'Score'}
        </button>
        <button
          type="button"
          onClick={() => queue([idea.id], { explain: true })}
          disabled={!idea.result || isWaiting(idea)}
          aria-label={`Explain ${name}`}
          title="Score the idea again without each sentence (and its title) to see what each adds"
        >
          {idea.status === 'queued' && idea.explain ? 'Explaining…' : 'Explain'}
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
});
