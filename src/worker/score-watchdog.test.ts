import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORE_OPTIONS } from '../engine/qwen-scorer';
import { hungRunMessage, slowerPace, WATCHDOG_FLOOR_MS, watchdogBoundMs, worstCasePasses } from './score-watchdog';

describe('score watchdog bound', () => {
  it('is the floor before any run was measured', () => {
    expect(watchdogBoundMs(null)).toBe(WATCHDOG_FLOOR_MS);
  });

  it('stays at the floor while runs are fast', () => {
    // 1 ms per pass: 2 × 2034 passes is 4 s, well under five minutes.
    expect(watchdogBoundMs(1)).toBe(WATCHDOG_FLOOR_MS);
  });

  it('grows with the slowest pace: a short forced run must not condemn a long decoded one', () => {
    // A 7B model on a slow GPU: a forced readout of 6 passes in 12 s is 2 s a pass; a run that decodes
    // 1000 tokens at that pace takes over half an hour and must still fit.
    const pace = slowerPace(null, { milliseconds: 12_000, forwardPasses: 6 })!;
    expect(pace).toBe(2_000);
    const bound = watchdogBoundMs(pace);
    expect(bound).toBe(2 * worstCasePasses() * 2_000);
    expect(bound).toBeGreaterThan(1_034 * 2_000);
  });

  it('never exceeds what a timer can wait for', () => {
    expect(watchdogBoundMs(10_000_000)).toBe(2 ** 31 - 1);
  });

  it('keeps the slowest pace seen and ignores runs without a pass', () => {
    let pace = slowerPace(null, { milliseconds: 600, forwardPasses: 6 });
    pace = slowerPace(pace, { milliseconds: 5_000, forwardPasses: 100 });
    expect(pace).toBe(100);
    pace = slowerPace(pace, { milliseconds: 50, forwardPasses: 0 });
    expect(pace).toBe(100);
    expect(slowerPace(null, { milliseconds: 50, forwardPasses: 0 })).toBeNull();
  });

  it('counts the passes the engine can take with its defaults', () => {
    const { maxNewTokens, readoutMaxForwards } = DEFAULT_SCORE_OPTIONS;
    expect(worstCasePasses()).toBe(worstCasePasses(maxNewTokens, readoutMaxForwards));
    expect(worstCasePasses(10, 4)).toBe(26);
  });

  it('says how long it waited', () => {
    expect(hungRunMessage(90_000)).toBe('The model did not answer within 90 s; its worker is being replaced.');
  });
});
