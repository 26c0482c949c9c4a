/**
 * The models Transformers.js keeps in the browser's Cache Storage (cache "transformers-cache", one entry per
 * file URL), grouped by model folder so each can be listed with its size and deleted.
 */
/** Transformers.js's default `env.cacheKey`: where it looks for model files before fetching them. */
export const CACHE_NAME = 'transformers-cache';

export interface CachedModel {
  /** The folder URL the files were fetched from, e.g. http://host/models/tiny-planted-qwen2/ */
  readonly folder: string;
  readonly files: number;
  readonly bytes: number;
}

/** A file URL's model folder: everything before its `onnx/` part or its own name. */
function folderOf(url: string): string {
  const at = url.indexOf('/onnx/');
  return at >= 0 ? url.slice(0, at + 1) : url.slice(0, url.lastIndexOf('/') + 1);
}

export async function listCachedModels(): Promise<CachedModel[]> {
  if (!globalThis.caches) return [];
  const cache = await caches.open(CACHE_NAME);
  const folders = new Map<string, { files: number; bytes: number }>();
  const models = new Set<string>();
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const length = Number(response?.headers.get('content-length'));
    const bytes = Number.isFinite(length) && length > 0 ? length : ((await response?.blob())?.size ?? 0);
    const folder = folderOf(request.url);
    // Transformers.js caches onnxruntime's wasm here too; a model folder is one with a config.json.
    if (request.url.endsWith('/config.json')) models.add(folder);
    const entry = folders.get(folder) ?? { files: 0, bytes: 0 };
    folders.set(folder, { files: entry.files + 1, bytes: entry.bytes + bytes });
  }
  return [...folders]
    .filter(([folder]) => models.has(folder))
    .map(([folder, e]) => ({ folder, ...e }))
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

export async function deleteCachedModel(folder: string): Promise<number> {
  const cache = await caches.open(CACHE_NAME);
  let deleted = 0;
  for (const request of await cache.keys()) {
    if (folderOf(request.url) === folder && (await cache.delete(request))) deleted++;
  }
  return deleted;
}
