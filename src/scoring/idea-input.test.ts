import { describe, expect, it } from 'vitest';
import { decodeUtf8, describeProblem, detectFormat, InputError, parseIdeas } from './idea-input';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeUtf8', () => {
  it('decodes UTF-8 and strips a BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Ünïcødé idea — ok')]);
    expect(decodeUtf8(bytes, 'ideas.txt')).toBe('Ünïcødé idea — ok');
    expect(decodeUtf8(utf8('plain'), 'x')).toBe('plain');
    expect(decodeUtf8(new Uint8Array(), 'x')).toBe('');
  });

  it('refuses invalid UTF-8, naming the source and the offset', () => {
    const latin1 = new Uint8Array([...utf8('caf'), 0xe9, ...utf8(' idea')]); // "café" in Latin-1
    expect(() => decodeUtf8(latin1, 'ideas-latin1.csv')).toThrow(InputError);
    expect(() => decodeUtf8(latin1, 'ideas-latin1.csv')).toThrow(
      /^ideas-latin1\.csv is not valid UTF-8 text \(invalid byte sequence at byte offset 3\)/,
    );
    // A truncated multi-byte sequence at the end, an overlong encoding and an encoded surrogate.
    expect(() => decodeUtf8(new Uint8Array([0x61, 0xe2, 0x82]), 'a')).toThrow(/offset 1/);
    expect(() => decodeUtf8(new Uint8Array([0xc0, 0xaf]), 'b')).toThrow(/offset 0/);
    expect(() => decodeUtf8(new Uint8Array([0x61, 0x62, 0xed, 0xa0, 0x80]), 'c')).toThrow(/offset 2/);
  });
});

describe('detectFormat', () => {
  it('uses the file extension, case-insensitively', () => {
    expect(detectFormat('whatever', 'a.jsonl')).toBe('jsonl');
    expect(detectFormat('whatever', 'a.NDJSON')).toBe('jsonl');
    expect(detectFormat('whatever', 'dir/a.b.json')).toBe('json');
    expect(detectFormat('[]', 'ideas.csv')).toBe('csv');
    expect(detectFormat('{"text":"x"}', 'ideas.txt')).toBe('text');
    expect(detectFormat('text,title', 'notes.md')).toBe('text');
  });

  it('falls back to the content for unknown or missing extensions', () => {
    expect(detectFormat('[{"text":"x"}]', 'ideas.dat')).toBe('json');
    expect(detectFormat('[{"text":"x"}]', 'ideas')).toBe('json');
  });

  it('detects JSON from content', () => {
    expect(detectFormat('  \n[{"text": "x"}]')).toBe('json');
    expect(detectFormat('[]')).toBe('json');
    expect(detectFormat('{\n  "ideas": [\n    {"text": "x"}\n  ]\n}')).toBe('json');
    expect(detectFormat('{"ideas": [{"text": "x"}]}')).toBe('json');
    // Malformed JSON is still JSON (the parser then reports the error).
    expect(detectFormat('[{"text": "x"},')).toBe('json');
    expect(detectFormat('{\n  "text": "x",\n')).toBe('json');
  });

  it('detects JSON Lines from content', () => {
    expect(detectFormat('{"text": "a"}\n{"text": "b"}\n')).toBe('jsonl');
    expect(detectFormat('{"text": "a"}\n\n{"text": "b"}')).toBe('jsonl');
    expect(detectFormat('{"text": "only one"}')).toBe('jsonl');
    expect(detectFormat('\uFEFF{"text": "a"}\r\n{"text": "b"}\r\n')).toBe('jsonl');
  });

  it('detects CSV from a header row', () => {
    expect(detectFormat('id,title,text\n1,a,b')).toBe('csv');
    expect(detectFormat('Title, Abstract\na,b')).toBe('csv');
    expect(detectFormat('"proposal",other\nx,y')).toBe('csv');
    expect(detectFormat('title,notes\nx,y')).toBe('csv');
  });

  it('treats everything else as plain text', () => {
    expect(detectFormat('An idea, with a comma.\n\nAnother idea.')).toBe('text');
    expect(detectFormat('We propose a text, abstract and proposal generator')).toBe('text');
    expect(detectFormat('[Draft] an idea that starts with a bracket')).toBe('text');
    expect(detectFormat('{Working title} an idea')).toBe('text');
    expect(detectFormat('')).toBe('text');
  });
});

describe('parseIdeas: JSON Lines', () => {
  it('reads one object per non-empty line with ids, titles and aliases', () => {
    const content = [
      '{"id": "a1", "title": "  First  ", "text": "  Idea one.  "}',
      '',
      '   ',
      '{"id": 7, "abstract": "Idea two."}',
      '{"title": "", "proposal": "Idea three.", "score": 9}',
      '{"text": "Text wins.", "abstract": "Not this."}',
    ].join('\n');
    const parsed = parseIdeas(content);
    expect(parsed).toEqual({
      format: 'jsonl',
      ideas: [
        { id: 'a1', title: 'First', text: 'Idea one.' },
        { id: '7', text: 'Idea two.' },
        { text: 'Idea three.' },
        { text: 'Text wins.' },
      ],
      problems: [],
    });
    expect(parsed.ideas[2]).not.toHaveProperty('title');
  });

  it('reports bad lines with their line numbers and keeps the good ones in order', () => {
    const content = [
      '{"text": "good 1"}',
      '{"text": "unterminated',
      '{"text": "good 2"}',
      '',
      '{"title": "no text"}',
      '{"text": "   "}',
      '{"text": 42}',
      '["not", "an", "object"]',
      '"a string"',
      '{"text": "good 3"}',
    ].join('\n');
    const parsed = parseIdeas(content, { format: 'jsonl' });
    expect(parsed.ideas.map((i) => i.text)).toEqual(['good 1', 'good 2', 'good 3']);
    expect(parsed.problems.map((p) => p.where)).toEqual(['line 2', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
    expect(describeProblem(parsed.problems[0]!)).toMatch(/^line 2: not valid JSON: .+/);
    expect(parsed.problems[1]).toEqual({
      where: 'line 5',
      message: 'no idea text (expected a "text" or "abstract" field)',
    });
    expect(parsed.problems[2]!.message).toBe('no idea text (expected a "text" or "abstract" field)');
    expect(parsed.problems[3]!.message).toBe('the "text" field is not a string (got a number)');
    expect(parsed.problems[4]!.message).toBe('not a JSON object (got an array)');
    expect(parsed.problems[5]!.message).toBe('not a JSON object (got a string)');
  });

  it('reports non-string titles and odd ids', () => {
    const parsed = parseIdeas('{"text": "x", "title": 3}\n{"text": "y", "id": {"a": 1}}\n{"text": "z", "id": "  ", "title": null}', {
      format: 'jsonl',
    });
    expect(parsed.ideas).toEqual([{ text: 'z' }]);
    expect(parsed.problems).toEqual([
      { where: 'line 1', message: 'the "title" field is not a string (got a number)' },
      { where: 'line 2', message: 'the "id" field is not a string or number (got an object)' },
    ]);
  });

  it('falls through to the next text field when one is blank', () => {
    const parsed = parseIdeas('{"text": "", "abstract": "From the abstract."}', { format: 'jsonl' });
    expect(parsed.ideas).toEqual([{ text: 'From the abstract.' }]);
  });
});

describe('parseIdeas: JSON', () => {
  it('reads an array of objects', () => {
    const content = JSON.stringify([
      { id: 1, title: 'T1', text: 'One' },
      { abstract: 'Two' },
      { proposal: 'Three', title: '  ' },
    ]);
    expect(parseIdeas(content)).toEqual({
      format: 'json',
      ideas: [{ id: '1', title: 'T1', text: 'One' }, { text: 'Two' }, { text: 'Three' }],
      problems: [],
    });
  });

  it("reads Referee's own export format, ignoring other fields", () => {
    const content = JSON.stringify(
      {
        schema: 'referee.scores',
        version: 1,
        model: 'AlphaResearch-RM-7B',
        ideas: [
          { id: 'i1', title: 'Sparse attention', text: 'We propose…', score: 6.5, probabilities: [0.1, 0.9] },
          { id: 'i2', text: 'Second idea.', score: 4 },
        ],
      },
      null,
      2,
    );
    expect(parseIdeas(content, { fileName: 'scores.json' })).toEqual({
      format: 'json',
      ideas: [
        { id: 'i1', title: 'Sparse attention', text: 'We propose…' },
        { id: 'i2', text: 'Second idea.' },
      ],
      problems: [],
    });
  });

  it('reports bad items by position', () => {
    const content = JSON.stringify([{ text: 'ok' }, { title: 'no text' }, 'string', null, { text: ['a'] }, { text: 'ok 2' }]);
    const parsed = parseIdeas(content);
    expect(parsed.ideas).toEqual([{ text: 'ok' }, { text: 'ok 2' }]);
    expect(parsed.problems.map(describeProblem)).toEqual([
      'item 2: no idea text (expected a "text" or "abstract" field)',
      'item 3: not a JSON object (got a string)',
      'item 4: not a JSON object (got null)',
      'item 5: the "text" field is not a string (got an array)',
    ]);
  });

  it('throws InputError for a malformed document, with the parser message', () => {
    expect(() => parseIdeas('[{"text": "x"},', { format: 'json' })).toThrow(InputError);
    expect(() => parseIdeas('[{"text": "x"},')).toThrow(/^not valid JSON: .+/);
    expect(() => parseIdeas('[{"text": "x"},', { fileName: 'ideas.json' })).toThrow(/^ideas\.json: not valid JSON: .+/);
  });

  it('throws InputError for a value that is neither an array nor an object with ideas', () => {
    expect(() => parseIdeas('{"text": "x"}', { format: 'json' })).toThrow(
      'expected a JSON array of ideas or an object with an "ideas" array, got an object',
    );
    expect(() => parseIdeas('42', { format: 'json' })).toThrow(/got a number$/);
    expect(() => parseIdeas('{"ideas": "nope"}')).toThrow('the "ideas" field is not an array (got a string)');
  });

  it('throws "no ideas found" for an empty array or ideas list', () => {
    expect(() => parseIdeas('[]')).toThrow(new InputError('no ideas found'));
    expect(() => parseIdeas('{"schema": "referee.scores", "version": 1, "ideas": []}')).toThrow('no ideas found');
  });
});

describe('parseIdeas: CSV', () => {
  it('takes any column name as a plain field: the first of two same-named columns wins, "__proto__" is just a name', () => {
    const content = 'text,__proto__,constructor,TEXT\nIdea one.,x,y,shadowed\n';
    expect(parseIdeas(content).ideas).toEqual([{ text: 'Idea one.' }]);
  });

  it('reads rows by case-insensitive column names', () => {
    const content = 'ID,Title,Abstract,Extra\n1,First,Idea one.,x\n2,,Idea two.,y\n';
    expect(parseIdeas(content)).toEqual({
      format: 'csv',
      ideas: [
        { id: '1', title: 'First', text: 'Idea one.' },
        { id: '2', text: 'Idea two.' },
      ],
      problems: [],
    });
  });

  it('handles quoted fields with embedded commas, newlines and quotes', () => {
    const content = 'title,text\n"Graphs, again","Line one, with a comma.\nLine two with ""quotes""."\nplain,simple\n';
    expect(parseIdeas(content, { fileName: 'ideas.csv' }).ideas).toEqual([
      { title: 'Graphs, again', text: 'Line one, with a comma.\nLine two with "quotes".' },
      { title: 'plain', text: 'simple' },
    ]);
  });

  it('accepts proposal as the text column and prefers text over abstract', () => {
    expect(parseIdeas('proposal\nAn idea\n', { format: 'csv' }).ideas).toEqual([{ text: 'An idea' }]);
    expect(parseIdeas('abstract,text\nA,T\nA2,\n', { format: 'csv' }).ideas).toEqual([{ text: 'T' }, { text: 'A2' }]);
  });

  it('skips blank rows and reports rows without text, counting the header as row 1', () => {
    const content = 'title,text\nA,one\n\nB,\n , \nC,three\nD\n';
    const parsed = parseIdeas(content);
    expect(parsed.ideas).toEqual([
      { title: 'A', text: 'one' },
      { title: 'C', text: 'three' },
    ]);
    expect(parsed.problems.map(describeProblem)).toEqual([
      'row 4: no idea text (expected a "text" or "abstract" field)',
      'row 7: no idea text (expected a "text" or "abstract" field)',
    ]);
  });

  it('reports a row with broken quoting', () => {
    const parsed = parseIdeas('title,text\nA,one\nB,"unterminated\nC,three\n', { format: 'csv' });
    expect(parsed.ideas).toEqual([{ title: 'A', text: 'one' }]);
    expect(parsed.problems).toHaveLength(1);
    expect(describeProblem(parsed.problems[0]!)).toMatch(/^row 3: malformed CSV: /);
  });

  it('throws InputError naming the columns found when there is no text column', () => {
    expect(() => parseIdeas('title,notes\nA,B\n')).toThrow(InputError);
    expect(() => parseIdeas('title,notes\nA,B\n')).toThrow(
      'CSV has no "text", "abstract" or "proposal" column (the header row is required; columns found: "title", "notes")',
    );
    expect(() => parseIdeas('first idea,second\n', { fileName: 'x.csv' })).toThrow(
      /^x\.csv: CSV has no .*columns found: "first idea", "second"\)$/,
    );
  });

  it('throws "no ideas found" for a header with no rows', () => {
    expect(() => parseIdeas('title,text\n\n')).toThrow('no ideas found');
  });
});

describe('parseIdeas: plain text', () => {
  it('splits ideas on blank lines (whitespace-only lines count) and trims them', () => {
    const content = '\n\n  First idea,\nsecond line.  \n\n \t \n\n\nSecond idea.\n   \nThird idea.\n\n';
    expect(parseIdeas(content)).toEqual({
      format: 'text',
      ideas: [{ text: 'First idea,\nsecond line.' }, { text: 'Second idea.' }, { text: 'Third idea.' }],
      problems: [],
    });
  });

  it('never reads JSON when told the format is text; a Title: line is its idea’s title (issue 25)', () => {
    expect(parseIdeas('{"title": "x", "text": "y"}', { format: 'text' }).ideas).toEqual([
      { text: '{"title": "x", "text": "y"}' },
    ]);
    expect(parseIdeas('Title: x\nBody', { fileName: 'ideas.md' }).ideas).toEqual([{ title: 'x', text: 'Body' }]);
  });
});

describe('parseIdeas: normalisation and whole-input errors', () => {
  it('strips a BOM and turns CRLF into LF in every format', () => {
    const bom = '\uFEFF';
    expect(parseIdeas(`${bom}First\r\nstill first\r\n\r\nSecond\r\n`).ideas).toEqual([
      { text: 'First\nstill first' },
      { text: 'Second' },
    ]);
    expect(parseIdeas(`${bom}{"text": "a"}\r\n{"text": "b\\r\\nc"}\r\n`)).toMatchObject({
      format: 'jsonl',
      ideas: [{ text: 'a' }, { text: 'b\nc' }],
    });
    expect(parseIdeas(`${bom}[{"text": "a"}]\r\n`).ideas).toEqual([{ text: 'a' }]);
    expect(parseIdeas(`${bom}Title,Text\r\nT,"x\r\ny"\r\n`)).toEqual({
      format: 'csv',
      ideas: [{ title: 'T', text: 'x\ny' }],
      problems: [],
    });
  });

  it('works on decoded file bytes with a BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('id,text\r\n1,hello\r\n')]);
    expect(parseIdeas(decodeUtf8(bytes, 'x.csv'), { fileName: 'x.csv' }).ideas).toEqual([{ id: '1', text: 'hello' }]);
  });

  it('throws "no ideas found" for empty input in any format', () => {
    for (const format of ['jsonl', 'json', 'csv', 'text'] as const) {
      expect(() => parseIdeas('', { format })).toThrow(new InputError('no ideas found'));
      expect(() => parseIdeas(' \n\t\r\n ', { format })).toThrow('no ideas found');
    }
    expect(() => parseIdeas('\uFEFF')).toThrow('no ideas found');
    expect(() => parseIdeas('', { fileName: 'empty.txt' })).toThrow('empty.txt: no ideas found');
  });

  it('returns problems (not an error) when every record is bad', () => {
    const parsed = parseIdeas('{"title": "x"}\n', { format: 'jsonl' });
    expect(parsed.ideas).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
  });

  it('the explicit format wins over the file name', () => {
    expect(parseIdeas('a,b\n\nc', { format: 'text', fileName: 'x.csv' })).toEqual({
      format: 'text',
      ideas: [{ text: 'a,b' }, { text: 'c' }],
      problems: [],
    });
  });

  it('passes a 1 MB text through unchanged in every format', () => {
    const unit = 'Lorem ipsum dolor sit amet, "quoted" — ünïcode 😀.\n';
    let big = '';
    while (big.length < 1_000_000) big += unit;
    big = `Start ${big}End`;
    expect(parseIdeas(big, { format: 'text' }).ideas).toEqual([{ text: big }]);
    expect(parseIdeas(JSON.stringify({ text: big })).ideas[0]!.text).toBe(big);
    expect(parseIdeas(JSON.stringify([{ title: 't', text: big }])).ideas[0]!.text).toBe(big);
    const csv = `title,text\nt,"${big.replace(/"/g, '""')}"\n`;
    expect(parseIdeas(csv).ideas).toEqual([{ title: 't', text: big }]);
  });
});

describe('pasted text with its own marks', () => {
  it('keeps a multi-paragraph abstract whole when Title: lines start the ideas, and takes the titles', () => {
    const parsed = parseIdeas('Title: Sparse experts\nFirst paragraph.\n\nSecond paragraph.\n\nTitle: Curricula\nOne paragraph.', { format: 'text' });
    expect(parsed.ideas).toEqual([
      { title: 'Sparse experts', text: 'First paragraph.\n\nSecond paragraph.' },
      { title: 'Curricula', text: 'One paragraph.' },
    ]);
  });

  it('splits only at --- lines when the text has them', () => {
    const parsed = parseIdeas('One.\n\nStill one.\n---\nTwo.\n\n---\n\nThree.', { format: 'text' });
    expect(parsed.ideas.map((i) => i.text)).toEqual(['One.\n\nStill one.', 'Two.', 'Three.']);
  });

  it('without marks, a blank line separates ideas as before', () => {
    expect(parseIdeas('One.\n\nTwo.\nStill two.', { format: 'text' }).ideas.map((i) => i.text)).toEqual(['One.', 'Two.\nStill two.']);
  });
});
