import { exportCsv, exportJson, exportJsonl, queueProgress } from '../scoring/idea-list';
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

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Score, cancel, export (every idea, with its status), clear; the queue's progress and time left. */
export function ListActions() {
  const ideas = useReferee((s) => s.ideas);
  const { queue, cancelQueue, clearIdeas } = useReferee.getState();
  const settings = useReferee((s) => s.settings);
  // Calibrated P(accept) goes into the exports only when the user opted in (with the calibrator that made it).
  const calibrator = useShownCalibrator();
  const { scored: done, waiting, secondsLeft } = queueProgress(ideas);
  const unscored = ideas.filter((i) => i.status === 'draft' || i.status === 'failed' || i.stale);
  const stamp = new Date().toISOString().slice(0, 10);
  return (
    <section className="panel list-actions" aria-label="List actions">
      <p data-testid="progress" aria-live="polite">
        {done} of {ideas.length} scored{waiting ? ` · ${waiting} in the queue` : ''}
        {secondsLeft !== null && <span data-testid="time-left"> · about {formatSeconds(secondsLeft)} left</span>}
      </p>
      {waiting > 0 && <progress className="queue-progress" value={done} max={done + waiting} aria-label="Queue progress" />}
      <button type="button" disabled={unscored.length === 0} onClick={() => queue(unscored.map((i) => i.id))}>
        Score all unscored ({unscored.length})
      </button>
      <button type="button" disabled={waiting === 0} onClick={cancelQueue}>
        Cancel the queue
      </button>
      <button type="button" disabled={ideas.length === 0} onClick={() => download(`referee-${stamp}.json`, 'application/json', JSON.stringify(exportJson(ideas, settings, new Date(), calibrator), null, 2))}>
        Export JSON
      </button>
      <button type="button" disabled={ideas.length === 0} onClick={() => download(`referee-${stamp}.jsonl`, 'application/x-ndjson', exportJsonl(ideas, settings, calibrator))}>
        Export JSONL
      </button>
      <button type="button" disabled={ideas.length === 0} onClick={() => download(`referee-${stamp}.csv`, 'text/csv', exportCsv(ideas, settings, calibrator))}>
        Export CSV
      </button>
      <button type="button" disabled={ideas.length === 0} onClick={() => window.confirm('Remove every idea from the list?') && clearIdeas()}>
        Clear the list
      </button>
    </section>
  );
}
