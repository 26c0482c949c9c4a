import { modelFilesFor, storageRefusal } from '../core/model-files';
import type { ModelDtype } from '../core/model-memory';
import { modelFolderUrl, parseModelSource } from '../core/model-source';

/**
 * Before a download: the bytes still to fetch for this model and dtype (files already kept in the Cache
 * Storage count as stored), against what the browser will let this site store. Throws the refusal.
 */
export async function checkStorageBeforeDownload(sourceText: string, dtype: ModelDtype): Promise<void> {
  const folder = modelFolderUrl(parseModelSource(sourceText), location.origin);
  const cache = await globalThis.caches?.open('transformers-cache').catch(() => null);
  let bytes = 0;
  try {
    const configUrl = new URL('config.json', folder).toString();
    const configResponse = (await cache?.match(configUrl)) ?? (await fetch(configUrl));
    if (!configResponse.ok) return; // the loader reports a missing model in its own words
    const config = (await configResponse.json()) as Record<string, unknown>;
    for (const file of modelFilesFor(config, dtype)) {
      const url = new URL(file, folder).toString();
      if (await cache?.match(url)) continue;
      const head = await fetch(url, { method: 'HEAD' });
      if (head.ok) bytes += Number(head.headers.get('content-length') ?? 0);
    }
  } catch {
    return; // offline or unreachable: nothing can be downloaded anyway, and a kept model needs no room
  }
  const refusal = storageRefusal(bytes, (await navigator.storage?.estimate?.()) ?? {});
  if (refusal) throw new Error(refusal);
}
