/**
 * Reading a labelled set: research ideas with what is known of them, a numeric rating (1–10, e.g. a mean
 * review score) and/or a binary outcome (accept/reject, pass/fail), from JSON, JSON Lines or CSV.
 *
 * Pure logic (no I/O, no DOM). The idea fields are read exactly as `idea-input` reads them (`text`,
 * `abstract` or `proposal`; optional `title`, `id`). A row with no label, or with a label that is not valid,
 * is skipped and reported by its row number with the reason; the rest are kept in input order.
 */
import { InputError, readInput, readRecords, toIdea, type IdeaInput, type InputFormat, type InputProblem } from '../scoring/idea-input';
import { passes, type Comparison } from '../scoring/score-stats';

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
  return readInput(content, options, (normalized, format) => {
    if (format === 'text') {
      throw new InputError(`a labelled set must be JSON, JSON Lines or CSV with a "${RATING_FIELD}" and/or "${OUTCOME_FIELD}" per idea (plain text has no labels)`);
    }
    if (normalized.trim() === '') throw new InputError('no ideas found');
    const items: LabelledIdea[] = [];
    const problems: InputProblem[] = [];
    for (const record of readRecords(normalized, format, requireLabelColumn, 'labelled ideas')) {
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
  });
}

function requireLabelColumn(names: readonly string[]): void {
  if (names.includes(RATING_FIELD) || names.includes(OUTCOME_FIELD)) return;
  throw new InputError(`CSV has no "${RATING_FIELD}" or "${OUTCOME_FIELD}" column (columns found: ${names.map((h) => JSON.stringify(h)).join(', ') || 'none'})`);
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
