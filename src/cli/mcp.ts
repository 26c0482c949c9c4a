import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../server/mcp-server';
import { loadCommandEngine, nodeIo, readCommandLine, runIfMain, SCORING_OPTIONS, scoringArgs, scoringLoadRequest, type CliIo } from './cli-support';

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
  const scorer = await loadCommandEngine('mcp', io, scoringLoadRequest(args));
  if (!scorer) return 1;
  const info = scorer.info;
  const model = { id: info.id, dtype: info.dtype, device: info.device === 'server' ? (args.server ?? info.device) : info.device };
  const server = createMcpServer(scorer, model);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  io.stderr(`mcp: serving ${model.id} (${model.dtype} on ${model.device}) on stdio\n`);
  process.stdin.on('end', () => void server.close());
  await closed;
  await scorer.unload();
  return 0;
}

runIfMain(import.meta.url, main);
