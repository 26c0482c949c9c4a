import type { LoadedModel } from '../../engine/engine';
import { deviceFiguresKey, formatDuration, PASSES_PER_IDEA } from '../../engine/device-figures';
import { measureDevice } from './model-controller';
import { useReferee } from '../store';

/** What the loaded model does on this device: measured once after its first load here, kept, re-measured on request. */
export function DeviceFiguresLine({ model }: { model: LoadedModel }) {
  const figures = useReferee((s) => s.deviceFigures[deviceFiguresKey(model)]);
  const measurement = useReferee((s) => s.measurement);
  if (model.dtype === 'server') return null;
  return (
    <div className="device-figures" data-testid="device-figures" aria-live="polite">
      {measurement?.state === 'measuring' && <p>Measuring this model on this device with a synthetic idea (none of yours)…</p>}
      {measurement?.state === 'failed' && (
        <p className="error" data-testid="device-figures-error">
          Could not measure this device: {measurement.message}
        </p>
      )}
      {figures && (
        <p>
          On this device: about <strong data-testid="seconds-per-idea">{formatDuration(figures.secondsPerIdea)}</strong> per typical idea · prompt{' '}
          <span data-testid="prefill-rate">{figures.prefillTokensPerSecond.toFixed(0)}</span> tokens/s · <span data-testid="pass-ms">{figures.passMilliseconds.toFixed(0)}</span> ms per
          one-token pass{' '}
          <span className="hint">
            ({figures.prefillTokens}-token prefill over {figures.reusedTokens} cached instruction tokens, then {PASSES_PER_IDEA} one-token passes; measured{' '}
            {new Date(figures.measuredAt).toLocaleString()})
          </span>{' '}
          {measurement?.state !== 'measuring' && (
            <button type="button" onClick={() => void measureDevice(model, { again: true })}>
              Measure again
            </button>
          )}
        </p>
      )}
    </div>
  );
}

/** This device's measured seconds per typical idea for the loaded model, or null (not measured, no model). */
export function useMeasuredSecondsPerIdea(): number | null {
  return useReferee((s) => (s.model.state === 'ready' ? (s.deviceFigures[deviceFiguresKey(s.model.model)]?.secondsPerIdea ?? null) : null));
}
