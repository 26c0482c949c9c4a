import { calibratedPAccept, describeCalibrator } from './calibrator';
import type { Calibrator } from './calibrator-schema';
import type { IdeaInput } from './idea-input';
import { decide, pAbove, type DecisionSettings } from './score-stats';
import { ExportSchema, isWaiting, requeued, SCHEMA_ID, SCHEMA_VERSION, ScoredIdeaLineSchema, type ScoringStatus, type AttributionUnit, type IdeaError, type ScoredIdea, type ScoreResult, type ScoresExport } from './scored-idea';
import type { PromptProfileId } from './prompt-profiles';

/** An idea in the page's list, with where it stands. */
export interface IdeaEntry {
  readonly id: string;
  readonly title?: string;
  readonly text: string;
  readonly status: ScoringStatus;
  readonly result?: ScoreResult;
  readonly error?: IdeaError;
  /** Edited after it was scored: the score shown is of the older text. */
  readonly stale?: boolean;
  /** Queued to be explained: scored with leave-one-out attribution (src/scoring/attribution.ts). */
  readonly explain?: boolean;
}

export interface ListSettings extends DecisionSettings {
  readonly profile: PromptProfileId;
  /** Encode control-token strings in ideas as control tokens, as the paper's scripts do (replication only). */
  readonly tokenizeSpecialsInText?: boolean;
  /** Score ideas with flagged text again without it (a second scoring each). */
  readonly counterfactual?: boolean;
  /** The change, in score points, that marks a result as moved by its flagged text (default 0.5). */
  readonly counterfactualPoints?: number;
}

/** A result seen through the current settings: the decision and P(accept) follow the threshold at once. */
export function withSettings(result: ScoreResult, settings: DecisionSettings): ScoreResult {
  const distribution = result.distribution;
  return {
    ...result,
    pAbove: pAbove(distribution, settings.threshold, settings.comparison),
    decision: decide(result.greedy.score, distribution, settings),
  };
}

/** An entry as exported: every idea, with its status (one being scored right now is exported as queued). */
export function toScoredIdea(entry: IdeaEntry, settings: DecisionSettings): ScoredIdea {
  return {
    id: entry.id,
    ...(entry.title !== undefined ? { title: entry.title } : {}),
    text: entry.text,
    status: requeued(entry).status,
    ...(entry.result ? { result: withSettings(entry.result, settings) } : {}),
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.stale ? { stale: true } : {}),
  };
}

/**
 * The versioned JSON export: every idea in the list with its status, and each score with its provenance,
 * under the current settings.
 * With a calibrator (only when the user opted in), each scored idea also carries its calibrated P(accept)
 * and the export carries the calibrator itself, which says what it was fitted on.
 */
export function exportJson(entries: readonly IdeaEntry[], settings: DecisionSettings, now = new Date(), calibrator: Calibrator | null = null): ScoresExport {
  const ideas = entries.map((e) => toScoredIdea(e, settings));
  if (!calibrator) return { schema: SCHEMA_ID, version: SCHEMA_VERSION, exportedAt: now.toISOString(), ideas };
  return {
    schema: SCHEMA_ID,
    version: SCHEMA_VERSION,
    exportedAt: now.toISOString(),
    ideas: ideas.map((idea) => (idea.result ? { ...idea, calibratedPAccept: calibratedPAccept(calibrator, idea.result) } : idea)),
    calibrator,
  };
}

export function exportJsonl(entries: readonly IdeaEntry[], settings: DecisionSettings, calibrator: Calibrator | null = null): string {
  const calibratedBy = calibrator ? describeCalibrator(calibrator) : undefined;
  return exportJson(entries, settings, new Date(), calibrator)
    .ideas.map((idea) => `${JSON.stringify({ schema: SCHEMA_ID, version: SCHEMA_VERSION, ...idea, ...(idea.calibratedPAccept !== undefined ? { calibratedBy } : {}) })}\n`)
    .join('');
}

const CSV_COLUMNS = ['id', 'title', 'text', 'status', 'greedy', 'expected', 'spread', 'p_accept', 'decision', 'threshold', 'comparison', 'decided_by', 'model', 'dtype', 'device', 'profile', 'error', 'signals', 'flagged_text_moved', 'raises_most', 'lowers_most', 'distribution', 'coverage'];

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (a cell that begins with =, +, -, @, a tab or
 * a carriage return) is prefixed with a single quote, as OWASP recommends; numbers are written as they are.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Excel reads a CSV as UTF-8 only when it starts with a byte-order mark. */
const UTF8_BOM = '\uFEFF';

/** From an attribution, the part that raises P(accept) most and the one that lowers it most, with their Δ. */
function mostMoving(attribution: readonly AttributionUnit[] | undefined): [string, string] {
  if (!attribution?.length) return ['', ''];
  const ranked = [...attribution].sort((a, b) => b.delta.pAbove - a.delta.pAbove);
  const describe = (u: AttributionUnit | undefined) => (u ? `${u.text.trim()} (${u.delta.pAbove >= 0 ? '+' : ''}${u.delta.pAbove.toFixed(4)})` : '');
  return [describe(ranked[0]!.delta.pAbove > 0 ? ranked[0] : undefined), describe(ranked.at(-1)!.delta.pAbove < 0 ? ranked.at(-1) : undefined)];
}

/** A flat table for spreadsheets, the distribution in one cell (score:probability pairs); calibrated columns only with a calibrator. */
export function exportCsv(entries: readonly IdeaEntry[], settings: DecisionSettings, calibrator: Calibrator | null = null): string {
  const calibratedBy = calibrator ? describeCalibrator(calibrator) : '';
  const rows = exportJson(entries, settings, new Date(), calibrator).ideas.map((idea) => {
    const r = idea.result;
    return [
      idea.id,
      idea.title,
      idea.text,
      idea.status,
      r?.greedy.score,
      r?.expected,
      r?.spread,
      r?.pAbove,
      r ? (r.decision.pass === null ? 'none' : r.decision.pass ? 'pass' : 'fail') : '',
      r?.decision.threshold,
      r?.decision.comparison,
      r?.decision.by,
      r?.provenance.model.id,
      r?.provenance.model.dtype,
      r?.provenance.model.device,
      r?.provenance.profile,
      idea.error?.message,
      r?.signals?.map((signal) => (signal.excerpt ? `${signal.label}: ${signal.excerpt}` : signal.label)).join('; '),
      r?.counterfactual ? (r.counterfactual.moved ? 'yes' : 'no') : '',
      ...mostMoving(r?.attribution),
      // What the JSON has, in one cell a spreadsheet can split: score:probability pairs, lowest score first.
      r?.distribution.entries.map((e) => `${e.score}:${e.probability.toPrecision(4)}`).join(';'),
      r?.distribution.coverage.toFixed(4),
      ...(calibrator ? [idea.calibratedPAccept, idea.calibratedPAccept !== undefined ? calibratedBy : ''] : []),
    ].map(csvCell);
  });
  const columns = calibrator ? [...CSV_COLUMNS, 'p_accept_calibrated', 'calibrated_by'] : CSV_COLUMNS;
  return UTF8_BOM + [columns.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

export class ImportError extends Error {}

/**
 * Reads a Referee export back (JSON, or JSONL lines), validated against the schema. Returns null when the
 * content is not an export at all (then it is read as plain ideas instead).
 */
export function parseExport(content: string): IdeaEntry[] | null {
  const trimmed = content.trim();
  if (!trimmed.includes(SCHEMA_ID)) return null;
  let records: unknown[];
  // One JSON document (the JSON export) unless it is a single JSONL record: a one-idea JSONL export is one line.
  const single = trimmed.startsWith('{') && !trimmed.includes('\n{');
  let parsed: unknown;
  if (single) {
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new ImportError(`not valid JSON: ${(error as Error).message}`);
    }
  }
  if (single && !isJsonlRecord(parsed)) {
    const result = ExportSchema.safeParse(parsed);
    if (!result.success) throw new ImportError(`not a valid Referee export: ${describeIssue(result.error.issues[0])}`);
    records = result.data.ideas;
  } else {
    records = trimmed.split('\n').filter((l) => l.trim()).map((line, i) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        throw new ImportError(`line ${i + 1}: not valid JSON: ${(error as Error).message}`);
      }
      const result = ScoredIdeaLineSchema.safeParse(parsed);
      if (!result.success) throw new ImportError(`line ${i + 1}: not a valid Referee record: ${describeIssue(result.error.issues[0])}`);
      return result.data;
    });
  }
  return (records as ScoredIdea[]).map((idea) => ({
    id: idea.id,
    ...(idea.title !== undefined ? { title: idea.title } : {}),
    text: idea.text,
    status: idea.status,
    ...(idea.result ? { result: idea.result } : {}),
    ...(idea.error ? { error: idea.error } : {}),
    ...(idea.stale ? { stale: true } : {}),
  }));
}

/** A JSONL export's line carries the idea itself (`text`), where the JSON export wraps them in `ideas`. */
function isJsonlRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'text' in value && !('ideas' in value);
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'unknown problem';
  return `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`;
}

/**
 * Where the queue stands: ideas scored, ideas waiting (queued or being scored), and the time left at the
 * mean pace of the last ten scores; before the first, at `measuredSecondsPerIdea` (this device's measured
 * figure), else null.
 */
export function queueProgress(
  entries: readonly IdeaEntry[],
  measuredSecondsPerIdea: number | null = null,
): { scored: number; waiting: number; secondsLeft: number | null } {
  let scored = 0;
  let waiting = 0;
  // The ten latest scores, oldest first: one pass, no sort (the list may hold 25,000 ideas).
  const recent: { scoredAt: string; milliseconds: number }[] = [];
  for (const e of entries) {
    if (isWaiting(e)) waiting += 1;
    if (e.status !== 'scored' || !e.result) continue;
    scored += 1;
    const p = e.result.provenance;
    if (recent.length === 10 && p.scoredAt <= recent[0]!.scoredAt) continue;
    let at = recent.length;
    while (at > 0 && recent[at - 1]!.scoredAt > p.scoredAt) at -= 1;
    recent.splice(at, 0, p);
    if (recent.length > 10) recent.shift();
  }
  const pace = recent.length ? recent.reduce((sum, p) => sum + p.milliseconds, 0) / recent.length / 1000 : measuredSecondsPerIdea;
  return { scored, waiting, secondsLeft: pace === null || waiting === 0 ? null : pace * waiting };
}

/**
 * A Referee export restored into a list: an idea already in the list (same id) is replaced by the file's
 * version in place, new ones follow in the file's order, the rest stay. With the counts the page reports.
 */
export function restoreInto(existing: readonly IdeaEntry[], incoming: readonly IdeaEntry[]): { entries: IdeaEntry[]; added: number; updated: number; kept: number } {
  const byId = new Map(incoming.map((e) => [e.id, e]));
  let updated = 0;
  const entries = existing.map((e) => {
    const replacement = byId.get(e.id);
    if (!replacement) return e;
    updated++;
    byId.delete(e.id);
    return replacement;
  });
  const added = [...byId.values()];
  return { entries: [...entries, ...added], added: added.length, updated, kept: existing.length - updated };
}

/** Whether a scored idea's score came from another model, build or device than `model` (the one loaded now). */
export function scoredByAnother(entry: IdeaEntry, model: { readonly id: string; readonly dtype: string; readonly device: string }): boolean {
  const by = entry.result?.provenance.model;
  return by !== undefined && (by.id !== model.id || by.dtype !== model.dtype || by.device !== model.device);
}

/** New list entries from plain ideas, with ids unique in the list. */
export function newEntries(inputs: readonly IdeaInput[], existing: readonly IdeaEntry[], status: IdeaEntry['status'], makeId: () => string): IdeaEntry[] {
  const taken = new Set(existing.map((e) => e.id));
  return inputs.map((input) => {
    let id = input.id ?? makeId();
    while (taken.has(id)) id = makeId();
    taken.add(id);
    return { id, ...(input.title ? { title: input.title } : {}), text: input.text, status };
  });
}
