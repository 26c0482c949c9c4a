/// <reference lib="webworker" />
/**
 * A conversion in progress, kept in the origin-private file system so it survives a cancel, a dropped
 * connection or a reload: `referee-conversions/<key>/` holds `job.json` (what is being converted, and the
 * source file versions it started from), `progress.json` (how many bytes of each output file are final)
 * and `out/` (the converted files). The builder resumes from it through `OpfsResumableSink`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ArtifactFile, ArtifactSink } from '../builder/artifact-sink';
import type { ConversionFigures } from '../models/conversion';
import { storageFull, writeFully } from '../models/browser/opfs-write';
import { type QuantizedDtype } from '../models/types';

export const CONVERSIONS_DIRECTORY = 'referee-conversions';

export interface ConversionJobRecord {
  readonly key: string;
  /** The source as the user gave it, and the folder URL it resolves to. */
  readonly source: string;
  readonly folderUrl: string;
  /** The kept model it becomes: `local:<name>`. */
  readonly name: string;
  readonly dtype: QuantizedDtype;
  readonly format: number;
  /** Each source file's version (ETag, else size): a resumed job keeps output only if none changed. */
  readonly sourceVersions: Readonly<Record<string, string>>;
  readonly figures: ConversionFigures;
  readonly startedAt: string;
}

export function conversionKey(folderUrl: string, dtype: QuantizedDtype, format: number): string {
  return bytesToHex(sha256(utf8ToBytes(`${folderUrl}|${dtype}|${format}`))).slice(0, 24);
}

async function conversionsDirectory(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(CONVERSIONS_DIRECTORY, { create: true });
}

async function readJsonFile<T>(directory: FileSystemDirectoryHandle, name: string): Promise<T | null> {
  try {
    return JSON.parse(await (await (await directory.getFileHandle(name)).getFile()).text()) as T;
  } catch {
    return null;
  }
}

function expectSize(access: FileSystemSyncAccessHandle, size: number, path: string): void {
  const actual = access.getSize();
  if (actual !== size) throw storageFull(`${path} holds ${actual} bytes where ${size} were written`);
}

async function writeJsonFile(directory: FileSystemDirectoryHandle, name: string, value: unknown): Promise<void> {
  const access = await (await directory.getFileHandle(name, { create: true })).createSyncAccessHandle();
  try {
    const bytes = utf8ToBytes(JSON.stringify(value));
    access.truncate(0);
    writeFully(access, bytes, 0);
    access.flush();
  } finally {
    access.close();
  }
}

export class ConversionJob {
  private constructor(
    private readonly directory: FileSystemDirectoryHandle,
    readonly record: ConversionJobRecord,
    private readonly committed: Record<string, number>,
    /** Whether output from an earlier run was found and kept. */
    readonly resumed: boolean,
  ) {}

  /** Opens the job for this record, keeping an earlier run's output only when it converted the same thing. */
  static async open(record: ConversionJobRecord): Promise<ConversionJob> {
    const parent = await conversionsDirectory();
    let directory = await parent.getDirectoryHandle(record.key, { create: true });
    const earlier = await readEarlierRun(directory, record);
    if (earlier === 'other') {
      await parent.removeEntry(record.key, { recursive: true });
      directory = await parent.getDirectoryHandle(record.key, { create: true });
    }
    const same = earlier !== null && earlier !== 'other';
    const opened = same ? { ...record, startedAt: earlier.record.startedAt } : record;
    const committed = same ? earlier.committed : {};
    await writeJsonFile(directory, 'job.json', opened);
    return new ConversionJob(directory, opened, committed, sumBytes(committed) > 0);
  }

  /** Weight bytes an earlier run of this same conversion made final, without opening (or creating) the job. */
  static async keptBytesFor(record: ConversionJobRecord): Promise<number> {
    const directory = await (await conversionsDirectory()).getDirectoryHandle(record.key).catch(() => null);
    const earlier = directory && (await readEarlierRun(directory, record));
    return earlier && earlier !== 'other' ? sumBytes(earlier.committed) : 0;
  }

  /** Weight bytes already final from an earlier run. */
  get keptBytes(): number {
    return sumBytes(this.committed);
  }

  sink(): ArtifactSink {
    return new OpfsResumableSink(this, this.committed);
  }

  /** The file at a path inside `out/`, creating folders on the way when asked. */
  async outputFile(path: string, create: boolean): Promise<FileSystemFileHandle> {
    let folder = await this.directory.getDirectoryHandle('out', { create: true });
    const parts = path.split('/');
    for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part, { create });
    return folder.getFileHandle(parts.at(-1)!, { create });
  }

  async removeOutputFile(path: string): Promise<void> {
    let folder = await this.directory.getDirectoryHandle('out');
    const parts = path.split('/');
    for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part);
    await folder.removeEntry(parts.at(-1)!);
  }

  async saveProgress(): Promise<void> {
    await writeJsonFile(this.directory, 'progress.json', this.committed);
  }

  async remove(): Promise<void> {
    await (await conversionsDirectory()).removeEntry(this.record.key, { recursive: true });
  }
}

const sumBytes = (committed: Record<string, number>) => Object.values(committed).reduce((a, b) => a + b, 0);

/**
 * What a job folder holds from an earlier run: its record and checkpoints when it converted the same thing,
 * 'other' when it converted something else (another source version), null when it holds no job.
 */
async function readEarlierRun(
  directory: FileSystemDirectoryHandle,
  record: ConversionJobRecord,
): Promise<{ record: ConversionJobRecord; committed: Record<string, number> } | 'other' | null> {
  const earlier = await readJsonFile<ConversionJobRecord>(directory, 'job.json');
  if (!earlier) return null;
  if (!sameConversion(earlier, record)) return 'other';
  return { record: earlier, committed: (await readJsonFile<Record<string, number>>(directory, 'progress.json')) ?? {} };
}

function sameConversion(a: ConversionJobRecord, b: ConversionJobRecord): boolean {
  const versions = (r: ConversionJobRecord) => JSON.stringify(Object.entries(r.sourceVersions).sort());
  return a.folderUrl === b.folderUrl && a.dtype === b.dtype && a.format === b.format && versions(a) === versions(b);
}

/**
 * The builder's resumable sink over a job's `out/` folder. A file created again keeps its bytes up to its
 * last checkpoint; everything after is dropped at the first write below the end of the file.
 */
class OpfsResumableSink implements ArtifactSink {
  constructor(
    private readonly job: ConversionJob,
    private readonly committed: Record<string, number>,
  ) {}

  async create(path: string): Promise<ArtifactFile> {
    const access = await (await this.job.outputFile(path, true)).createSyncAccessHandle();
    // A file shorter than its checkpoint lost bytes: the checkpoint is no longer a safe place to resume.
    let kept = (this.committed[path] ?? 0) <= access.getSize() ? (this.committed[path] ?? 0) : 0;
    if (kept === 0) {
      access.truncate(0);
      this.committed[path] = 0;
    }
    let position = 0;
    let open = true;
    return {
      get keptBytes() {
        return kept;
      },
      skip: async (length) => {
        if (position + length > kept) throw new Error(`${path}: cannot skip past the kept bytes`);
        position += length;
      },
      write: async (bytes) => {
        if (position < access.getSize()) {
          access.truncate(position);
          kept = Math.min(kept, position);
        }
        writeFully(access, bytes, position);
        position += bytes.length;
      },
      close: async () => {
        try {
          // Truncating would pad a short file with zeros: check it holds every byte first.
          if (access.getSize() < position) expectSize(access, position, path);
          access.truncate(position);
          access.flush();
          expectSize(access, position, path);
        } finally {
          access.close();
          open = false;
        }
      },
      checkpoint: async () => {
        if (open) {
          access.flush();
          // Bytes kept from an earlier run may lie beyond this point; none may be missing before it.
          if (access.getSize() < position) expectSize(access, position, path);
        }
        this.committed[path] = position;
        await this.job.saveProgress();
      },
    };
  }
}

/** The unfinished conversions kept in this browser (read from the page or a worker). */
export async function listConversionJobs(): Promise<{ record: ConversionJobRecord; keptBytes: number }[]> {
  const root = await navigator.storage.getDirectory();
  let parent: FileSystemDirectoryHandle;
  try {
    parent = await root.getDirectoryHandle(CONVERSIONS_DIRECTORY);
  } catch {
    return [];
  }
  const jobs: { record: ConversionJobRecord; keptBytes: number }[] = [];
  for await (const [name, handle] of (parent as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind !== 'directory') continue;
    const directory = handle as FileSystemDirectoryHandle;
    const record = await readJsonFile<ConversionJobRecord>(directory, 'job.json');
    if (!record || record.key !== name) continue;
    const committed = (await readJsonFile<Record<string, number>>(directory, 'progress.json')) ?? {};
    jobs.push({ record, keptBytes: sumBytes(committed) });
  }
  return jobs.sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt));
}

export async function removeConversionJob(key: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const parent = await root.getDirectoryHandle(CONVERSIONS_DIRECTORY).catch(() => null);
  await parent?.removeEntry(key, { recursive: true }).catch(() => undefined);
}
