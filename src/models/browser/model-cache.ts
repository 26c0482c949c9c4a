/**
 * The models Transformers.js keeps in the browser's Cache Storage (cache "transformers-cache", one entry per
 * file URL), grouped by model folder so each can be listed with its size and deleted; and the downloader's
 * unfinished files in the origin-private file system, listed and deleted the same way.
 */
import {
  groupPartialFiles,
  modelFolderOf as folderOf,
  parsePartialMeta,
  PARTIAL_DOWNLOADS_DIRECTORY,
  partialFileNames,
  readPartialFileName,
  type PartialFile,
  type PartialModel,
} from '../partial-downloads';
import { CACHE_NAME, externalDataFiles } from '../model-files';
import type { Dtype } from '../types';

export interface CachedModel {
  /** The folder URL the files were fetched from, e.g. http://host/models/tiny-planted-qwen2/ */
  readonly folder: string;
  readonly files: number;
  readonly bytes: number;
}

/** The one Cache Storage every kept model lives in (Transformers.js's `env.cacheKey`), page and workers alike. */
export function openModelCache(): Promise<Cache> {
  return caches.open(CACHE_NAME);
}

/** Whether this browser keeps the model at `folder` (its config.json is cached): loading it needs no network. */
export async function isModelKept(folder: string): Promise<boolean> {
  if (!globalThis.caches) return false;
  return (await (await openModelCache()).match(new URL('config.json', folder).toString())) !== undefined;
}

/** A cached JSON file, or null when the cache does not hold it. */
export async function readCachedJson(url: string): Promise<Record<string, unknown> | null> {
  const response = await (await openModelCache()).match(url);
  return response ? ((await response.json()) as Record<string, unknown>) : null;
}

/**
 * A cached model's external-data chunks as Blobs. Chromium keeps a Blob from Cache Storage on disk until it is
 * read, so onnxruntime can read it initializer by initializer and the whole model is never in memory at once.
 * Null when a chunk is not cached (the caller then leaves the reading to Transformers.js, which says why).
 */
export async function cachedExternalData(folder: string, config: Record<string, unknown>, dtype: Dtype): Promise<{ path: string; data: Blob }[] | null> {
  if (!globalThis.caches) return null;
  const cache = await openModelCache();
  const chunks: { path: string; data: Blob }[] = [];
  for (const name of externalDataFiles(config, dtype)) {
    const response = await cache.match(new URL(`onnx/${name}`, folder).toString());
    if (!response) return null;
    chunks.push({ path: name, data: await response.blob() });
  }
  return chunks;
}

export async function listCachedModels(): Promise<CachedModel[]> {
  if (!globalThis.caches) return [];
  const cache = await openModelCache();
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
  const cache = await openModelCache();
  let deleted = 0;
  for (const request of await cache.keys()) {
    if (folderOf(request.url) === folder && (await cache.delete(request))) deleted++;
  }
  return deleted;
}

/**
 * Removes a build's files that reached the cache without being declared in the folder's config.json (a
 * conversion stopped while it moved its files in). A build the config declares is a finished model: kept.
 */
export async function deleteUndeclaredBuild(folder: string, modelFile: string): Promise<number> {
  const cache = await openModelCache();
  const config = (await (await cache.match(`${folder}config.json`))?.json().catch(() => null)) as {
    'transformers.js_config'?: { use_external_data_format?: Record<string, number> };
  } | null;
  if (config?.['transformers.js_config']?.use_external_data_format?.[modelFile] !== undefined) return 0;
  let deleted = 0;
  for (const request of await cache.keys()) {
    if (request.url.startsWith(`${folder}onnx/${modelFile}`) && (await cache.delete(request))) deleted++;
  }
  return deleted;
}

/** The downloader's directory of unfinished files, or null when nothing was ever downloaded (or no OPFS). */
async function partialsDirectory(): Promise<FileSystemDirectoryHandle | null> {
  try {
    return await (await navigator.storage.getDirectory()).getDirectoryHandle(PARTIAL_DOWNLOADS_DIRECTORY);
  } catch {
    return null;
  }
}

/** Downloads left unfinished (cancelled, cut, a closed tab), grouped by model folder. */
export async function listPartialDownloads(): Promise<PartialModel[]> {
  const directory = await partialsDirectory();
  if (!directory) return [];
  const keys = new Set<string>();
  // The DOM library this project compiles with has no async iteration of directories.
  for await (const name of (directory as unknown as { keys(): AsyncIterable<string> }).keys()) {
    const entry = readPartialFileName(name);
    if (entry) keys.add(entry.key);
  }
  const files: PartialFile[] = [];
  for (const key of keys) {
    const names = partialFileNames(key);
    const meta = await readFile(directory, names.meta).then((file) => (file ? file.text() : null));
    const part = await readFile(directory, names.part);
    files.push({ key, meta: meta === null ? null : parsePartialMeta(meta), bytes: part?.size ?? 0 });
  }
  return groupPartialFiles(files);
}

async function readFile(directory: FileSystemDirectoryHandle, name: string): Promise<File | null> {
  try {
    return await (await directory.getFileHandle(name)).getFile();
  } catch {
    return null;
  }
}

/** Removes unfinished files (both the bytes and their description); never call it while they download. */
export async function deletePartialDownload(keys: readonly string[]): Promise<void> {
  const directory = await partialsDirectory();
  if (!directory) return;
  for (const key of keys) {
    for (const name of Object.values(partialFileNames(key))) {
      await directory.removeEntry(name).catch((error: unknown) => {
        if ((error as DOMException).name !== 'NotFoundError') throw error;
      });
    }
  }
}
