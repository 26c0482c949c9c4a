import { useId, useState } from 'react';
import { DEFAULT_MODEL } from '../core/model-source';
import { CachedModels } from './CachedModels';
import { loadModel } from './model-controller';
import { useReferee } from './store';

export function ModelPanel() {
  const model = useReferee((s) => s.model);
  const [source, setSource] = useState(DEFAULT_MODEL);
  const sourceId = useId();
  return (
    <section className="panel model" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <div data-testid="model-status" aria-live="polite">
        {model.state === 'idle' && <p>No model loaded yet. Nothing is downloaded until you load one.</p>}
        {model.state === 'loading' && (
          <p>
            Loading the model…{' '}
            {model.total > 0 && (
              <>
                <progress value={model.loaded} max={model.total} aria-label="Model download" /> {(model.loaded / 1e6).toFixed(1)} of{' '}
                {(model.total / 1e6).toFixed(1)} MB
              </>
            )}
          </p>
        )}
        {model.state === 'ready' && (
          <p>
            <strong>{model.model.id}</strong> · {model.model.dtype} on <span data-testid="model-device">{model.model.device}</span> ·{' '}
            {model.model.deviceNote} · about {(model.model.memoryEstimateBytes / 1e6).toFixed(0)} MB in memory
          </p>
        )}
        {model.state === 'error' && (
          <p className="error" role="alert" data-testid="model-error">
            {model.message}
          </p>
        )}
      </div>
      {(model.state === 'idle' || model.state === 'error') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void loadModel({ source: source.trim() });
          }}
        >
          <label htmlFor={sourceId}>Model (a converted folder under /models/, a URL, or a Hugging Face repo)</label>
          <input id={sourceId} value={source} onChange={(e) => setSource(e.target.value)} />
          <button type="submit">Load the model</button>
        </form>
      )}
      <CachedModels />
    </section>
  );
}
