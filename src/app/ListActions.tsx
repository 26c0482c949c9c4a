import { exportCsv, exportJson, exportJsonl } from '../scoring/idea-list';
import { useShownCalibrator } from './evaluate/CalibratedPAccept';
import { useReferee } from './store';

function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Score, cancel, export, clear. */
export function ListActions() {
  const ideas = useReferee((s) => s.ideas);
  const { queue, cancelQueue, clearIdeas } = useReferee.getState();
  const settings = useReferee((s) => s.settings);
  // Calibrated P(accept) goes into the exports only when the user opted in (with the calibrator that made it).
  const calibrator = useShownCalibrator();
  const waiting = ideas.filter((i) => i.status === 'queued' || i.status === 'scoring').length;
  const unscored = ideas.filter((i) => i.status === 'draft' || i.status === 'failed' || i.stale);
  const done = ideas.filter((i) => i.status === 'scored').length;
  const stamp = new Date().toISOString().slice(0, 10);
  return (
    <section className="panel list-actions" aria-label="List actions">
      <p data-testid="progress" aria-live="polite">
        {done} of {ideas.length} scored{waiting ? ` · ${waiting} in the queue` : ''}
      </p>
      <button type="button" disabled={unscored.length === 0} onClick={() => queue(unscored.map((i) => i.id))}>
        Score all unscored ({unscored.length})
      </button>
      <button type="button" disabled={waiting === 0} onClick={cancelQueue}>
        Cancel the queue
      </button>
      <button type="button" disabled={done === 0} onClick={() => download(`referee-${stamp}.json`, 'application/json', JSON.stringify(exportJson(ideas, settings, new Date(), calibrator), null, 2))}>
        Export JSON
      </button>
      <button type="button" disabled={done === 0} onClick={() => download(`referee-${stamp}.jsonl`, 'application/x-ndjson', exportJsonl(ideas, settings, calibrator))}>
        Export JSONL
      </button>
      <button type="button" disabled={done === 0} onClick={() => download(`referee-${stamp}.csv`, 'text/csv', exportCsv(ideas, settings, calibrator))}>
        Export CSV
      </button>
      <button type="button" disabled={ideas.length === 0} onClick={() => window.confirm('Remove every idea from the list?') && clearIdeas()}>
        Clear the list
      </button>
    </section>
  );
}
