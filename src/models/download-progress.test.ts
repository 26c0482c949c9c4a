import { describe, expect, it } from 'vitest';
import { describeDownload, formatDuration, TransferRate } from './download-progress';

describe('download progress', () => {
  it('measures the rate over the recent window only', () => {
    const rate = new TransferRate(5_000);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(0, 0);
    rate.add(1_000_000, 400);
    expect(rate.bytesPerSecond()).toBeNull(); // under half a second: too early to say
    rate.add(10_000_000, 1_000);
    expect(rate.bytesPerSecond()).toBe(10_000_000);
    // A slow stretch after the window has moved on: the early burst no longer counts.
    rate.add(11_000_000, 7_000);
    rate.add(12_000_000, 12_000);
    expect(rate.bytesPerSecond()).toBeCloseTo(200_000, 6);
  });

  it('starts over when the count goes down (a file restarted from its first byte)', () => {
    const rate = new TransferRate();
    rate.add(5_000_000, 0);
    rate.add(6_000_000, 1_000);
    rate.add(1_000_000, 2_000);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(3_000_000, 3_000);
    expect(rate.bytesPerSecond()).toBe(2_000_000);
  });

  it('describes bytes, rate and time left', () => {
    expect(describeDownload({ loaded: 1_200_000_000, total: 5_100_000_000 }, 13_000_000)).toBe('1.20 GB of 5.10 GB · 13.0 MB/s · about 5 min left');
    expect(describeDownload({ loaded: 500_000, total: 2_000_000 }, null)).toBe('500 kB of 2.0 MB');
    expect(describeDownload({ loaded: 500_000, total: 2_000_000 }, 0)).toBe('500 kB of 2.0 MB · stalled');
    expect(describeDownload({ loaded: 2_000_000, total: 2_000_000 }, 1_000_000)).toBe('2.0 MB of 2.0 MB · 1.0 MB/s');
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(7_260)).toBe('2 h 1 min');
  });
});
