import { describe, expect, it } from 'vitest';
import { deviceFigures, deviceFiguresKey, formatDuration, PASSES_PER_IDEA, secondsToScore } from './device-figures';

describe('device figures', () => {
  it('turns one measurement into rates: the median pass, and one prefill plus the readout passes per idea', () => {
    const figures = deviceFigures({ prefillTokens: 400, reusedTokens: 150, prefillMilliseconds: 2000, passMilliseconds: [50, 40, 900, 45, 60] }, new Date('2026-12-07T00:00:00Z'));
    expect(figures.prefillTokensPerSecond).toBe(200);
    expect(figures.passMilliseconds).toBe(50);
    expect(figures.secondsPerIdea).toBeCloseTo(2 + (PASSES_PER_IDEA * 50) / 1000, 9);
    expect(figures.measuredAt).toBe('2026-12-07T00:00:00.000Z');
    expect(secondsToScore(figures, 1000)).toBeCloseTo(figures.secondsPerIdea * 1000, 6);
  });

  it('refuses a measurement without a prefill or a pass', () => {
    expect(() => deviceFigures({ prefillTokens: 0, reusedTokens: 0, prefillMilliseconds: 1, passMilliseconds: [1] })).toThrow(/needs a prefill/);
    expect(() => deviceFigures({ prefillTokens: 5, reusedTokens: 0, prefillMilliseconds: 1, passMilliseconds: [] })).toThrow(/single-token pass/);
  });

  it('keeps figures apart per model, dtype, device, runtime build and adapter', () => {
    const base = { id: 'm', dtype: 'q4', device: 'webgpu', runtime: 'jspi', adapterNote: 'nvidia' };
    const keys = new Set([base, { ...base, dtype: 'q4f16' }, { ...base, runtime: 'asyncify' }, { ...base, adapterNote: 'intel' }, { ...base, device: 'wasm' }].map(deviceFiguresKey));
    expect(keys.size).toBe(5);
  });

  it('words durations as the page shows them', () => {
    expect(formatDuration(0.02)).toBe('0.1 s');
    expect(formatDuration(2.34)).toBe('2.3 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(9000)).toBe('2.5 h');
  });
});
