import { useEffect, useId, useState } from 'react';
import { formatBytes } from '../../models/download-progress';
import { DEFAULT_MODEL } from '../../models/model-source';
import { cancelConversion, discardUnfinished, planConversion, refreshUnfinished, setConversionDraft, startConversion, useConversion } from './conversion-controller';
import { useReferee } from '../store';
import { type QuantizedDtype } from '../../models/types';

/** Converts a safetensors checkpoint (the original AlphaResearch-RM repo, any Qwen2 repo or URL) right here. */
export function ConvertPanel() {
  const status = useConversion((s) => s.status);
  const unfinished = useConversion((s) => s.unfinished);
  const modelBusy = useReferee((s) => s.model.state === 'loading');
  const source = useConversion((s) => s.draft);
  const [dtype, setDtype] = useState<QuantizedDtype | 'auto'>('auto');
  const sourceId = useId();
  const dtypeId = useId();
  useEffect(() => void refreshUnfinished(), []);
  const working = status.state === 'planning' || status.state === 'converting';

  return (
    <section className="panel convert" aria-labelledby="convert-heading">
      <h2 id="convert-heading">Convert a checkpoint here</h2>
      <p className="hint">
        A repo or URL that holds safetensors weights (like the original {DEFAULT_MODEL}) is converted in this browser to a 4-bit ONNX build, kept here,
        and loads offline from then on. No Python, no server.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void planConversion(source, dtype);
        }}
      >
        <label htmlFor={sourceId}>Checkpoint to convert (Hugging Face repo or URL)</label>
        <input id={sourceId} value={source} onChange={(e) => setConversionDraft(e.target.value)} disabled={working} />
        <label htmlFor={dtypeId}>Build</label>
        <select id={dtypeId} value={dtype} onChange={(e) => setDtype(e.target.value as QuantizedDtype | 'auto')} disabled={working}>
          <option value="auto">what this device loads best</option>
          <option value="q4f16">q4f16 (GPU with shader-f16)</option>
          <option value="q4">q4 (any device)</option>
        </select>
        <button type="submit" disabled={working}>
          Check what it takes
        </button>
      </form>
      <div data-testid="convert-status" aria-live="polite">
        {status.state === 'planning' && <p>Reading the checkpoint’s headers…</p>}
        {status.state === 'planned' && (
          <div>
            <p data-testid="convert-plan">
              {status.plan.name} as {status.plan.dtype}: {status.plan.description}
              {status.plan.keptBytes > 0 && ` ${formatBytes(status.plan.keptBytes)} were converted by an earlier run and are kept.`}
            </p>
            {status.plan.refusal ? (
              <p className="error" role="alert" data-testid="convert-error">
                {status.plan.refusal}
              </p>
            ) : (
              <button type="button" disabled={modelBusy} onClick={() => void startConversion(status.request)}>
                {status.plan.keptBytes > 0 ? 'Resume the conversion' : 'Convert'}
              </button>
            )}
          </div>
        )}
        {status.state === 'converting' && (
          <div className="model-progress">
            <p>Converting {status.request.source}…</p>
            <progress
              {...(status.progress ? { value: status.progress.bytesStored, max: status.progress.bytesToStore } : {})}
              aria-label="Conversion"
            />{' '}
            <span data-testid="convert-progress">{status.detail}</span>{' '}
            {/* Moving the finished files into the model cache takes moments; stopping it would strand some. */}
            {status.progress?.phase !== 'store' && (
              <button type="button" onClick={cancelConversion}>
                Stop the conversion
              </button>
            )}
          </div>
        )}
        {status.state === 'done' && <p data-testid="convert-done">{status.message}</p>}
        {status.state === 'cancelled' && <p data-testid="convert-cancelled">{status.message}</p>}
        {status.state === 'error' && (
          <p className="error" role="alert" data-testid="convert-error">
            {status.message}
          </p>
        )}
      </div>
      {unfinished.length > 0 && !working && (
        <div>
          <h3>Unfinished conversions</h3>
          <ul data-testid="unfinished-conversions">
            {unfinished.map(({ record, keptBytes }) => (
              <li key={record.key}>
                <span data-testid="unfinished-conversion">
                  {record.source} ({record.dtype})
                </span>{' '}
                · {formatBytes(keptBytes)} of {formatBytes(record.figures.bytesToStore)} converted{' '}
                <button type="button" aria-label={`Resume converting ${record.source}`} onClick={() => void startConversion({ source: record.source, dtype: record.dtype })}>
                  Resume
                </button>{' '}
                <button type="button" aria-label={`Discard the unfinished conversion of ${record.source}`} onClick={() => void discardUnfinished(record)}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
