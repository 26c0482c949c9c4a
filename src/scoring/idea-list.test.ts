import { describe, expect, it } from 'vitest';
import { exportCsv, exportJson, exportJsonl, parseExport, queueProgress, restoreInto, scoredByAnother, type IdeaEntry } from './idea-list';
import { DEFAULT_DECISION } from './score-stats';
import { scoreResultOf } from '../../test/support/score-result';

const result = scoreResultOf([{ score: 7.5, probability: 1 }], 7.5, { id: 'm', revision: null, dtype: 'q4', device: 'wasm' }, '2026-11-30T00:00:00.000Z');

const LIST: IdeaEntry[] = [
  { id: 'a', title: 'Scored', text: 'One.', status: 'scored', result },
  { id: 'b', text: 'Edited after scoring.', status: 'scored', result, stale: true },
  { id: 'c', text: 'Not scored yet.', status: 'draft' },
  { id: 'd', text: 'Waiting.', status: 'queued' },
  { id: 'e', text: 'Being scored.', status: 'scoring' },
  { id: 'f', text: 'Too long.', status: 'failed', error: { code: 'too-long', message: 'too long' } },
];

describe('the list export', () => {
  it('carries every idea with its status, and imports back to the same list', () => {
    const json = exportJson(LIST, DEFAULT_DECISION);
    expect(json.ideas.map((i) => [i.id, i.status])).toEqual([
      ['a', 'scored'],
      ['b', 'scored'],
      ['c', 'draft'],
      ['d', 'queued'],
      ['e', 'queued'],
      ['f', 'failed'],
    ]);
    const restored = parseExport(JSON.stringify(json))!;
    expect(restored).toEqual(LIST.map((e) => (e.status === 'scoring' ? { ...e, status: 'queued' } : e)));
    expect(parseExport(exportJsonl(LIST, DEFAULT_DECISION))).toEqual(restored);
  });

  it('CSV: UTF-8 with a byte-order mark, every idea, and text a spreadsheet would run as a formula neutralized', () => {
    const risky: IdeaEntry[] = [
      { id: 'x', title: '=HYPERLINK("http://evil.example","click")', text: '+1 cell', status: 'draft' },
      { id: 'y', text: '-2+3', status: 'draft' },
      { id: 'z', text: '@SUM(A1)', status: 'draft' },
      { id: 'w', text: 'Ünïcödé — fine', status: 'draft' },
    ];
    const csv = exportCsv(risky, DEFAULT_DECISION);
    expect(csv.startsWith('\uFEFFid,title,text,status,')).toBe(true);
    const lines = csv.slice(1).trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(`x,"'=HYPERLINK(""http://evil.example"",""click"")",'+1 cell,draft,,,,,,,,,,,,,,,,,,,`);
    expect(lines[2]).toMatch(/^y,,'-2\+3,draft,/);
    expect(lines[3]).toMatch(/^z,,'@SUM\(A1\),draft,/);
    expect(lines[4]).toMatch(/^w,,Ünïcödé — fine,draft,/);
    // Numbers stay numbers.
    expect(exportCsv([LIST[0]!], DEFAULT_DECISION)).toMatch(/\na,Scored,One\.,scored,7\.5,7\.5,0,1,pass,5\.5,>,greedy,m,q4,wasm,paper,,/);
  });
});

describe('the queue’s progress', () => {
  it('counts scored and waiting ideas, and the time left at the recent pace', () => {
    const timed = (id: string, milliseconds: number, at: string): IdeaEntry => ({
      id,
      text: id,
      status: 'scored',
      result: { ...result, provenance: { ...result.provenance, milliseconds, scoredAt: at } },
    });
    const list: IdeaEntry[] = [timed('a', 2000, '2026-11-30T00:00:01Z'), timed('b', 4000, '2026-11-30T00:00:02Z'), { id: 'c', text: 'c', status: 'queued' }, { id: 'd', text: 'd', status: 'scoring' }, { id: 'e', text: 'e', status: 'draft' }];
    expect(queueProgress(list)).toEqual({ scored: 2, waiting: 2, secondsLeft: 6 });
    expect(queueProgress(list.slice(2))).toEqual({ scored: 0, waiting: 2, secondsLeft: null });
    // Before the first score, the device's measured pace (seconds per typical idea); measured scores win after.
    expect(queueProgress(list.slice(2), 1.5)).toEqual({ scored: 0, waiting: 2, secondsLeft: 3 });
    expect(queueProgress(list, 1.5)).toEqual({ scored: 2, waiting: 2, secondsLeft: 6 });
  });
});

describe('CSV export of an explained idea', () => {
  it('names the part that raises P(accept) most and the one that lowers it most, with their Δ', () => {
    const base = scoreResultOf([{ score: 7, probability: 1 }], 7, { id: 'm', revision: null, dtype: 'q4', device: 'wasm' }, '2026-12-07T00:00:00.000Z');
    const unit = (text: string, delta: number) => ({
      kind: 'sentence' as const, start: 0, end: text.length, text, reusedTokens: 0,
      without: { greedy: 7, expected: 7, pAbove: 0.5, coverage: 1 },
      delta: { greedy: 0, expected: 0, pAbove: delta },
    });
    const entry: IdeaEntry = { id: 'a', text: 'x', status: 'scored', result: { ...base, attribution: [unit('Helps. ', 0.25), unit('Hurts. ', -0.125), unit('Neutral.', 0)] } };
    const [header, row] = exportCsv([entry], DEFAULT_DECISION).replace('\uFEFF', '').split('\n');
    expect(header).toMatch(/,raises_most,lowers_most,distribution,coverage$/);
    expect(row).toMatch(/,Helps\. \(\+0\.2500\),Hurts\. \(-0\.1250\),7:1\.000,1\.0000$/);
  });
});

describe('restoring an export into a list', () => {
  it('replaces ideas with the same id in place, adds new ones after, keeps the rest, and counts each', () => {
    const entry = (id: string, text: string): IdeaEntry => ({ id, text, status: 'draft' });
    const existing = [entry('a', 'old a'), entry('b', 'b'), entry('c', 'old c')];
    const restored = restoreInto(existing, [entry('c', 'new c'), entry('d', 'd'), entry('a', 'new a')]);
    expect(restored.entries.map((e) => `${e.id}:${e.text}`)).toEqual(['a:new a', 'b:b', 'c:new c', 'd:d']);
    expect(restored).toMatchObject({ added: 1, updated: 2, kept: 1 });
  });
});

describe('ideas scored by another model', () => {
  it('are those whose provenance names another model id, dtype or device than the loaded one', () => {
    const result = scoreResultOf([{ score: 7, probability: 1 }], 7, { id: 'm', revision: null, dtype: 'q4', device: 'wasm' }, '2026-12-07T00:00:00.000Z');
    const entry: IdeaEntry = { id: 'a', text: 'x', status: 'scored', result };
    expect(scoredByAnother(entry, { id: 'm', dtype: 'q4', device: 'wasm' })).toBe(false);
    expect(scoredByAnother(entry, { id: 'm', dtype: 'q4f16', device: 'wasm' })).toBe(true);
    expect(scoredByAnother(entry, { id: 'other', dtype: 'q4', device: 'wasm' })).toBe(true);
    expect(scoredByAnother({ id: 'b', text: 'y', status: 'draft' }, { id: 'm', dtype: 'q4', device: 'wasm' })).toBe(false);
  });
});
