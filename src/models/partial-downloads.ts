/**
 * The downloader keeps each unfinished model file in the origin-private file system as `<key>.part` (the
 * bytes so far) next to `<key>.json` (what they are). The page lists them by model folder so an abandoned
 * download can be removed; this is the pure part of that.
 */
export const PARTIAL_DOWNLOADS_DIRECTORY = 'referee-downloads';

/** What a partial file was fetched as; resuming needs the same URL, version tag and size. */
export interface PartialFileMeta {
  readonly url: string;
  readonly version: string | null;
  readonly size: number | null;
}

export const partialFileNames = (key: string) => ({ part: `${key}.part`, meta: `${key}.json` });

/** The key and kind of a name in the downloads directory; null for anything else. */
export function readPartialFileName(name: string): { key: string; kind: 'part' | 'meta' } | null {
  const match = /^(.+)\.(part|json)$/.exec(name);
  return match ? { key: match[1]!, kind: match[2] === 'part' ? 'part' : 'meta' } : null;
}

export function parsePartialMeta(text: string): PartialFileMeta | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { url, version, size } = value as Record<string, unknown>;
  if (typeof url !== 'string') return null;
  return {
    url,
    version: typeof version === 'string' ? version : null,
    size: typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : null,
  };
}

/** A file URL's model folder: everything before its `onnx/` part or its own name. */
export function modelFolderOf(url: string): string {
  const at = url.indexOf('/onnx/');
  return at >= 0 ? url.slice(0, at + 1) : url.slice(0, url.lastIndexOf('/') + 1);
}

export interface PartialFile {
  readonly key: string;
  /** Null when the description is missing or unreadable (the file's model is then unknown). */
  readonly meta: PartialFileMeta | null;
  /** Bytes in the `.part` file (0 when there is none). */
  readonly bytes: number;
}

export interface PartialModel {
  /** The model folder the files came from; null for files whose description is lost. */
  readonly folder: string | null;
  readonly keys: readonly string[];
  readonly keptBytes: number;
  /** The files' full sizes added up; null when a size is not known. */
  readonly totalBytes: number | null;
}

/** Unfinished files grouped by model folder, folders in order, unknown ones last. */
export function groupPartialFiles(files: readonly PartialFile[]): PartialModel[] {
  const groups = new Map<string | null, { keys: string[]; keptBytes: number; totalBytes: number | null }>();
  for (const file of files) {
    const folder = file.meta ? modelFolderOf(file.meta.url) : null;
    const group = groups.get(folder) ?? { keys: [], keptBytes: 0, totalBytes: 0 };
    group.keys.push(file.key);
    group.keptBytes += file.bytes;
    const size = file.meta?.size ?? null;
    group.totalBytes = group.totalBytes === null || size === null ? null : group.totalBytes + size;
    groups.set(folder, group);
  }
  return [...groups]
    .map(([folder, group]) => ({ folder, ...group }))
    .sort((a, b) => (a.folder === null ? 1 : b.folder === null ? -1 : a.folder.localeCompare(b.folder)));
}
