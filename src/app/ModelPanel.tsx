import { useReferee } from './store';

export function ModelPanel() {
  const model = useReferee((s) => s.model);
  return (
    <section className="panel model" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <div data-testid="model-status" aria-live="polite">
        {model.state === 'idle' && <p>No model loaded yet.</p>}
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
            {model.model.deviceNote}
          </p>
        )}
        {model.state === 'error' && (
          <p className="error" role="alert" data-testid="model-error">
            {model.message}
          </p>
        )}
      </div>
    </section>
  );
}
