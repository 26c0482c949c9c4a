/** One line on a terminal (stderr) that redraws in place: bar, percentage, MB/s and time left. */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number, label: string): void {
    const now = Date.now();
    if (now - this.lastDraw < 200 && done < total) return;
    this.lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / 1e6 / seconds : 0;
    const left = rate > 0 ? (total - done) / 1e6 / rate : 0;
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ` +
      `${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB ${rate.toFixed(1)} MB/s ~${left.toFixed(0)} s left  ${label}`;
    if (this.stream.isTTY) this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    else if (!this.drawn || done >= total) this.stream.write(`${line}\n`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\n');
    this.drawn = false;
  }
}
