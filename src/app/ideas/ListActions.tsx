import { useMemo, useState } from 'react';
import { attributionUnits } from '../../scoring/attribution';
import { queueProgress, scoredByAnother } from '../../scoring/idea-list';
import { formatDuration, secondsToScore } from '../../engine/device-figures';
import { useMeasuredSecondsPerIdea } from '../model/DeviceFiguresLine';
import { EXPORT_TYPES, type ExportFormat } from '../../scoring/list-file';
import { listFiles } from './list-files-instance';
import { useShownCalibrator } from '../evaluate/CalibratedPAccept';
import { useReferee } from '../store';

function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}


/** Score, cancel, export (every idea, with its status), clear; the queue's progress and time left. */
export function ListActions() {
  const ideas = useReferee((s) => s.ideas);
  const { queue, cancelQueue, clearIdeas } = useReferee.getState();
  const settings = useReferee((s) => s.settings);
  const saving = useReferee((s) => s.savingIdeas);
  // Calibrated P(accept) goes into the exports only when the user opted in (with the calibrator that made it).
  const calibrator = useShownCalibrator();
  // This device's measured pace for the loaded model: the time left before the first score, and the estimate
  // for the unscored ideas before the user starts.
  const secondsPerIdea = useMeasuredSecondsPerIdea();
  const { scored: done, waiting, secondsLeft } = queueProgress(ideas, secondsPerIdea);
  const isUnscored = (i: (typeof ideas)[number]) => i.status === 'draft' || i.status === 'failed' || i.stale === true;
  // Counted on every change (no array of 25,000 built); the ids are gathered only on the click.
  let unscoredCount = 0;
  for (const idea of ideas) if (isUnscored(idea)) unscoredCount += 1;
  // Ideas whose score came from another model than the one loaded: they can be re-scored with this one at once.
  const loaded = useReferee((s) => (s.model.state === 'ready' && s.model.model.dtype !== 'server' ? s.model.model : null));
  let otherModelCount = 0;
  if (loaded) for (const idea of ideas) if (idea.status === 'scored' && scoredByAnother(idea, loaded)) otherModelCount += 1;
  // Scored ideas not explained yet: "Explain all" queues them with leave-one-out attribution.
  const ready = useReferee((s) => s.model.state === 'ready');
  const isUnexplained = (i: (typeof ideas)[number]) => i.status === 'scored' && !i.stale && !i.result?.attribution;
  let unexplainedCount = 0;
  for (const idea of ideas) if (isUnexplained(idea)) unexplainedCount += 1;
  // Its cost first: one scoring per title and sentence plus the idea's own, an upper bound (the variants go on
  // from the idea's cache). Counted only while nothing runs, and only when this device's pace is known.
  const idle = waiting === 0;
  const explainScorings = useMemo(
    () => (secondsPerIdea === null || !idle ? null : ideas.reduce((n, i) => (isUnexplained(i) ? n + attributionUnits(i).length + 1 : n), 0)),
    [ideas, secondsPerIdea, idle],
  );
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  /** The export is written in the list-files worker: 25,000 ideas serialised on the page would freeze it. */
  const exportAs = async (format: ExportFormat) => {
    setExporting(format);
    try {
      const content = await listFiles().write(format, ideas, settings, calibrator);
      download(`referee-${new Date().toISOString().slice(0, 10)}.${format}`, EXPORT_TYPES[format], content);
    } catch (error) {
      useReferee.getState().setNotice({ kind: 'error', text: `The export failed: ${(error as Error).message}. Your list is unchanged.` });
    } finally {
      setExporting(null);
    }
  };
  return (
    <section className="panel list-actions" aria-label="List actions">
      <p data-testid="progress" aria-live="polite">
        {done} of {ideas.length} scored{waiting ? ` · ${waiting} in the queue` : ''}
        {secondsLeft !== null && <span data-testid="time-left"> · about {formatDuration(secondsLeft)} left</span>}
      </p>
      {saving > 0 && (
        <p className="saving" role="status" data-testid="list-saving">
          Saving {saving.toLocaleString('en')} changes to the list in this browser…
        </p>
      )}
      {waiting > 0 && <progress className="queue-progress" value={done} max={done + waiting} aria-label="Queue progress" />}
      <button type="button" disabled={unscoredCount === 0} onClick={() => queue(ideas.filter(isUnscored).map((i) => i.id))}>
        Score all unscored ({unscoredCount})
      </button>
      {otherModelCount > 0 && loaded && (
        <button type="button" onClick={() => queue(ideas.filter((i) => i.status === 'scored' && scoredByAnother(i, loaded)).map((i) => i.id))}>
          Re-score {otherModelCount.toLocaleString('en')} scored by another model with {loaded.id}
          {secondsPerIdea !== null ? ` (about ${formatDuration(secondsToScore({ secondsPerIdea }, otherModelCount))})` : ''}
        </button>
      )}
      {waiting === 0 && unscoredCount > 0 && secondsPerIdea !== null && (
        <span className="hint" data-testid="time-to-score">
          about {formatDuration(secondsToScore({ secondsPerIdea }, unscoredCount))} to score {unscoredCount.toLocaleString('en')} here
        </span>
      )}
      {ready && idle && unexplainedCount > 0 && (
        <button type="button" onClick={() => queue(ideas.filter(isUnexplained).map((i) => i.id), { explain: true })}>
          Explain all scored ({unexplainedCount.toLocaleString('en')})
          {explainScorings !== null && secondsPerIdea !== null ? ` (at most about ${formatDuration(secondsToScore({ secondsPerIdea }, explainScorings))})` : ''}
        </button>
      )}
      <button type="button" disabled={waiting === 0} onClick={cancelQueue}>
        Cancel the queue
      </button>
      {(['json', 'jsonl', 'csv'] as const).map((format) => (
        <button key={format} type="button" disabled={ideas.length === 0 || exporting !== null} onClick={() => void exportAs(format)}>
          {exporting === format ? 'Exporting…' : `Export ${format.toUpperCase()}`}
        </button>
      ))}
      <button type="button" disabled={ideas.length === 0} onClick={() => window.confirm('Remove every idea from the list?') && clearIdeas()}>
        Clear the list
      </button>
    </section>
  );
}
