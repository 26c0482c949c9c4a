/**
 * One progress line over a whole model download: bytes, rate and time left. Pure: the caller supplies
 * the clock, so the same arithmetic runs in the page and in tests.
 */
export interface DownloadProgress {
  /** Bytes fetched so far over all files, counting bytes kept from an interrupted earlier try. */
  readonly loaded: number;
  readonly total: number;
}

/** Transfer rate over a sliding window of recent samples, so a stall shows quickly and a burst does not linger. */
export class TransferRate {
  private readonly samples: { at: number; loaded: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  /** Records the running byte count at time `at` (ms). A count that went down (a restart) starts over. */
  add(loaded: number, at: number): void {
    const last = this.samples.at(-1);
    if (last && loaded < last.loaded) this.samples.length = 0;
    this.samples.push({ at, loaded });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, or null until there is at least half a second to measure. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return null;
    return ((last.loaded - first.loaded) * 1000) / (last.at - first.at);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  return `${hours} h ${Math.round((seconds - hours * 3600) / 60)} min`;
}

/** "1.20 GB of 5.10 GB · 12.3 MB/s · about 5 min left"; rate and time appear once they can be measured. */
export function describeDownload(progress: DownloadProgress, bytesPerSecond: number | null): string {
  const parts = [`${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}`];
  if (bytesPerSecond !== null && bytesPerSecond > 0) {
    parts.push(`${formatBytes(bytesPerSecond)}/s`);
    const left = Math.max(0, progress.total - progress.loaded);
    if (left > 0) parts.push(`about ${formatDuration(left / bytesPerSecond)} left`);
  } else if (bytesPerSecond === 0 && progress.loaded < progress.total) {
    parts.push('stalled');
  }
  return parts.join(' · ');
}
