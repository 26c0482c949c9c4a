/// <reference lib="webworker" />
/**
 * A model file being downloaded, kept in the origin-private file system (OPFS) until it is complete and
 * verified: only then does it go into the Cache Storage that Transformers.js loads from, so a cut connection,
 * a cancel or a closed tab never leaves a partial file looking complete, and the next try resumes from the
 * bytes already here. Writes go through a sync access handle (workers only), which writes in place, so the
 * bytes survive the worker being terminated mid-file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { writeFully } from './opfs-write';
import { parsePartialMeta, PARTIAL_DOWNLOADS_DIRECTORY, partialFileNames, type PartialFileMeta } from '../partial-downloads';

const keyOf = (url: string) => bytesToHex(sha256(utf8ToBytes(url))).slice(0, 40);

async function downloadsDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(PARTIAL_DOWNLOADS_DIRECTORY, { create: true });
}

async function readMeta(directory: FileSystemDirectoryHandle, key: string): Promise<PartialFileMeta | null> {
  try {
    const file = await (await directory.getFileHandle(partialFileNames(key).meta)).getFile();
    return parsePartialMeta(await file.text());
  } catch {
    return null;
  }
}

const sameFile = (a: PartialFileMeta | null, b: PartialFileMeta) => a !== null && a.url === b.url && a.version === b.version && a.size === b.size;

const FLUSH_EVERY = 4 << 20;

export class PartialDownload {
  private unflushed = 0;

  private constructor(
    private readonly directory: FileSystemDirectoryHandle,
    private readonly key: string,
    private readonly fileHandle: FileSystemFileHandle,
    private access: FileSystemSyncAccessHandle | null,
  ) {}

  /** Opens (or starts) the partial copy of a file; bytes kept from another version of it are dropped. */
  static async open(meta: PartialFileMeta): Promise<PartialDownload> {
    const directory = await downloadsDirectory();
    const key = keyOf(meta.url);
    const fileHandle = await directory.getFileHandle(partialFileNames(key).part, { create: true });
    const access = await fileHandle.createSyncAccessHandle();
    const partial = new PartialDownload(directory, key, fileHandle, access);
    if (!sameFile(await readMeta(directory, key), meta)) {
      access.truncate(0);
      const metaAccess = await (await directory.getFileHandle(partialFileNames(key).meta, { create: true })).createSyncAccessHandle();
      const bytes = utf8ToBytes(JSON.stringify(meta));
      metaAccess.truncate(0);
      writeFully(metaAccess, bytes, 0);
      metaAccess.close();
    }
    return partial;
  }

  /** Bytes already kept for this exact file version (0 when none), without opening it for writing. */
  static async keptBytes(meta: PartialFileMeta): Promise<number> {
    const directory = await downloadsDirectory();
    const key = keyOf(meta.url);
    if (!sameFile(await readMeta(directory, key), meta)) return 0;
    try {
      return (await (await directory.getFileHandle(partialFileNames(key).part)).getFile()).size;
    } catch {
      return 0;
    }
  }

  get size(): number {
    return this.handle().getSize();
  }

  append(bytes: Uint8Array): void {
    const handle = this.handle();
    writeFully(handle, bytes, handle.getSize());
    // Flushed every few MB: a worker stopped mid-file (cancel, closed tab) keeps what was flushed.
    this.unflushed += bytes.length;
    if (this.unflushed >= FLUSH_EVERY) {
      handle.flush();
      this.unflushed = 0;
    }
  }

  restart(): void {
    this.handle().truncate(0);
  }

  /** Feeds the bytes already kept to `consume`, in 8 MB pieces (to rebuild a hash after a resume). */
  replay(consume: (bytes: Uint8Array) => void): void {
    const handle = this.handle();
    const size = handle.getSize();
    const buffer = new Uint8Array(Math.min(size, 8 << 20));
    for (let at = 0; at < size; at += buffer.length) {
      const read = handle.read(buffer, { at });
      consume(buffer.subarray(0, read));
    }
  }

  /** Closes the partial copy and returns it as a File, to be stored elsewhere before `remove`. */
  async complete(): Promise<File> {
    this.close();
    return this.fileHandle.getFile();
  }

  close(): void {
    this.access?.flush();
    this.access?.close();
    this.access = null;
  }

  async remove(): Promise<void> {
    this.close();
    for (const name of Object.values(partialFileNames(this.key))) await this.directory.removeEntry(name).catch(() => undefined);
  }

  private handle(): FileSystemSyncAccessHandle {
    if (!this.access) throw new Error('The partial download is closed');
    return this.access;
  }
}
