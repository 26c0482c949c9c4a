import { useCallback, useEffect, useState } from 'react';
import { sourceForFolderUrl } from '../core/model-source';
import { loadModel } from './model-controller';
import { deleteCachedModel, listCachedModels, type CachedModel } from './model-cache';
import { useReferee } from './store';

/** Models kept in this browser, with their sizes; each can be deleted. */
export function CachedModels() {
  const modelState = useReferee((s) => s.model.state);
  const canLoad = modelState !== 'loading';
  const [models, setModels] = useState<CachedModel[] | null>(null);
  const refresh = useCallback(() => void listCachedModels().then(setModels, () => setModels([])), []);
  useEffect(refresh, [refresh, modelState]);
  if (!models || models.length === 0) return null;
  return (
    <div className="cached-models">
      <h3>Kept in this browser</h3>
      <ul data-testid="cached-models">
        {models.map((m) => (
          <li key={m.folder}>
            <span data-testid="cached-model">{m.folder}</span> · {(m.bytes / 1e6).toFixed(1)} MB in {m.files} files{' '}
            {canLoad && (
              <button type="button" aria-label={`Load the kept copy of ${m.folder}`} onClick={() => void loadModel({ source: sourceForFolderUrl(m.folder, location.origin) })}>
                Load
              </button>
            )}{' '}
            <button type="button" aria-label={`Delete the cached copy of ${m.folder}`} onClick={() => void deleteCachedModel(m.folder).then(refresh)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
