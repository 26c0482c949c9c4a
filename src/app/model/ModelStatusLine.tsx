import { useReferee } from '../store';

/** The model's state in one line, always in view at the top of the page, with a way to the Model panel. */
export function ModelStatusLine() {
  const model = useReferee((s) => s.model);
  const text =
    model.state === 'ready'
      ? `${model.model.id} · ${model.model.dtype} on ${model.model.device}`
      : model.state === 'loading'
        ? `${model.phase === 'download' ? 'Downloading' : 'Loading'} the model… ${model.detail}`
        : model.state === 'error'
          ? 'The model did not load'
          : model.state === 'cancelled'
            ? 'Download paused'
            : model.state === 'elsewhere'
              ? 'The model is in another tab'
              : model.state === 'gone'
                ? 'The model is no longer kept here'
              : 'No model loaded';
  return (
    <p className={`model-line ${model.state}`} data-testid="model-line">
      <span className="dot" aria-hidden="true" /> {text}{' '}
      <a href="#model-heading">{model.state === 'ready' ? 'Model' : 'Load a model'}</a>
    </p>
  );
}
