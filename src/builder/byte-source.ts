/**
 * Where the builder reads bytes from. The converter core only sees these interfaces, so the same code
 * converts from a local folder (Node), from Blobs (a dropped folder in the page) or over HTTP Range
 * requests (a hub or any static server).
 */
export interface ByteSource {
  /** A name for messages, e.g. the file path or URL. */
  readonly name: string;
  size(): Promise<number>;
  /** Exactly `length` bytes starting at `offset`; rejects if the source is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** What identifies this version of the file where the source says (an HTTP ETag). */
  readonly version?: string | null;
}

/** A folder of files, as the checkpoint reader sees it. */
export interface FileTree {
  readonly name: string;
  /** The file, or null when the tree has no such file. */
  open(path: string): Promise<ByteSource | null>;
}

export class TruncatedSourceError extends Error {}

/** The server answered with an error status; 5xx may pass on retry, 4xx will not. */
export class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function readText(source: ByteSource): Promise<string> {
  const bytes = await source.read(0, await source.size());
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export async function readJson(source: ByteSource): Promise<unknown> {
  const text = await readText(source);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${source.name} is not valid JSON: ${(error as Error).message}`);
  }
}

export class BlobByteSource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly blob: Blob,
  ) {}
  async size(): Promise<number> {
    return this.blob.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.blob.size) {
      throw new TruncatedSourceError(`${this.name}: wanted bytes ${offset}..${offset + length}, file has ${this.blob.size}`);
    }
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}

/** A file on any server that honours HTTP Range requests (the hub's resolve URLs do). */
export class HttpRangeByteSource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
    private readonly headers: Record<string, string> = {},
    private knownSize?: number,
    readonly version: string | null = null,
  ) {}

  async size(): Promise<number> {
    if (this.knownSize !== undefined) return this.knownSize;
    const response = await this.fetchImpl(this.url, { method: 'HEAD', headers: this.headers });
    if (!response.ok) throw new HttpStatusError(`${this.name}: HTTP ${response.status} for ${this.url}`, response.status);
    const length = Number(response.headers.get('content-length'));
    if (!Number.isFinite(length)) throw new Error(`${this.name}: server did not say how long the file is`);
    this.knownSize = length;
    return length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const range = `bytes=${offset}-${offset + length - 1}`;
    const response = await this.fetchImpl(this.url, { headers: { ...this.headers, Range: range } });
    if (response.status !== 206 && response.status !== 200) {
      throw new HttpStatusError(`${this.name}: HTTP ${response.status} for ${this.url} (${range})`, response.status);
    }
    let bytes = new Uint8Array(await response.arrayBuffer());
    // A server that ignores Range sends the whole file with 200.
    if (response.status === 200) bytes = bytes.subarray(offset, offset + length);
    if (bytes.length !== length) {
      throw new TruncatedSourceError(`${this.name}: wanted ${length} bytes at ${offset}, got ${bytes.length}`);
    }
    return bytes;
  }
}

/** A folder on a static server or the hub: `baseUrl + path`. Missing files are 404s. */
export class HttpFileTree implements FileTree {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
    private readonly headers: Record<string, string> = {},
  ) {}
  async open(path: string): Promise<ByteSource | null> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`).toString();
    const probe = await this.fetchImpl(url, { method: 'HEAD', headers: this.headers });
    if (probe.status === 404) return null;
    if (!probe.ok) throw new HttpStatusError(`${this.name}/${path}: HTTP ${probe.status}`, probe.status);
    const length = Number(probe.headers.get('content-length') ?? NaN);
    const version = probe.headers.get('x-linked-etag') ?? probe.headers.get('etag');
    return new HttpRangeByteSource(`${this.name}/${path}`, url, this.fetchImpl, this.headers, Number.isFinite(length) ? length : undefined, version);
  }
}

/** Files held in memory or picked in the browser, by relative path. */
export class BlobFileTree implements FileTree {
  constructor(
    readonly name: string,
    private readonly files: ReadonlyMap<string, Blob>,
  ) {}
  async open(path: string): Promise<ByteSource | null> {
    const blob = this.files.get(path);
    return blob ? new BlobByteSource(`${this.name}/${path}`, blob) : null;
  }
}

export interface RetryPolicy {
  /** Tries per read, the first included. */
  readonly attempts: number;
  /** Wait before retry n (1-based): `delayMs × 2^(n-1)`. */
  readonly delayMs: number;
  readonly onRetry?: (source: string, attempt: number, error: Error) => void;
}

const retryable = (error: unknown) => !(error instanceof HttpStatusError) || error.status >= 500 || error.status === 408 || error.status === 429;

/** The source was never reached: offline, a wrong host, or a server that refuses this origin (CORS). */
export class UnreachableSourceError extends Error {
  constructor(source: string, cause: Error) {
    super(`could not reach ${source} (${cause.message}): check the address and this computer's connection`);
    this.name = 'UnreachableSourceError';
  }
}

/**
 * A tree whose reads survive dropped connections: a failed read is asked again, whole, after a back-off.
 * Error statuses a retry cannot mend (404, 403, 416) fail at once, and so does a network error before the
 * source has answered once: an unreachable host is said at once, not after a minute of back-offs.
 */
export class RetryingFileTree implements FileTree {
  readonly name: string;
  private answered = false;
  constructor(
    private readonly tree: FileTree,
    private readonly policy: RetryPolicy,
  ) {
    this.name = tree.name;
  }

  async open(path: string): Promise<ByteSource | null> {
    const source = await this.withRetries(path, () => this.tree.open(path));
    if (!source) return null;
    return {
      name: source.name,
      version: source.version,
      size: () => this.withRetries(source.name, () => source.size()),
      read: (offset, length) => this.withRetries(source.name, () => source.read(offset, length)),
    };
  }

  private async withRetries<T>(name: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await run();
        this.answered = true;
        return result;
      } catch (error) {
        if (error instanceof HttpStatusError) this.answered = true;
        else if (!this.answered) throw new UnreachableSourceError(this.name, error as Error);
        if (attempt >= this.policy.attempts || !retryable(error)) throw error;
        this.policy.onRetry?.(name, attempt, error as Error);
        await new Promise((resolve) => setTimeout(resolve, this.policy.delayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
