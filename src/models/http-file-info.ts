/** What a server's response headers say about a file: its size, its version, and a published SHA-256. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** The whole file's size: from `Content-Range: bytes a-b/N` on a 206, else Content-Length. */
export function fileSizeFrom(status: number, headers: HeaderReader): number | null {
  const range = headers.get('content-range');
  if (status === 206 && range) {
    const total = /\/(\d+)\s*$/.exec(range)?.[1];
    return total === undefined ? null : Number(total);
  }
  const length = headers.get('content-length');
  return length === null || length === '' || !/^\d+$/.test(length.trim()) ? null : Number(length);
}

/** The first byte a 206 response starts at, or null when the header is missing or malformed. */
export function rangeStartFrom(headers: HeaderReader): number | null {
  const start = /^\s*bytes\s+(\d+)-/.exec(headers.get('content-range') ?? '')?.[1];
  return start === undefined ? null : Number(start);
}

/** The file's version tag, to tell whether a resumed download still fetches the same file. */
export function versionTagFrom(headers: HeaderReader): string | null {
  return headers.get('x-linked-etag') ?? headers.get('etag');
}

/**
 * The SHA-256 a source publishes for a file, lower-case hex, or null. The Hugging Face hub serves LFS files
 * (model weights) with their LFS object id, the file's SHA-256, as `X-Linked-ETag` (or `ETag`); a tag that
 * is not 64 hex digits (a git blob id, a xet hash, a server's own etag) is not a hash we can check.
 */
export function publishedSha256(headers: HeaderReader): string | null {
  const tag = versionTagFrom(headers);
  const hex = tag?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}
