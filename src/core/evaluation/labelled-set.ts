/**
 * Reading a labelled set: research ideas with what is known of them, a numeric rating (1–10, e.g. a mean
 * review score) and/or a binary outcome (accept/reject, pass/fail), from JSON, JSON Lines or CSV.
 *
 * Pure logic (no I/O, no DOM). The idea fields are read exactly as `idea-input` reads them (`text`,
 * `abstract` or `proposal`; optional `title`, `id`). A row with no label, or with a label that is not valid,
 * is skipped and reported by its row number with the reason; the rest are kept in input order.
 */
import Papa from 'papaparse';
import { detectFormat, InputError, toIdea, type IdeaInput, type InputFormat, type InputProblem } from '../idea-input';
import { passes, type Comparison } from '../score-stats';

export interface LabelledIdea {
  readonly idea: IdeaInput;
  /** 1–10, e.g. the mean review rating. */
  readonly rating?: number;
  /** true = accepted / passed. */
  readonly outcome?: boolean;
  /** Where the record was: "line 3", "item 2", "row 4" (as idea-input counts them). */
  readonly where: string;
}

export interface ParsedLabelledSet {
  readonly format: Exclude<InputFormat, 'text'>;
  readonly items: LabelledIdea[];
  readonly problems: InputProblem[];
}

export const RATING_FIELD = 'rating';
export const OUTCOME_FIELD = 'outcome';
export const RATING_MIN = 1;
export const RATING_MAX = 10;

const POSITIVE = new Set(['accept', 'accepted', 'pass', 'passed', 'true', '1']);
const NEGATIVE = new Set(['reject', 'rejected', 'fail', 'failed', 'false', '0']);

/**
 * The binary label of an idea: its outcome when it has one, else whether its rating clears the threshold
 * (the paper's metric: positive when the mean rating > 5.5).
 */
export function binaryLabel(item: { rating?: number; outcome?: boolean }, threshold = 5.5, comparison: Comparison = '>'): boolean {
  if (item.outcome !== undefined) return item.outcome;
  if (item.rating === undefined) throw new Error('an idea with neither a rating nor an outcome has no label');
  return passes(item.rating, threshold, comparison);
}

/** Parses a labelled set. Plain text is refused (it cannot carry labels); a whole-input failure throws InputError. */
export function parseLabelledSet(content: string, options: { format?: InputFormat; fileName?: string } = {}): ParsedLabelledSet {
  const normalized = (content.charCodeAt(0) === 0xfeff ? content.slice(1) : content).replace(/\r\n?/g, '\n');
  const format = options.format ?? detectFormat(normalized, options.fileName);
  const prefix = options.fileName !== undefined ? `${options.fileName}: ` : '';
  try {
    if (format === 'text') {
      throw new InputError(`a labelled set must be JSON, JSON Lines or CSV with a "${RATING_FIELD}" and/or "${OUTCOME_FIELD}" per idea (plain text has no labels)`);
    }
    if (normalized.trim() === '') throw new InputError('no ideas found');
    const records = format === 'csv' ? csvRecords(normalized) : format === 'json' ? jsonRecords(normalized) : jsonlRecords(normalized);
    const items: LabelledIdea[] = [];
    const problems: InputProblem[] = [];
    for (const record of records) {
      if ('problem' in record) {
        problems.push({ where: record.where, message: record.problem });
        continue;
      }
      const result = labelledIdea(record.value, record.where);
      if (typeof result === 'string') problems.push({ where: record.where, message: result });
      else items.push(result);
    }
    if (items.length === 0 && problems.length === 0) throw new InputError('no ideas found');
    return { format, items, problems };
  } catch (error) {
    if (error instanceof InputError && prefix) throw new InputError(`${prefix}${error.message}`);
    throw error;
  }
}

type RawRecord = { where: string; value: unknown } | { where: string; problem: string };

function jsonlRecords(content: string): RawRecord[] {
  const records: RawRecord[] = [];
  content.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    try {
      records.push({ where, value: JSON.parse(line) });
    } catch (error) {
      records.push({ where, problem: `not valid JSON: ${(error as Error).message}` });
    }
  });
  return records;
}

function jsonRecords(content: string): RawRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`);
  }
  const list = isObject(document) && 'ideas' in document ? document['ideas'] : document;
  if (!Array.isArray(list)) throw new InputError('expected a JSON array of labelled ideas or an object with an "ideas" array');
  return list.map((value, index) => ({ where: `item ${index + 1}`, value }));
}

function csvRecords(content: string): RawRecord[] {
  const result = Papa.parse<string[]>(content, { header: false, delimiter: ',', newline: '\n', skipEmptyLines: false });
  const rows = result.data;
  const header = (rows[0] ?? []).map((cell) => cell.trim().toLowerCase());
  if (!header.includes(RATING_FIELD) && !header.includes(OUTCOME_FIELD)) {
    throw new InputError(`CSV has no "${RATING_FIELD}" or "${OUTCOME_FIELD}" column (columns found: ${header.map((h) => JSON.stringify(h)).join(', ') || 'none'})`);
  }
  const rowErrors = new Map<number, string>();
  for (const error of result.errors) if (error.row !== undefined && !rowErrors.has(error.row)) rowErrors.set(error.row, error.message);
  const records: RawRecord[] = [];
  for (let index = 1; index < rows.length; index++) {
    const row = rows[index]!;
    const where = `row ${index + 1}`;
    const rowError = rowErrors.get(index);
    if (rowError !== undefined) {
      records.push({ where, problem: `malformed CSV: ${rowError}` });
      continue;
    }
    if (row.every((cell) => cell.trim() === '')) continue;
    const value: Record<string, string> = {};
    header.forEach((name, at) => {
      // An empty cell is a missing field, as an absent JSON field is.
      const cell = row[at];
      if (name !== '' && cell !== undefined && cell.trim() !== '') value[name] = cell;
    });
    records.push({ where, value });
  }
  return records;
}

function labelledIdea(value: unknown, where: string): LabelledIdea | string {
  const idea = toIdea(value);
  if (typeof idea === 'string') return idea;
  const record = value as Record<string, unknown>;
  const rating = readRating(record[RATING_FIELD]);
  if (typeof rating === 'string') return rating;
  const outcome = readOutcome(record[OUTCOME_FIELD]);
  if (typeof outcome === 'string') return outcome;
  if (rating === undefined && outcome === undefined) return `no label (expected a "${RATING_FIELD}" from ${RATING_MIN} to ${RATING_MAX} and/or an "${OUTCOME_FIELD}")`;
  return { idea, ...(rating !== undefined ? { rating } : {}), ...(outcome !== undefined ? { outcome } : {}), where };
}

/** A rating 1–10 (a number, or a string holding one), undefined when absent, or why it is invalid. */
function readRating(raw: unknown): number | undefined | string {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) return `the "${RATING_FIELD}" is not a number (got ${JSON.stringify(raw)})`;
  if (value < RATING_MIN || value > RATING_MAX) return `the "${RATING_FIELD}" ${value} is outside ${RATING_MIN}–${RATING_MAX}`;
  return value;
}

/** accept/reject, pass/fail, true/false, 1/0 (any case; booleans and numbers too), undefined when absent, or why it is invalid. */
function readOutcome(raw: unknown): boolean | undefined | string {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  if (typeof raw === 'boolean') return raw;
  const key = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim().toLowerCase() : null;
  if (key !== null && POSITIVE.has(key)) return true;
  if (key !== null && NEGATIVE.has(key)) return false;
  return `the "${OUTCOME_FIELD}" ${JSON.stringify(raw)} is not one of accept/reject, pass/fail, true/false, 1/0`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
