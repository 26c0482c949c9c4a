import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../server/mcp-server';
import { nodeIo, readCommandLine, runIfMain, SCORING_OPTIONS, scoringArgs, type CliIo } from './cli-support';
import { openScorer } from './scorer-source';

const USAGE = `usage: npm run -s mcp -- --model <folder|url|repo-id> [--dtype q4] | --server <url> --model <served name> [--tokenizer <t>]
A Model Context Protocol server on stdio with Referee's tools: score_ideas (results in the export schema) and
compare_ideas (P(A scores higher than B), and of a tie). Add it to an MCP-speaking agent as the command
"npm run -s mcp -- --model <…>" run in this folder (npm's -s keeps stdout for the protocol). Logs go to stderr.
  --model <m>       converted model (folder, URL, repo id), or with --server the served model name
  --dtype <d>       fp32 | fp16 | q4 | q4f16 (default q4)
  --server <url>    score through an OpenAI-compatible completions server (vLLM, npm run serve) at <url> (…/v1)
  --tokenizer <t>   with --server: where the tokenizer comes from (default --model)`;

export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
  const args = readCommandLine('mcp', USAGE, io, () => {
    const { values } = parseArgs({ args: argv, options: SCORING_OPTIONS });
    return values.help ? ({ help: true } as ReturnType<typeof scoringArgs> & { help: boolean }) : { ...scoringArgs(values), help: false };
  });
  if (typeof args === 'number') return args;
  const scorer = await openScorer('mcp', io, {
    model: args.model,
    dtype: args.dtype,
    ...(args.revision !== undefined ? { revision: args.revision } : {}),
    ...(args.server !== undefined ? { server: args.server } : {}),
    ...(args.tokenizer !== undefined ? { tokenizer: args.tokenizer } : {}),
  });
  if (!scorer) return 1;
  const server = createMcpServer(scorer, scorer.model);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  io.stderr(`mcp: serving ${scorer.model.id} (${scorer.model.dtype} on ${scorer.model.device}) on stdio\n`);
  process.stdin.on('end', () => void server.close());
  await closed;
  await scorer.close();
  return 0;
}

runIfMain(import.meta.url, main);
