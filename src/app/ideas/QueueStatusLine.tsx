import { formatDuration } from '../../engine/device-figures';
import { queueProgress } from '../../scoring/idea-list';
import { useMeasuredSecondsPerIdea } from '../model/DeviceFiguresLine';
import { useReferee } from '../store';

/** The queue in the top bar, in view wherever the page is scrolled: progress, time left, failures. */
export function QueueStatusLine() {
  const ideas = useReferee((s) => s.ideas);
  const secondsPerIdea = useMeasuredSecondsPerIdea();
  const { scored, waiting, secondsLeft } = queueProgress(ideas, secondsPerIdea);
  let failed = 0;
  for (const idea of ideas) if (idea.status === 'failed') failed += 1;
  if (waiting === 0 && failed === 0) return null;
  return (
    <p className="queue-line" data-testid="top-progress" aria-live="polite">
      {waiting > 0 && `${scored} of ${scored + waiting} scored${secondsLeft !== null ? ` · about ${formatDuration(secondsLeft)} left` : ''}`}
      {waiting > 0 && failed > 0 && ' · '}
      {failed > 0 && <a href="#your-ideas">{failed.toLocaleString('en')} failed</a>}
    </p>
  );
}
