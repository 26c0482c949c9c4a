/**
 * Fetches a model's files into the Cache Storage Transformers.js loads from, before Transformers.js asks
 * for them: one progress count over all files, HTTP Range resume after a cut connection or a reload, the
 * size checked, and the SHA-256 checked where the source publishes one (the hub's LFS files). A file enters
 * the cache only complete and verified.
 */
import { ModelError } from '../model-error';
import { modelFilesFor, storageRefusal } from '../model-files';
import type { Dtype } from '../types';
import { openModelCache } from './model-cache';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fileSizeFrom, publishedSha256, rangeStartFrom, versionTagFrom } from '../http-file-info';
import { PartialDownload } from './resumable-file';

export interface PlannedFile {
  readonly path: string;
  readonly url: string;
  /** Null when the server does not say; the file is then complete when its body ends. */
  readonly size: number | null;
  readonly version: string | null;
  readonly sha256: string | null;
  readonly cached: boolean;
  /** Bytes kept from an earlier, interrupted try. */
  readonly keptBytes: number;
}

export interface DownloadPlan {
  readonly files: readonly PlannedFile[];
  readonly totalBytes: number;
  /** Bytes still to fetch. */
  readonly remainingBytes: number;
  /** The largest file still to fetch: for a moment it is stored twice (partial copy and cache entry). */
  readonly largestRemaining: number;
}

/** A download that failed: not found, cut, out of storage or damaged (the code says which). */
export class DownloadError extends ModelError {}

function httpFailure(path: string, status: number, statusText: string, url: string): DownloadError {
  return new DownloadError(status === 404 ? 'model-not-found' : 'network', `${path}: HTTP ${status} ${statusText} from ${url}`);
}

/** A cut connection is retried this many times in a row (any progress resets the count). */
const MAX_RETRIES = 6;
const retryDelayMs = (failures: number) => Math.min(8_000, 250 * 2 ** (failures - 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cachedSize(response: Response): Promise<number> {
  const length = Number(response.headers.get('content-length'));
  return Number.isFinite(length) && length > 0 ? length : (await response.blob()).size;
}

/** Asks the server about each file (HEAD) that the cache does not hold yet. */
export async function planDownload(folder: string, paths: readonly string[], optional: ReadonlySet<string>, cache: Cache): Promise<DownloadPlan> {
  const files: PlannedFile[] = [];
  for (const path of paths) {
    const url = new URL(path, folder).toString();
    const kept = await cache.match(url);
    if (kept) {
      files.push({ path, url, size: await cachedSize(kept), version: null, sha256: null, cached: true, keptBytes: 0 });
      continue;
    }
    const head = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    if (head.status === 404 && optional.has(path)) continue;
    if (!head.ok) throw httpFailure(path, head.status, head.statusText, url);
    const size = fileSizeFrom(head.status, head.headers);
    const version = versionTagFrom(head.headers);
    const keptBytes = await PartialDownload.keptBytes({ url, version, size });
    files.push({ path, url, size, version, sha256: publishedSha256(head.headers), cached: false, keptBytes });
  }
  const missing = files.filter((f) => !f.cached);
  return {
    files,
    totalBytes: files.reduce((sum, f) => sum + (f.size ?? 0), 0),
    remainingBytes: missing.reduce((sum, f) => sum + Math.max(0, (f.size ?? 0) - f.keptBytes), 0),
    largestRemaining: missing.reduce((max, f) => Math.max(max, f.size ?? 0), 0),
  };
}

/** Progress goes to the page at most this often: a multi-GB download arrives in tens of thousands of pieces. */
const PROGRESS_EVERY_MS = 100;

/** Downloads every planned file not yet cached; `onProgress` gets bytes done over all files. */
export async function downloadPlan(plan: DownloadPlan, cache: Cache, onProgress: (loaded: number, total: number) => void): Promise<void> {
  let loaded = plan.files.reduce((sum, f) => sum + (f.cached ? (f.size ?? 0) : f.keptBytes), 0);
  let reportedAt = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!force && now - reportedAt < PROGRESS_EVERY_MS) return;
    reportedAt = now;
    onProgress(loaded, plan.totalBytes);
  };
  report(true);
  for (const file of plan.files) {
    if (file.cached) continue;
    await downloadFile(file, cache, (delta) => {
      loaded += delta;
      report(delta < 0);
    });
    report(true);
  }
}

async function downloadFile(file: PlannedFile, cache: Cache, onBytes: (delta: number) => void): Promise<void> {
  const partial = await PartialDownload.open({ url: file.url, version: file.version, size: file.size });
  try {
    let hasher = file.sha256 ? sha256.create() : null;
    if (hasher && partial.size > 0) partial.replay((bytes) => hasher!.update(bytes));
    const restart = () => {
      onBytes(-partial.size);
      partial.restart();
      hasher = file.sha256 ? sha256.create() : null;
    };
    let failures = 0;
    const failed = async (why: string) => {
      if (++failures > MAX_RETRIES) {
        throw new DownloadError('download-failed', `The download of ${file.path} kept failing (${why}) after ${MAX_RETRIES} retries; ${partial.size} bytes are kept, and loading again resumes from there.`);
      }
      await sleep(retryDelayMs(failures));
    };
    for (;;) {
      if (file.size !== null && partial.size >= file.size) break;
      const offset = partial.size;
      let response: Response;
      try {
        response = await fetch(file.url, { cache: 'no-store', headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
      } catch (error) {
        await failed((error as Error).message);
        continue;
      }
      if (!response.ok || !response.body) {
        throw httpFailure(file.path, response.status, response.statusText, file.url);
      }
      const tag = versionTagFrom(response.headers);
      if (offset > 0 && file.version !== null && tag !== null && tag !== file.version) {
        // The file changed on the server since the kept bytes were fetched: they belong to another version.
        await response.body.cancel();
        restart();
        continue;
      }
      if (offset > 0 && (response.status !== 206 || rangeStartFrom(response.headers) !== offset)) {
        // The server sent the whole file instead of the rest (no Range support): take it from the start.
        if (response.status !== 200) {
          await response.body.cancel();
          throw new DownloadError('download-failed', `${file.path}: the server answered a resume request with HTTP ${response.status}`);
        }
        restart();
      }
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          partial.append(value);
          hasher?.update(value);
          onBytes(value.length);
          failures = 0;
        }
      } catch (error) {
        if ((error as Error).name === 'QuotaExceededError') {
          await reader.cancel().catch(() => undefined);
          throw new DownloadError(
            'storage',
            `This browser ran out of storage for Referee while downloading ${file.path} (${partial.size} bytes of it are kept). ` +
              'Free some space (delete kept models, or other sites’ data) and load again: the download resumes from there.',
          );
        }
        await failed((error as Error).message);
        continue;
      }
      if (file.size === null || partial.size >= file.size) break;
      await failed('the connection closed early');
    }
    if (hasher) {
      const actual = bytesToHex(hasher.digest());
      if (actual !== file.sha256) {
        onBytes(-partial.size);
        await partial.remove();
        throw new DownloadError(
          'download-failed',
          `${file.path} arrived damaged: its SHA-256 is ${actual}, but the source publishes ${file.sha256}. Nothing was kept; try again, and if it repeats the source's copy is broken.`,
        );
      }
    }
    const complete = await partial.complete();
    const type = /\.json$/.test(file.path) ? 'application/json' : 'application/octet-stream';
    await cache.put(file.url, new Response(complete, { headers: { 'content-type': type, 'content-length': String(complete.size) } }));
    await partial.remove();
  } finally {
    partial.close();
  }
}

/** Files a converted model may lack; Transformers.js does without them. */
const OPTIONAL_FILES: ReadonlySet<string> = new Set(['generation_config.json']);

/**
 * Fetches the files a model needs at `dtype` (from its config.json) into the model cache, after checking that
 * the browser has room for what is still missing.
 */
export async function fetchModelFiles(
  folder: string,
  config: Record<string, unknown>,
  dtype: Dtype,
  storage: { readonly quota?: number; readonly usage?: number },
  onBytes: (loaded: number, total: number) => void,
): Promise<void> {
  const cache = await openModelCache();
  const plan = await planDownload(folder, modelFilesFor(config, dtype), OPTIONAL_FILES, cache);
  const refusal = storageRefusal(plan.remainingBytes, storage, plan.largestRemaining);
  if (refusal) throw new DownloadError('storage', refusal);
  await downloadPlan(plan, cache, onBytes);
}
