/**
 * Reading research ideas from user input: JSON Lines, JSON, CSV or plain text.
 *
 * Pure logic (no I/O, no DOM, no Node APIs): runs in Node, a browser worker and tests alike.
 * Individual bad records become `problems` (skipped, reported, the good ones kept in input order);
 * failures of the whole input throw `InputError`. No length limits are applied here.
 */
import Papa from 'papaparse';

export interface IdeaInput {
  id?: string;
  title?: string;
  text: string;
}

export type InputFormat = 'jsonl' | 'json' | 'csv' | 'text';

/**
 * One skipped record. `where` is "line N" (JSONL, physical line counting from 1), "item N" (JSON array
 * element counting from 1), "row N" (CSV record counting the header as row 1, as a spreadsheet shows it).
 */
export interface InputProblem {
  where: string;
  message: string;
}

export interface ParsedIdeas {
  format: InputFormat;
  ideas: IdeaInput[];
  problems: InputProblem[];
}

/** The whole input cannot be read (as opposed to a single bad record, which is an InputProblem). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** "line 3: not valid JSON: …" */
export function describeProblem(problem: InputProblem): string {
  return `${problem.where}: ${problem.message}`;
}

/** Field names accepted as the idea text, in order of preference. */
const TEXT_FIELDS = ['text', 'abstract', 'proposal'] as const;
const NO_TEXT_MESSAGE = 'no idea text (expected a "text" or "abstract" field)';

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes bytes as UTF-8, refusing invalid UTF-8 with a clear error (throws InputError). Strips a BOM. */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    // ignoreBOM: false (the default) removes a leading U+FEFF.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const at = offset === undefined ? '' : ` (invalid byte sequence at byte offset ${offset})`;
    throw new InputError(`${name} is not valid UTF-8 text${at}; save it as UTF-8 and try again`);
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or undefined if none is found. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Detection

const EXTENSION_FORMATS: Record<string, InputFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  txt: 'text',
  md: 'text',
};

/** Guesses the format from a file name's extension if given (.jsonl/.ndjson, .json, .csv, .txt/.md), else from content. */
export function detectFormat(content: string, fileName?: string): InputFormat {
  if (fileName !== undefined) {
    const match = /\.([A-Za-z0-9]+)$/.exec(fileName.trim());
    const byName = match ? EXTENSION_FORMATS[match[1]!.toLowerCase()] : undefined;
    if (byName) return byName;
  }
  return detectFromContent(normalizeNewlines(stripBom(content)));
}

function detectFromContent(content: string): InputFormat {
  const trimmed = content.trimStart();
  const first = trimmed[0];
  // "[Draft] my idea…" or "{Working title} …" are prose; JSON continues with a value or a quote.
  if (first === '[' && /^\[\s*([[{"\]\-0-9]|true|false|null)/.test(trimmed)) return 'json';
  if (first === '{' && /^\{\s*["}]/.test(trimmed)) {
    let whole: unknown;
    let wholeParses = true;
    try {
      whole = JSON.parse(content);
    } catch {
      wholeParses = false;
    }
    if (wholeParses && isPlainObject(whole) && 'ideas' in whole) return 'json';
    if (everyLineIsJson(content)) return 'jsonl';
    return 'json';
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  if (firstLine.includes(',')) {
    const cells = firstLine.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
    if (cells.some((c) => c === 'title' || (TEXT_FIELDS as readonly string[]).includes(c))) return 'csv';
  }
  return 'text';
}

function everyLineIsJson(content: string): boolean {
  let any = false;
  for (const line of content.split('\n')) {
    if (line.trim() === '') continue;
    try {
      JSON.parse(line);
    } catch {
      return false;
    }
    any = true;
  }
  return any;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses ideas from text content. `format` wins over detection; otherwise the format is detected from
 * `fileName`'s extension, then from the content. `fileName`, when given, prefixes InputError messages.
 */
export function parseIdeas(content: string, options: { format?: InputFormat; fileName?: string } = {}): ParsedIdeas {
  return readInput(content, options, (normalized, format) => {
    if (normalized.trim() === '') throw new InputError('no ideas found');
    const result = format === 'text' ? parseText(normalized) : ideasFrom(readRecords(normalized, format, requireTextColumn));
    if (result.ideas.length === 0 && result.problems.length === 0) throw new InputError('no ideas found');
    return { format, ...result };
  });
}

/**
 * Runs `parse` on the input with its BOM stripped and newlines normalized, in the format given or detected
 * (from `fileName`'s extension, then the content); `fileName`, when given, prefixes InputError messages.
 */
export function readInput<T>(content: string, options: { format?: InputFormat; fileName?: string }, parse: (normalized: string, format: InputFormat) => T): T {
  const normalized = normalizeNewlines(stripBom(content));
  const format = options.format ?? detectFormat(normalized, options.fileName);
  try {
    return parse(normalized, format);
  } catch (error) {
    if (error instanceof InputError && options.fileName !== undefined) {
      throw new InputError(`${options.fileName}: ${error.message}`);
    }
    throw error;
  }
}

/** One record of a JSON Lines, JSON or CSV input, before it is read: where it was, and its value or why it has none. */
export type InputRecord = { readonly where: string; readonly value: unknown } | { readonly where: string; readonly problem: string };

/**
 * The records of a structured input (already normalized). A CSV's header row names the fields (lower-cased;
 * the first of two same-named columns wins) and an empty cell is an absent field, as in JSON;
 * `checkCsvHeader` gets the lower-cased names and the raw cells, and throws when the caller's fields are missing.
 */
export function readRecords(
  content: string,
  format: Exclude<InputFormat, 'text'>,
  checkCsvHeader: (names: readonly string[], cells: readonly string[]) => void,
  noun = 'ideas',
): InputRecord[] {
  if (format === 'jsonl') return jsonlRecords(content);
  if (format === 'json') return jsonRecords(content, noun);
  return csvRecords(content, checkCsvHeader);
}

type Parsed = Omit<ParsedIdeas, 'format'>;

function requireTextColumn(names: readonly string[], cells: readonly string[]): void {
  if (TEXT_FIELDS.some((field) => names.includes(field))) return;
  const found = cells.map((cell) => JSON.stringify(cell.trim())).join(', ');
  throw new InputError(`CSV has no "text", "abstract" or "proposal" column (the header row is required; columns found: ${found || 'none'})`);
}

function ideasFrom(records: readonly InputRecord[]): Parsed {
  const ideas: IdeaInput[] = [];
  const problems: InputProblem[] = [];
  for (const record of records) {
    if ('problem' in record) {
      problems.push({ where: record.where, message: record.problem });
      continue;
    }
    const result = toIdea(record.value);
    if (typeof result === 'string') problems.push({ where: record.where, message: result });
    else ideas.push(result);
  }
  return { ideas, problems };
}

function jsonlRecords(content: string): InputRecord[] {
  const records: InputRecord[] = [];
  content.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    try {
      records.push({ where, value: JSON.parse(line) });
    } catch (error) {
      records.push({ where, problem: `not valid JSON: ${errorMessage(error)}` });
    }
  });
  return records;
}

function jsonRecords(content: string, noun: string): InputRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    throw new InputError(`not valid JSON: ${errorMessage(error)}`);
  }
  let items: unknown[];
  if (Array.isArray(document)) items = document;
  else if (isPlainObject(document) && 'ideas' in document) {
    const list = document['ideas'];
    if (!Array.isArray(list)) throw new InputError(`the "ideas" field is not an array (got ${describeType(list)})`);
    items = list;
  } else {
    throw new InputError(`expected a JSON array of ${noun} or an object with an "ideas" array, got ${describeType(document)}`);
  }
  return items.map((value, index) => ({ where: `item ${index + 1}`, value }));
}

function csvRecords(content: string, checkHeader: (names: readonly string[], cells: readonly string[]) => void): InputRecord[] {
  const result = Papa.parse<string[]>(content, { header: false, delimiter: ',', newline: '\n', skipEmptyLines: false });
  const rows = result.data;
  const cells = rows[0] ?? [];
  const names = cells.map((cell) => cell.trim().toLowerCase());
  checkHeader(names, cells);

  const rowErrors = new Map<number, string>();
  for (const error of result.errors) {
    if (error.row !== undefined && !rowErrors.has(error.row)) rowErrors.set(error.row, error.message);
  }
  const records: InputRecord[] = [];
  for (let index = 1; index < rows.length; index++) {
    const row = rows[index]!;
    const where = `row ${index + 1}`;
    const rowError = rowErrors.get(index);
    if (rowError !== undefined) {
      records.push({ where, problem: `malformed CSV: ${rowError}` });
      continue;
    }
    if (row.every((cell) => cell.trim() === '')) continue;
    // No prototype: a column may be called anything, "__proto__" and "constructor" included.
    const value: Record<string, string> = Object.create(null) as Record<string, string>;
    names.forEach((name, at) => {
      const cell = row[at];
      if (name !== '' && !Object.hasOwn(value, name) && cell !== undefined && cell.trim() !== '') value[name] = cell;
    });
    records.push({ where, value });
  }
  return records;
}

const SEPARATOR_LINE = /^\s*-{3,}\s*$/;
const TITLE_LINE = /^\s*title\s*:\s*(.*?)\s*$/i;

/**
 * Plain text: ideas separated by blank lines. When the text marks its ideas itself (a `---` line between them,
 * or a `Title: …` line starting each), only those marks separate ideas and blank lines are paragraphs within
 * one: a multi-paragraph abstract stays one idea. A `Title:` line gives its idea a title.
 */
function parseText(content: string): Parsed {
  const lines = content.split('\n');
  const marked = lines.some((line) => SEPARATOR_LINE.test(line) || TITLE_LINE.test(line));
  const ideas: IdeaInput[] = [];
  let title: string | undefined;
  let current: string[] = [];
  const flush = (): void => {
    const text = current.join('\n').trim();
    if (text !== '') ideas.push({ ...(title ? { title } : {}), text });
    title = undefined;
    current = [];
  };
  for (const line of lines) {
    const titled = marked ? TITLE_LINE.exec(line) : null;
    if (titled) {
      if (current.join('').trim() !== '') flush();
      title = titled[1] || undefined;
    } else if (marked ? SEPARATOR_LINE.test(line) : line.trim() === '') {
      flush();
    } else {
      current.push(line);
    }
  }
  flush();
  return { ideas, problems: [] };
}

/** The idea in a record (`text`/`abstract`/`proposal`, optional `title`, `id`), or the reason it has none. */
export function toIdea(value: unknown): IdeaInput | string {
  if (!isPlainObject(value)) return `not a JSON object (got ${describeType(value)})`;

  let text: string | undefined;
  for (const field of TEXT_FIELDS) {
    const candidate = value[field];
    if (candidate === undefined || candidate === null) continue;
    if (typeof candidate !== 'string') return `the "${field}" field is not a string (got ${describeType(candidate)})`;
    const trimmed = normalizeNewlines(candidate).trim();
    if (trimmed !== '') {
      text = trimmed;
      break;
    }
  }
  if (text === undefined) return NO_TEXT_MESSAGE;

  let id: string | undefined;
  const rawId = value['id'];
  if (typeof rawId === 'number') id = String(rawId);
  else if (typeof rawId === 'string') id = rawId.trim() || undefined;
  else if (rawId !== undefined && rawId !== null) {
    return `the "id" field is not a string or number (got ${describeType(rawId)})`;
  }

  let title: string | undefined;
  const rawTitle = value['title'];
  if (typeof rawTitle === 'string') title = normalizeNewlines(rawTitle).trim() || undefined;
  else if (rawTitle !== undefined && rawTitle !== null) {
    return `the "title" field is not a string (got ${describeType(rawTitle)})`;
  }

  return { ...(id !== undefined && { id }), ...(title !== undefined && { title }), text };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function stripBom(content: string): string {
  return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
}

function normalizeNewlines(content: string): string {
  return content.includes('\r') ? content.replace(/\r\n?/g, '\n') : content;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
