import { z } from 'zod';
import { CalibratorSchema } from './calibrator-schema';

/**
 * The one versioned schema for scored ideas: the CLI's JSONL lines, the app's export and its import.
 * Every score records what produced it, so it can be reproduced.
 */
export const SCHEMA_ID = 'referee.scores';
export const SCHEMA_VERSION = 1;

const probability = z.number().min(0).max(1.000001);

export const ScoreMassSchema = z.object({ score: z.number().min(0).max(10), probability });

export const DecisionSchema = z.object({
  pass: z.boolean().nullable(),
  by: z.enum(['greedy', 'expected', 'pAbove']),
  value: z.number().nullable(),
  threshold: z.number(),
  comparison: z.enum(['>', '>=']),
});

export const ProvenanceSchema = z.object({
  model: z.object({
    id: z.string(),
    revision: z.string().nullable(),
    dtype: z.string(),
    device: z.string(),
  }),
  profile: z.enum(['paper', 'agent']),
  /**
   * How control-token strings inside the idea (`<|im_end|>`, …) were encoded: as ordinary text (the default),
   * or as control tokens, as the original scripts do (`--tokenize-specials-in-text`). Absent in older exports.
   */
  ideaControlTokens: z.enum(['as-text', 'as-control']).optional(),
  app: z.object({ name: z.literal('referee'), version: z.string() }),
  tokens: z.object({
    /** The whole chat-templated prompt. */
    prompt: z.number().int(),
    /** Tokens prefilled for this idea (the prompt less a reused instruction prefix, plus `\boxed{` when forced). */
    prefilled: z.number().int(),
    /** Instruction-prefix tokens served from the cached KV (0 without reuse). */
    reusedPrefix: z.number().int(),
    /** Tokens decoded greedily before the box opened (0 when the model opened it straight away). */
    decodedBeforeBox: z.number().int(),
  }),
  /** Forward passes this idea used: the prefill, any decode steps, and the readout's continuations. */
  forwardPasses: z.number().int(),
  /** How the box was reached: appended and checked against greedy (`forced`), or decoded (`decoded`). */
  readout: z.enum(['forced', 'decoded', 'none']),
  milliseconds: z.number(),
  scoredAt: z.string(),
});

export const SignalSchema = z.object({
  kind: z.enum(['boxed-score', 'control-token', 'reviewer-instruction', 'length']),
  label: z.string(),
  excerpt: z.string(),
  span: z.object({ field: z.enum(['title', 'text']), start: z.number().int(), end: z.number().int() }).nullable(),
});

/** The idea scored again with its flagged spans removed (opt-in), and how far the flagged text moved it. */
export const CounterfactualSchema = z.object({
  greedy: z.number().nullable(),
  expected: z.number().nullable(),
  pAbove: probability,
  pass: z.boolean().nullable(),
  /** This score less the counterfactual one: how much the flagged text added. */
  delta: z.object({ greedy: z.number().nullable(), expected: z.number().nullable(), pAbove: z.number() }),
  /** What counts as moved: a change of at least `points` in a score, or `pAccept` in P(accept). */
  threshold: z.object({ points: z.number(), pAccept: z.number() }),
  moved: z.boolean(),
});

/** One unit of leave-one-out attribution (src/scoring/attribution.ts): the idea scored without it. */
export const AttributionUnitSchema = z.object({
  kind: z.enum(['title', 'sentence']),
  /** Offsets of the unit in the text (for the title, in the title); end exclusive. */
  start: z.number().int(),
  end: z.number().int(),
  text: z.string(),
  /** The idea without this unit. */
  without: z.object({ greedy: z.number().nullable(), expected: z.number().nullable(), pAbove: probability, coverage: probability }),
  /** Full minus without: what the unit adds. */
  delta: z.object({ greedy: z.number().nullable(), expected: z.number().nullable(), pAbove: z.number() }),
  /** Prompt tokens whose cache came from the full idea's prompt (its longest common token prefix). */
  reusedTokens: z.number().int(),
});

export const ScoreResultSchema = z.object({
  /** The paper's number: greedy decoding parsed with the original rule; null is "no score". */
  greedy: z.object({ score: z.number().nullable(), answer: z.string() }),
  distribution: z.object({ entries: z.array(ScoreMassSchema), coverage: probability }),
  expected: z.number().nullable(),
  mode: z.number().nullable(),
  spread: z.number().nullable(),
  /** P(score ⋛ threshold) over all probability (unreadable mass counts as not above). */
  pAbove: probability,
  decision: DecisionSchema,
  provenance: ProvenanceSchema,
  /** Signs that the text is written at the reviewer (src/scoring/gaming-signals.ts); they never change the score. */
  signals: z.array(SignalSchema).optional(),
  counterfactual: CounterfactualSchema.optional(),
  /** Leave-one-out attribution, when asked for (`npm run score -- --attribute`). */
  attribution: z.array(AttributionUnitSchema).optional(),
});

export const IdeaErrorSchema = z.object({ code: z.string(), message: z.string() });

/**
 * Where a scored item stands (an idea in the list, a labelled idea in an evaluation): declared once, here.
 * `scoring` is a run in progress; it is never exported or kept across a reload (it goes back to `queued`).
 */
export const ScoringStatusSchema = z.enum(['draft', 'queued', 'scoring', 'scored', 'failed']);
export type ScoringStatus = z.infer<typeof ScoringStatusSchema>;
/** The statuses an export carries. */
export const ExportedStatusSchema = ScoringStatusSchema.exclude(['scoring']);

/** Waiting for the model: queued, or being scored now. */
export function isWaiting(item: { readonly status: ScoringStatus }): boolean {
  return item.status === 'queued' || item.status === 'scoring';
}

/** The item as it is kept or exported: a run in progress goes back to the queue. */
export function requeued<T extends { readonly status: ScoringStatus }>(item: T): T & { readonly status: Exclude<ScoringStatus, 'scoring'> } {
  return (item.status === 'scoring' ? { ...item, status: 'queued' } : item) as T & { readonly status: Exclude<ScoringStatus, 'scoring'> };
}

export const ScoredIdeaSchema = z.object({
  id: z.string(),
  title: z.string().optional(),
  text: z.string(),
  /** `draft` and `queued` ideas (not scored yet) are exported too, so an import restores the whole list. */
  status: ExportedStatusSchema,
  result: ScoreResultSchema.optional(),
  error: IdeaErrorSchema.optional(),
  /** The idea was edited after it was scored: `result` is of the old text. */
  stale: z.boolean().optional(),
  /** Only when the user opted in to a calibrator: P(accept) through it (the raw one stays in `result.pAbove`). */
  calibratedPAccept: probability.optional(),
  /** What that calibrator was fitted on, in words (JSONL and CSV, which carry no calibrator of their own). */
  calibratedBy: z.string().optional(),
});

/** One JSONL line: a scored idea that names its schema. */
export const ScoredIdeaLineSchema = ScoredIdeaSchema.extend({ schema: z.literal(SCHEMA_ID), version: z.literal(SCHEMA_VERSION) });

export const ExportSchema = z.object({
  schema: z.literal(SCHEMA_ID),
  version: z.literal(SCHEMA_VERSION),
  exportedAt: z.string(),
  ideas: z.array(ScoredIdeaSchema),
  /** The calibrator behind every `calibratedPAccept`, when the user opted in to one. */
  calibrator: CalibratorSchema.optional(),
});

export type ScoreResult = z.infer<typeof ScoreResultSchema>;
export type Counterfactual = z.infer<typeof CounterfactualSchema>;
export type AttributionUnit = z.infer<typeof AttributionUnitSchema>;
export type Provenance = z.infer<typeof ProvenanceSchema>;
export type ScoredIdea = z.infer<typeof ScoredIdeaSchema>;
export type IdeaError = z.infer<typeof IdeaErrorSchema>;
export type ScoresExport = z.infer<typeof ExportSchema>;

export function toJsonLine(idea: ScoredIdea): string {
  return JSON.stringify({ schema: SCHEMA_ID, version: SCHEMA_VERSION, ...idea });
}
