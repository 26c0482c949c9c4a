import { useCallback, useEffect, useState } from 'react';
import { formatBytes } from '../../models/download-progress';
import { sourceForFolderUrl } from '../../models/model-source';
import type { PartialModel } from '../../models/partial-downloads';
import { loadModel } from './model-controller';
import { deleteCachedModel, deletePartialDownload, listCachedModels, listPartialDownloads, type CachedModel } from '../../models/browser/model-cache';
import { useReferee } from '../store';

/** A model deleted by hand is not offered again on the next visit (as one the browser evicted would be). */
function forgetIfLast(folder: string): void {
  const { lastModel, rememberModel } = useReferee.getState();
  if (lastModel && sourceForFolderUrl(folder, location.origin) === lastModel.source) rememberModel(null);
}

/** Models kept in this browser, with their sizes, and downloads left unfinished; each can be deleted. */
export function CachedModels() {
  const modelState = useReferee((s) => s.model.state);
  // While a model loads, its files may be downloading: no Load, and no deleting the unfinished files it writes.
  const idle = modelState !== 'loading';
  const [models, setModels] = useState<CachedModel[] | null>(null);
  const [partials, setPartials] = useState<PartialModel[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const refresh = useCallback(() => {
    void listCachedModels().then(setModels, () => setModels([]));
    void listPartialDownloads().then(setPartials, () => setPartials([]));
  }, []);
  useEffect(refresh, [refresh, modelState]);
  const deletePartial = (partial: PartialModel) =>
    void deletePartialDownload(partial.keys).then(
      () => setProblem(null),
      (error: unknown) => setProblem(`The unfinished download could not be deleted: ${(error as Error).message}`),
    ).finally(refresh);
  // A model whose download is unfinished has its first files in the cache already: list it once, as unfinished.
  const unfinished = new Set(partials.map((p) => p.folder));
  const kept = (models ?? []).filter((m) => !unfinished.has(m.folder));
  if (kept.length === 0 && partials.length === 0) return null;
  return (
    <div className="cached-models">
      <h3>Kept in this browser</h3>
      {kept.length > 0 && (
        <ul data-testid="cached-models">
          {kept.map((m) => (
            <li key={m.folder}>
              <span data-testid="cached-model">{m.folder}</span> · {(m.bytes / 1e6).toFixed(1)} MB in {m.files} files{' '}
              {idle && (
                <button type="button" aria-label={`Load the kept copy of ${m.folder}`} onClick={() => void loadModel({ source: sourceForFolderUrl(m.folder, location.origin) })}>
                  Load
                </button>
              )}{' '}
              <button type="button" aria-label={`Delete the cached copy of ${m.folder}`} onClick={() => void deleteCachedModel(m.folder).then(() => forgetIfLast(m.folder)).then(refresh)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {partials.length > 0 && (
        <>
          <h4>Unfinished downloads</h4>
          <ul data-testid="partial-downloads">
            {partials.map((p) => {
              const name = p.folder ?? 'files of an unknown model';
              return (
                <li key={p.folder ?? ''} data-testid="partial-download">
                  <span data-testid="partial-download-folder">{name}</span> ·{' '}
                  <span data-testid="partial-download-size">
                    {formatBytes(p.keptBytes)}
                    {p.totalBytes !== null ? ` of ${formatBytes(p.totalBytes)}` : ''}
                  </span>{' '}
                  kept in {p.keys.length} {p.keys.length === 1 ? 'file' : 'files'}; loading the model again resumes from there{' '}
                  {idle && p.folder && (
                    <button type="button" aria-label={`Resume the download of ${name}`} onClick={() => void loadModel({ source: sourceForFolderUrl(p.folder!, location.origin) })}>
                      Resume
                    </button>
                  )}{' '}
                  {idle && (
                    <button type="button" aria-label={`Delete the unfinished download of ${name}`} onClick={() => deletePartial(p)}>
                      Delete
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          {problem && (
            <p role="alert" className="error">
              {problem}
            </p>
          )}
        </>
      )}
    </div>
  );
}
