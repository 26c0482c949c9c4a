import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportList, readListFile } from '../../src/scoring/list-file';
import type { IdeaEntry } from '../../src/scoring/idea-list';
import { DEFAULT_DECISION } from '../../src/scoring/score-stats';
import { scoreResultOf } from '../support/score-result';

/** Case counts are printed so the note can report them. */
const RUNS = 300;
const encoder = new TextEncoder();

/** The import either reads the file or refuses it with one Error that names the file: never anything else. */
function readsOrRefuses(bytes: Uint8Array, name: string): void {
  try {
    const content = readListFile(bytes, name);
    if (content.kind === 'ideas') {
      for (const idea of content.ideas) expect(typeof idea.text).toBe('string');
      expect(content.problemCount).toBeGreaterThanOrEqual(content.problems.length);
    } else {
      for (const entry of content.entries) expect(typeof entry.text).toBe('string');
    }
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message).toContain(name);
  }
}

const text = fc.string({ unit: fc.constantFrom('grapheme', 'binary', 'grapheme-composite'), minLength: 1, maxLength: 200 }).filter((t) => t.trim().length > 0);
const entry = fc.record({
  title: fc.option(text, { nil: undefined }),
  text,
  kind: fc.constantFrom('draft', 'queued', 'scored', 'failed'),
  greedy: fc.integer({ min: 0, max: 100 }).map((n) => n / 10),
});

function entriesFrom(records: fc.Arbitrary<{ title: string | undefined; text: string; kind: string; greedy: number }[]>) {
  return records.map((list) =>
    list.map(({ title, text: body, kind, greedy }, i): IdeaEntry => {
      const base = { id: `idea-${i}`, ...(title !== undefined ? { title: title.trim() } : {}), text: body.trim() };
      if (kind === 'scored') return { ...base, status: 'scored', result: scoreResultOf([{ score: greedy, probability: 1 }], greedy, { id: 'm', revision: null, dtype: 'q4', device: 'wasm' }, '2026-12-07T00:00:00.000Z') };
      if (kind === 'failed') return { ...base, status: 'failed', error: { code: 'model-error', message: 'broke' } };
      return { ...base, status: kind as 'draft' | 'queued' };
    }),
  );
}

describe('importing files, by property', () => {
  it(`arbitrary bytes are read or refused with a message naming the file (${RUNS} cases per format name)`, () => {
    for (const name of ['ideas.json', 'ideas.jsonl', 'ideas.csv', 'ideas.txt']) {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => readsOrRefuses(bytes, name)), { numRuns: RUNS });
    }
  });

  it(`mutated exports (bytes changed, cut, spliced) are read or refused, never a crash (${RUNS} cases per format)`, () => {
    for (const format of ['json', 'jsonl', 'csv'] as const) {
      fc.assert(
        fc.property(entriesFrom(fc.array(entry, { minLength: 1, maxLength: 5 })), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (entries, edits, cut) => {
          const bytes = encoder.encode(exportList(format, entries, DEFAULT_DECISION, null));
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          readsOrRefuses(bytes.subarray(0, bytes.length - (cut % Math.max(1, bytes.length >> 2))), `list.${format}`);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it(`every JSON and JSONL export imports back as the same list (${RUNS} cases per format)`, () => {
    for (const format of ['json', 'jsonl'] as const) {
      fc.assert(
        fc.property(entriesFrom(fc.array(entry, { minLength: 1, maxLength: 8 })), (entries) => {
          const content = readListFile(encoder.encode(exportList(format, entries, DEFAULT_DECISION, null)), `list.${format}`);
          expect(content.kind).toBe('export');
          expect(content.kind === 'export' ? content.entries : null).toEqual(entries);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('a one-idea JSONL export (one line) imports back: found by the round-trip property', () => {
    const entries: IdeaEntry[] = [{ id: 'only', text: 'The only idea.', status: 'draft' }];
    const content = readListFile(encoder.encode(exportList('jsonl', entries, DEFAULT_DECISION, null)), 'one.jsonl');
    expect(content).toEqual({ kind: 'export', entries });
  });
});
