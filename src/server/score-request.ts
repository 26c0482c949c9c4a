/**
 * `POST /v1/score`, Referee's own endpoint: ideas in, results in the export schema out. Validated here (pure:
 * the server and its tests share it).
 */
import { z } from 'zod';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import { THRESHOLD_RANGE, type Comparison } from '../scoring/score-stats';

/** The most ideas one request may carry (each is a model run). */
export const MAX_SCORE_IDEAS = 1000;

const ScoreRequestSchema = z
  .object({
    model: z.string().min(1).optional(),
    ideas: z
      .array(z.object({ title: z.string().optional(), text: z.string().refine((t) => t.trim().length > 0, 'is empty'), id: z.string().optional() }).strict())
      .min(1)
      .max(MAX_SCORE_IDEAS),
    profile: z.enum(['paper', 'agent']).optional(),
    threshold: z.number().min(THRESHOLD_RANGE.min).max(THRESHOLD_RANGE.max).optional(),
    comparison: z.enum(['>', '>=']).optional(),
    stream: z.boolean().optional(),
  })
  .strict();

export interface ScoreRequest {
  readonly model: string | null;
  readonly ideas: IdeaInput[];
  readonly profile: PromptProfileId;
  readonly threshold: number;
  readonly comparison: Comparison;
  /** One NDJSON line per idea as it lands, instead of one JSON answer at the end. */
  readonly stream: boolean;
}

export function parseScoreRequest(body: unknown): ScoreRequest | { readonly error: string } {
  const parsed = ScoreRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${issue.path.map(String).join('.') || 'the request'}: ${issue.message}` };
  }
  const r = parsed.data;
  return {
    model: r.model ?? null,
    ideas: r.ideas.map((i) => ({ ...(i.id !== undefined ? { id: i.id } : {}), ...(i.title !== undefined ? { title: i.title } : {}), text: i.text })),
    profile: r.profile ?? 'paper',
    threshold: r.threshold ?? 5.5,
    comparison: r.comparison ?? '>',
    stream: r.stream ?? false,
  };
}
