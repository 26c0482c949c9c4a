import { scoredIdeaRecord } from '../engine/score-result';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ScoreOptions, ScoreOutcome } from '../engine/scorer-types';
import type { IdeaInput } from '../scoring/idea-input';
import { makeDistribution, pFirstHigher, pTie } from '../scoring/score-stats';
import type { ScoredIdea } from '../scoring/scored-idea';

/** What the MCP tools score with: the CLI's scorer (the engine in this process, or a completions server). */
export interface IdeaScorer {
  score(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome>;
}

const IdeaSchema = z.object({
  title: z.string().optional().describe('Optional title; the paper’s agent loop sends none'),
  text: z.string().min(1).describe('The idea: an abstract or proposal'),
  id: z.string().optional(),
});

const DecisionInput = {
  threshold: z.number().min(0).max(10).optional().describe('Pass threshold (default 5.5, the paper’s)'),
  comparison: z.enum(['>', '>=']).optional().describe('">" as the paper’s metric (default), ">=" as its agent loop'),
  profile: z.enum(['paper', 'agent']).optional().describe('Prompt profile (default "paper")'),
};

/** The most ideas one call scores (each is a model run: minutes for a list on a laptop). */
export const MAX_IDEAS_PER_CALL = 100;

function options(input: { threshold?: number | undefined; comparison?: '>' | '>=' | undefined; profile?: 'paper' | 'agent' | undefined }): Partial<ScoreOptions> {
  return {
    ...(input.profile ? { profile: input.profile } : {}),
    decision: { threshold: input.threshold ?? 5.5, comparison: input.comparison ?? '>', decideBy: 'greedy' },
  };
}

function record(idea: IdeaInput, index: number, outcome: ScoreOutcome): ScoredIdea {
  return scoredIdeaRecord(idea, idea.id ?? String(index + 1), outcome);
}

function line(r: ScoredIdea): string {
  const name = r.title || r.text.slice(0, 60);
  if (r.status !== 'scored' || !r.result) return `${r.id}. ${name}: failed (${r.error?.message ?? 'no result'})`;
  const { greedy, expected, pAbove, decision } = r.result;
  return `${r.id}. ${name}: greedy ${greedy.score ?? 'none'}, expected ${expected?.toFixed(2) ?? 'none'}, P(accept) ${(pAbove * 100).toFixed(0)}%, ${decision.pass ? 'pass' : 'fail'}`;
}

/**
 * A Model Context Protocol server with Referee's tools: `score_ideas` (results in the export schema, as
 * structured content) and `compare_ideas` (P(A scores higher than B), and of a tie, from the two distributions).
 * Ideas are scored one at a time, in order.
 */
export function createMcpServer(scorer: IdeaScorer, model: { id: string; dtype: string; device: string }): McpServer {
  const server = new McpServer({ name: 'referee', version: '0.1.0' });
  server.registerTool(
    'score_ideas',
    {
      title: 'Score research ideas with AlphaResearch-RM',
      description:
        `Scores up to ${MAX_IDEAS_PER_CALL} research ideas with ${model.id} (${model.dtype} on ${model.device}): for each, the greedy score from 1 to 10 (the paper's number), ` +
        'the whole score distribution, the expected score, P(accept) above the threshold and pass/fail.',
      inputSchema: { ideas: z.array(IdeaSchema).min(1).max(MAX_IDEAS_PER_CALL), ...DecisionInput },
      outputSchema: { ideas: z.array(z.record(z.string(), z.unknown())) },
    },
    async (input) => {
      const results: ScoredIdea[] = [];
      for (const [index, idea] of input.ideas.entries()) results.push(record(idea, index, await scorer.score(idea, options(input))));
      return { content: [{ type: 'text', text: results.map(line).join('\n') }], structuredContent: { ideas: results } };
    },
  );
  server.registerTool(
    'compare_ideas',
    {
      title: 'Compare two research ideas',
      description: 'Scores two ideas and gives the probability that the first scores higher than the second, and of a tie, from the model’s score distributions.',
      inputSchema: { a: IdeaSchema, b: IdeaSchema, profile: DecisionInput.profile },
      outputSchema: { pAHigher: z.number().nullable(), pTie: z.number().nullable(), a: z.record(z.string(), z.unknown()), b: z.record(z.string(), z.unknown()) },
    },
    async (input) => {
      const a = record(input.a, 0, await scorer.score(input.a, options(input)));
      const b = record(input.b, 1, await scorer.score(input.b, options(input)));
      if (!a.result || !b.result) {
        return { isError: true, content: [{ type: 'text', text: [a, b].filter((r) => !r.result).map(line).join('\n') }] };
      }
      const first = makeDistribution(a.result.distribution.entries);
      const second = makeDistribution(b.result.distribution.entries);
      const higher = pFirstHigher(first, second);
      const tie = pTie(first, second);
      const percent = (p: number | null) => (p === null ? 'unknown' : `${(p * 100).toFixed(0)}%`);
      return {
        content: [{ type: 'text', text: `P(A scores higher than B) ${percent(higher)}, tie ${percent(tie)}\n${line({ ...a, id: 'A' })}\n${line({ ...b, id: 'B' })}` }],
        structuredContent: { pAHigher: higher, pTie: tie, a, b },
      };
    },
  );
  return server;
}
