import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { NodeEngine } from '../engine/node/node-engine';
import { DTYPES, type Dtype } from '../models/types';
import { CompletionsServer } from '../server/openai-server';
import { choice, nodeIo, readCommandLine, runIfMain, UsageError, type CliIo } from './cli-support';

const USAGE = `usage: npm run serve -- --model <folder|url|repo-id> [options]
Serves AlphaResearch-RM behind the OpenAI API (the subset Referee's --server client, the AlphaResearch loop
and OpenAI clients use): GET /health, GET /v1/models, POST /v1/completions (temperature 0, max_tokens,
logprobs ≤ 20, stop; the prompt as text, token ids, or a batch of either), POST /v1/chat/completions (the
model's chat template; logprobs/top_logprobs); "stream": true on both (server-sent events); and
POST /v1/score (Referee's results in the export schema, one per idea; NDJSON lines with "stream": true).
  --model <m>          converted model: a folder, a base URL, or a Hugging Face repo id
  --dtype <d>          fp32 | fp16 | q4 | q4f16 (default q4)
  --device <d>         cpu (default) | webgpu (onnxruntime-node's WebGPU EP, where a GPU exists)
  --served-name <n>    the "model" clients ask for (default: the model's folder or repo name)
  --host <h>           address to bind (default 127.0.0.1: this machine only)
  --port <p>           port (default 8000; 0 picks a free one)
  --max-queue <n>      requests waiting or running at once; more get 429 (default 64)
  --max-tokens <n>     the most tokens one request may generate (default 1000)
  --cors-origin <o>    let a page at origin <o> call this server (Referee's page: its http(s)://host:port)
With REFEREE_SERVE_KEY set, every /v1 request must carry "Authorization: Bearer <that key>".
Ctrl-C (SIGINT) or SIGTERM: new requests get 503, admitted ones finish, then it exits.`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      dtype: { type: 'string' },
      device: { type: 'string' },
      'served-name': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      'max-queue': { type: 'string', default: '64' },
      'max-tokens': { type: 'string', default: '1000' },
      'cors-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return { help: true } as ReturnType<typeof valid>;
  return valid(values);
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}; got ${value}`);
  return n;
}

function corsOrigins(value: unknown): string[] {
  const origins = Array.isArray(value) ? (value as string[]) : [];
  for (const origin of origins) if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new UsageError(`--cors-origin must be an origin such as http://127.0.0.1:5173; got ${origin}`);
  return origins;
}

function valid(values: Record<string, string | boolean | string[] | undefined>) {
  if (!values.model) throw new UsageError('--model is required');
  const model = values.model as string;
  return {
    help: false,
    model,
    dtype: choice<Dtype>('--dtype', values.dtype as string | undefined, Object.fromEntries(DTYPES.map((d) => [d, d])) as Record<string, Dtype>, 'q4'),
    device: choice('--device', values.device as string | undefined, { cpu: 'cpu', webgpu: 'webgpu' } as const, 'cpu'),
    servedName: (values['served-name'] as string | undefined) ?? basename(model.replace(/\/+$/, '')),
    host: values.host as string,
    port: integer('--port', values.port as string, 0),
    maxQueue: integer('--max-queue', values['max-queue'] as string, 1),
    maxTokens: integer('--max-tokens', values['max-tokens'] as string, 1),
    corsOrigins: corsOrigins(values['cors-origin']),
  };
}

/** What `startServer` needs: the command line's options (CORS origins optional). */
export type ServeArgs = Omit<ReturnType<typeof valid>, 'corsOrigins'> & { readonly corsOrigins?: readonly string[] };

/** Starts the server; resolves with it once it listens (tests close it themselves). */
export async function startServer(args: ServeArgs, io: CliIo): Promise<{ server: CompletionsServer; engine: NodeEngine; url: string }> {
  const engine = new NodeEngine();
  const info = await engine.load({ source: args.model, dtype: args.dtype, device: args.device });
  const apiKey = process.env.REFEREE_SERVE_KEY || undefined;
  const server = new CompletionsServer(engine, {
    servedName: args.servedName,
    maxQueue: args.maxQueue,
    maxBodyBytes: 4 * 1024 * 1024,
    limits: { maxTokens: args.maxTokens, maxPromptChars: 1_000_000, vocabSize: info.vocabSize },
    ...(apiKey ? { apiKey } : {}),
    ...(args.corsOrigins?.length ? { corsOrigins: args.corsOrigins } : {}),
  });
  await new Promise<void>((resolve) => server.http.listen(args.port, args.host, resolve));
  const address = server.http.address();
  const url = `http://${args.host}:${typeof address === 'object' && address ? address.port : args.port}/v1`;
  io.stderr(`serve: ${args.servedName} (${info.dtype} on ${info.device}) at ${url}${apiKey ? ' (bearer token required)' : ''}\n`);
  return { server, engine, url };
}

export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
  const args = readCommandLine('serve', USAGE, io, () => parse(argv));
  if (typeof args === 'number') return args;
  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer(args, io);
  } catch (error) {
    io.stderr(`serve: ${(error as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr(`serve: ${signal}: finishing ${started.server.inFlight} request(s), refusing new ones…\n`);
      void started.server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await started.engine.unload();
  return 0;
}

runIfMain(import.meta.url, main);
