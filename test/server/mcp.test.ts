import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScoredIdeaSchema } from '../../src/scoring/scored-idea';

/** `npm run mcp` as an agent runs it: a child process on stdio, driven by the MCP SDK's own client. */
const PLANTED = resolve('.fixtures/tiny-planted-qwen2');
let client: Client;

beforeAll(async () => {
  const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', resolve('src/cli/mcp.ts'), '--model', PLANTED], stderr: 'pipe' });
  client = new Client({ name: 'referee-test', version: '1.0.0' });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client.close();
});

describe('npm run mcp', () => {
  it('lists its two tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['compare_ideas', 'score_ideas']);
    expect(tools.find((t) => t.name === 'score_ideas')!.inputSchema.required).toContain('ideas');
  });

  it('score_ideas gives the planted 7.5 / 6.70 / 70% / pass as structured results in the export schema', async () => {
    const result = await client.callTool({ name: 'score_ideas', arguments: { ideas: [{ title: 'Sparse experts', text: 'Route each token to 2 of 64 experts.' }], threshold: 5.5 } });
    expect(result.isError).toBeFalsy();
    const ideas = (result.structuredContent as { ideas: unknown[] }).ideas.map((i) => ScoredIdeaSchema.parse(i));
    expect(ideas).toHaveLength(1);
    const scored = ideas[0]!.result!;
    expect(scored.greedy.score).toBe(7.5);
    expect(Math.abs(scored.expected! - 6.7)).toBeLessThan(1e-3);
    expect(Math.abs(scored.pAbove - 0.7)).toBeLessThan(1e-3);
    expect(scored.decision.pass).toBe(true);
    expect((result.content as { type: string; text: string }[])[0]!.text).toMatch(/Sparse experts: greedy 7\.5, expected 6\.70, P\(accept\) 70%, pass/);
  });

  it('compare_ideas gives P(A higher) and a tie from the two distributions (the same idea: they sum with its mirror to 1)', async () => {
    const idea = { text: 'Route each token to 2 of 64 experts.' };
    const result = await client.callTool({ name: 'compare_ideas', arguments: { a: idea, b: idea } });
    const { pAHigher, pTie } = result.structuredContent as { pAHigher: number; pTie: number };
    // 4.5 / 5 / 7.5 with 0.1 / 0.2 / 0.7: a tie is 0.01 + 0.04 + 0.49, and A higher is half of the rest.
    expect(pTie).toBeCloseTo(0.54, 3);
    expect(pAHigher).toBeCloseTo(0.23, 3);
  });

  it('refuses bad arguments with an error result, and keeps serving', async () => {
    const bad = await client.callTool({ name: 'score_ideas', arguments: { ideas: [] } });
    expect(bad.isError).toBe(true);
    const good = await client.callTool({ name: 'score_ideas', arguments: { ideas: [{ text: 'Still here.' }] } });
    expect(good.isError).toBeFalsy();
  });
});
