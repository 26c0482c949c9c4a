/// <reference lib="webworker" />
/** Writing to OPFS through a sync access handle without losing bytes silently. */

/** The storage took fewer bytes than it was given; in practice, the origin's quota is full. */
export function storageFull(detail: string): Error {
  const error = new Error(`The browser's file storage refused bytes (${detail})`);
  error.name = 'QuotaExceededError';
  return error;
}

/** Writes all of `bytes` at `at`, or throws a QuotaExceededError. */
export function writeFully(access: FileSystemSyncAccessHandle, bytes: Uint8Array, at: number): void {
  let done = 0;
  while (done < bytes.length) {
    const written = access.write(bytes.subarray(done), { at: at + done });
    // Chromium over quota has answered with 2^32 - 8 (a negative count, unsigned) instead of throwing.
    if (!(written > 0 && written <= bytes.length - done)) throw storageFull(`a write of ${bytes.length - done} bytes returned ${written}`);
    done += written;
  }
}
