import { describe, expect, it } from 'vitest';
import { describeProblem, InputError } from '../scoring/idea-input';
import { binaryLabel, parseLabelledSet } from './labelled-set';

describe('labelled set input', () => {
  it('JSONL: ratings, outcomes in every accepted spelling, and bad rows reported by line with the reason', () => {
    const content = [
      '{"id":"a","title":"T","text":"One.","rating":6.5}',
      '{"abstract":"Two.","outcome":"Accept"}',
      '{"text":"Three.","outcome":false,"rating":"4"}',
      '{"text":"Four.","outcome":1}',
      '{"text":"Five.","outcome":"passed"}',
      '{"text":"Six."}',
      '{"text":"Seven.","rating":11}',
      '{"text":"Eight.","rating":"high"}',
      '{"text":"Nine.","outcome":"maybe"}',
      '{"rating":7}',
      'not json',
      '',
      '{"proposal":"Ten.","outcome":"FAIL","rating":null}',
    ].join('\n');
    const parsed = parseLabelledSet(content, { fileName: 'set.jsonl' });
    expect(parsed.format).toBe('jsonl');
    expect(parsed.items.map((i) => [i.where, i.idea.text, i.rating, i.outcome])).toEqual([
      ['line 1', 'One.', 6.5, undefined],
      ['line 2', 'Two.', undefined, true],
      ['line 3', 'Three.', 4, false],
      ['line 4', 'Four.', undefined, true],
      ['line 5', 'Five.', undefined, true],
      ['line 13', 'Ten.', undefined, false],
    ]);
    expect(parsed.items[0]!.idea).toEqual({ id: 'a', title: 'T', text: 'One.' });
    expect(parsed.problems.map(describeProblem)).toEqual([
      'line 6: no label (expected a "rating" from 1 to 10 and/or an "outcome")',
      'line 7: the "rating" 11 is outside 1–10',
      'line 8: the "rating" is not a number (got "high")',
      'line 9: the "outcome" "maybe" is not one of accept/reject, pass/fail, true/false, 1/0',
      'line 10: no idea text (expected a "text" or "abstract" field)',
      expect.stringMatching(/^line 11: not valid JSON/),
    ]);
  });

  it('CSV: rows counted as records, the header being row 1 (as idea-input counts); empty cells are missing labels', () => {
    const csv = 'id,title,abstract,rating,outcome\n1,"A, B","One,\nwith newline",7.25,\n2,,Two.,,reject\n3,,Three.,,\n4,,Four.,0,\n';
    const parsed = parseLabelledSet(csv, { fileName: 'set.csv' });
    expect(parsed.items.map((i) => [i.where, i.idea.id, i.idea.title, i.idea.text, i.rating, i.outcome])).toEqual([
      ['row 2', '1', 'A, B', 'One,\nwith newline', 7.25, undefined],
      ['row 3', '2', undefined, 'Two.', undefined, false],
    ]);
    expect(parsed.problems.map(describeProblem)).toEqual(['row 4: no label (expected a "rating" from 1 to 10 and/or an "outcome")', 'row 5: the "rating" 0 is outside 1–10']);
  });

  it('JSON array, or an object with "ideas"', () => {
    expect(parseLabelledSet(JSON.stringify([{ text: 'x', rating: 3 }])).items).toEqual([{ idea: { text: 'x' }, rating: 3, where: 'item 1' }]);
    expect(parseLabelledSet(JSON.stringify({ ideas: [{ text: 'x', outcome: 'pass' }] }), { fileName: 'a.json' }).items[0]!.outcome).toBe(true);
  });

  it('whole-input failures: plain text, a CSV with no label column, nothing at all', () => {
    expect(() => parseLabelledSet('Just an idea.\n\nAnother.', { fileName: 'ideas.txt' })).toThrow(/ideas\.txt: a labelled set must be JSON, JSON Lines or CSV .*plain text has no labels/);
    expect(() => parseLabelledSet('title,text\nA,B\n', { fileName: 'x.csv' })).toThrow(/x\.csv: CSV has no "rating" or "outcome" column/);
    expect(() => parseLabelledSet('  \n', { format: 'jsonl' })).toThrow(InputError);
    expect(() => parseLabelledSet('{"a":', { format: 'json' })).toThrow(/not valid JSON/);
  });

  it('the binary label: the outcome when given, else rating > 5.5 (the paper)', () => {
    expect(binaryLabel({ rating: 5.5 })).toBe(false);
    expect(binaryLabel({ rating: 5.6 })).toBe(true);
    expect(binaryLabel({ rating: 5.5 }, 5.5, '>=')).toBe(true);
    expect(binaryLabel({ rating: 9, outcome: false })).toBe(false);
    expect(() => binaryLabel({})).toThrow(/no label/);
  });
});
