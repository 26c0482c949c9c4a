import { DeviceFiguresLine } from './DeviceFiguresLine';
import { useEffect, useId, useState, type DragEvent } from 'react';
import type { BackendPreference } from '../../engine/backend-choice';
import type { LoadedModel } from '../../engine/engine';
import { ServedModels } from './ServedModels';
import { DEFAULT_MODEL } from '../../models/model-source';
import { CachedModels } from './CachedModels';
import { ServerSource } from './ServerSource';
import { suggestConversion } from '../convert/conversion-controller';
import { filesFromDrop, filesFromPicker } from '../../models/browser/local-model';
import { cancelModelLoad, chooseBackendSetting, loadLocalFolder, loadModel, useThisTab } from './model-controller';
import { useReferee } from '../store';

/** How the weights reached the runtime, in words (LoadedModel.weightsRead). */
const WEIGHTS_READ: Record<NonNullable<LoadedModel['weightsRead']>, string> = {
  'tensor-by-tensor': 'Weights were read from this browser’s copy tensor by tensor (onnxruntime-web’s JSPI build): the model was never in memory twice.',
  'file-by-file': 'This browser lacks JSPI: each weights file was read whole, one at a time, while loading (briefly up to 2 GB on top of the page).',
  'all-files': 'Every weights file was read into memory at once while loading (briefly the whole model on top of the page).',
};

export function ModelPanel() {
  const model = useReferee((s) => s.model);
  const lastSource = useReferee((s) => s.lastModel?.source);
  const requestedSource = useReferee((s) => s.requestedSource);
  const [source, setSource] = useState(DEFAULT_MODEL);
  const [dragging, setDragging] = useState(false);
  const backend = useReferee((s) => s.backend);
  const backendId = useId();
  const backendHintId = useId();
  const sourceId = useId();
  const folderId = useId();
  // The remembered source arrives from IndexedDB after the first render.
  useEffect(() => {
    if (lastSource) setSource(lastSource);
  }, [lastSource]);
  // After a load (from the address, a kept model, or this field) the field shows what was asked for, so a
  // failed load can be corrected rather than retyped.
  useEffect(() => {
    if (requestedSource) setSource(requestedSource);
  }, [requestedSource]);
  const busy = model.state === 'loading';
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (busy) return;
    void filesFromDrop(event.dataTransfer).then((files) => (files.length ? loadLocalFolder(files) : undefined));
  };
  return (
    <section
      className={`panel model${dragging ? ' dragging' : ''}`}
      aria-labelledby="model-heading"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <h2 id="model-heading">Model</h2>
      <p className="backend">
        <label htmlFor={backendId}>Backend</label>{' '}
        <select id={backendId} value={backend} disabled={busy} aria-describedby={backendHintId} onChange={(e) => chooseBackendSetting(e.target.value as BackendPreference)}>
          <option value="auto">Automatic</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>{' '}
        <span className="hint" id={backendHintId}>
          Automatic: WebGPU on a GPU; WASM without one, or where WebGPU is a software renderer (far slower), unless the model is too big for WASM.
        </span>
      </p>
      <div data-testid="model-status" aria-live="polite">
        {model.state === 'idle' && <p>No model loaded yet. Nothing is downloaded until you load one.</p>}
        {model.state === 'loading' && (
          <div className="model-progress">
            <p>{model.phase === 'download' ? 'Downloading the model…' : 'Loading the model…'}</p>
            <progress
              {...(model.total > 0 ? { value: model.loaded, max: model.total } : {})}
              aria-label={model.phase === 'download' ? 'Model download' : 'Model loading'}
            />{' '}
            <span data-testid="model-progress">{model.detail}</span>{' '}
            {model.phase === 'download' && (
              <button type="button" onClick={cancelModelLoad}>
                Cancel the download
              </button>
            )}
          </div>
        )}
        {model.state === 'cancelled' && <p data-testid="model-cancelled">{model.message}</p>}
        {model.state === 'gone' && (
          <p data-testid="model-gone">
            {model.source}, the model used here last, is no longer kept in this browser (the browser may have cleared its storage to
            free space). Your ideas and scores are untouched.{' '}
            <button type="button" onClick={() => void loadModel({ source: model.source })}>
              Download it again
            </button>
          </p>
        )}
        {model.state === 'elsewhere' && (
          <p data-testid="model-elsewhere">
            The model is loaded in another Referee tab, so this one loads none: a browser holds it once. Ideas queued here wait
            until this tab has it.{' '}
            <button type="button" onClick={() => void useThisTab()}>
              Use this tab
            </button>
          </p>
        )}
        {model.state === 'ready' && (
          <>
            <p>
              <strong>{model.model.id}</strong> · {model.model.dtype} on <span data-testid="model-device">{model.model.device}</span> · about{' '}
              {(model.model.memoryEstimateBytes / 1e6).toFixed(0)} MB in memory
            </p>
            <p data-testid="model-backend-reason">{model.model.deviceNote}</p>
            <DeviceFiguresLine model={model.model} />
            {model.model.adapterNote && <p className="hint" data-testid="model-adapter">WebGPU adapter: {model.model.adapterNote}</p>}
            {model.model.weightsRead && (
              <p className="hint" data-testid="model-runtime">
                {WEIGHTS_READ[model.model.weightsRead]}
              </p>
            )}
          </>
        )}
        {model.state === 'error' && (
          <p className="error" role="alert" data-testid="model-error">
            {model.message}
          </p>
        )}
        {model.state === 'error' && model.convertible && (
          <p>
            <button type="button" onClick={() => suggestConversion(model.convertible!)}>
              Convert it here, in this browser
            </button>{' '}
            (no Python: it is read, quantized and kept in this browser, and loads offline after)
          </p>
        )}
      </div>
      {model.state !== 'loading' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void loadModel({ source: source.trim() });
          }}
        >
          <label htmlFor={sourceId}>Model (a converted folder under /models/, a URL, or a Hugging Face repo)</label>
          <input id={sourceId} value={source} onChange={(e) => setSource(e.target.value)} list={`${sourceId}-served`} />
          <button type="submit">Load the model</button>
          <ServedModels listId={`${sourceId}-served`} onPick={setSource} />
          <label htmlFor={folderId} className="file">
            Load a converted folder from this computer
          </label>
          <input
            id={folderId}
            type="file"
            {...{ webkitdirectory: '' }}
            onChange={(e) => {
              const files = e.target.files ? filesFromPicker(e.target.files) : [];
              e.target.value = '';
              if (files.length) void loadLocalFolder(files);
            }}
          />
          <p className="hint">…or drop the folder `npm run convert` wrote anywhere on this panel. It is kept in this browser and loads offline.</p>
        </form>
      )}
      <ServerSource busy={busy} />
      <CachedModels />
    </section>
  );
}
