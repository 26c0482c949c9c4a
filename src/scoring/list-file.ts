import type { Calibrator } from './calibrator-schema';
import { decodeUtf8, describeProblem, InputError, parseIdeas, type IdeaInput, type InputProblem } from './idea-input';
import { exportCsv, exportJson, exportJsonl, parseExport, type IdeaEntry } from './idea-list';
import type { DecisionSettings } from './score-stats';

/** What an imported file holds: a Referee export (the list, restored exactly) or plain ideas. */
export type ListFileContent =
  | { readonly kind: 'export'; readonly entries: IdeaEntry[] }
  | { readonly kind: 'ideas'; readonly ideas: IdeaInput[]; readonly problems: readonly string[]; readonly problemCount: number };

/** Problems listed in a message; the rest are counted. */
const PROBLEMS_SHOWN = 5;

/**
 * Reads an imported file: a Referee export, or ideas as JSON, JSONL, CSV or text. Throws an Error whose
 * message names the file once when the whole file cannot be read; single bad records are returned as problems.
 */
export function readListFile(bytes: Uint8Array, fileName: string): ListFileContent {
  try {
    const content = decodeUtf8(bytes, fileName);
    const restored = parseExport(content);
    if (restored) return { kind: 'export', entries: restored };
    const parsed = parseIdeas(content, { fileName });
    return { kind: 'ideas', ideas: parsed.ideas, ...problemSummary(parsed.problems) };
  } catch (error) {
    // Input errors already name the file; others (a bad export) do not.
    throw new Error(error instanceof InputError ? error.message : `${fileName}: ${(error as Error).message}`);
  }
}

/** The first problems, described, and how many there were in all: what a message about them needs. */
export function problemSummary(problems: readonly InputProblem[]): { problems: string[]; problemCount: number } {
  return { problems: problems.slice(0, PROBLEMS_SHOWN).map(describeProblem), problemCount: problems.length };
}

/** "line 3: …; line 9: …; and 40 more" */
export function describeProblems(content: { problems: readonly string[]; problemCount: number }): string {
  const more = content.problemCount - content.problems.length;
  return content.problems.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

export type ExportFormat = 'json' | 'jsonl' | 'csv';

export const EXPORT_TYPES: Record<ExportFormat, string> = { json: 'application/json', jsonl: 'application/x-ndjson', csv: 'text/csv' };

/** The exported file's text: every idea in the list, with its status. */
export function exportList(format: ExportFormat, entries: readonly IdeaEntry[], settings: DecisionSettings, calibrator: Calibrator | null, now = new Date()): string {
  if (format === 'json') return JSON.stringify(exportJson(entries, settings, now, calibrator), null, 2);
  return format === 'jsonl' ? exportJsonl(entries, settings, calibrator) : exportCsv(entries, settings, calibrator);
}
