/**
 * The evaluation as one JSON document (`referee.evaluation` v1): what `npm run evaluate -- --json` prints and
 * what the page exports, so the two can be compared field by field.
 */
import type { CalibrationOutcome } from './calibration';
import type { LabelledIdea } from './labelled-set';
import type { EvaluationItem, EvaluationReport } from './metrics';
import type { InputProblem } from '../scoring/idea-input';

export const EVALUATION_SCHEMA_ID = 'referee.evaluation';
export const EVALUATION_SCHEMA_VERSION = 1;

export interface EvaluationDocumentInput {
  readonly file: string | null;
  /** The model that scored the set (null when nothing was scored). */
  readonly model: { id: string; revision: string | null; dtype: string; device: string } | null;
  readonly profile: string | null;
  readonly report: EvaluationReport;
  readonly labelled: readonly LabelledIdea[];
  readonly items: readonly EvaluationItem[];
  readonly skipped: readonly InputProblem[];
  readonly calibration?: CalibrationOutcome;
}

export function evaluationDocument(input: EvaluationDocumentInput) {
  const { calibration } = input;
  return {
    schema: EVALUATION_SCHEMA_ID,
    version: EVALUATION_SCHEMA_VERSION,
    file: input.file,
    model: input.model,
    profile: input.profile,
    report: input.report,
    ideas: input.labelled.map((l, i) => ({ where: l.where, ...(l.idea.id !== undefined ? { id: l.idea.id } : {}), ...input.items[i]! })),
    skipped: input.skipped,
    ...(calibration
      ? { calibration: calibration.ok ? { calibrator: calibration.report.calibrator, heldOut: calibration.report.heldOut, notes: calibration.report.notes } : { error: calibration.message } }
      : {}),
  };
}

export type EvaluationDocument = ReturnType<typeof evaluationDocument>;
