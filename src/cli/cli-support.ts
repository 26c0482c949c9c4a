/**
 * What the scoring commands (`npm run score`, `npm run evaluate`) share: their I/O, the options every one
 * of them takes, reading the command line, loading the model, and running when started directly.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import { THRESHOLD_RANGE, type Comparison } from '../scoring/score-stats';
import type { LoadRequest } from '../engine/engine';
import { NodeEngine } from '../engine/node/node-engine';
import { DTYPES, type Dtype } from '../models/types';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: () => Promise<Uint8Array>;
}

export const nodeIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  },
};

export class UsageError extends Error {}

export function choice<T extends string>(flag: string, value: string | undefined, allowed: Record<string, T>, fallback: T): T {
  if (value === undefined) return fallback;
  const picked = allowed[value];
  if (!picked) throw new UsageError(`${flag} must be one of ${Object.keys(allowed).join(', ')}; got ${value}`);
  return picked;
}

/** The `parseArgs` options every scoring command takes. */
export const SCORING_OPTIONS = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  profile: { type: 'string' },
  threshold: { type: 'string' },
  comparison: { type: 'string' },
  revision: { type: 'string' },
  'tokenize-specials-in-text': { type: 'boolean', default: false },
  server: { type: 'string' },
  tokenizer: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

/** Validates the options in SCORING_OPTIONS; throws UsageError naming the flag. */
export function scoringArgs(values: Record<string, string | boolean | undefined>) {
  if (!values.model) throw new UsageError('--model is required');
  if (values.server !== undefined && !/^https?:\/\/\S+$/.test(values.server as string)) throw new UsageError('--server must be an http(s) URL such as http://127.0.0.1:8000/v1');
  if (values.tokenizer !== undefined && values.server === undefined) throw new UsageError('--tokenizer goes with --server');
  const threshold = values.threshold === undefined ? 5.5 : Number(values.threshold);
  if (!(Number.isFinite(threshold) && threshold >= THRESHOLD_RANGE.min && threshold <= THRESHOLD_RANGE.max)) {
    throw new UsageError(`--threshold is a score from ${THRESHOLD_RANGE.min} to ${THRESHOLD_RANGE.max}; got ${String(values.threshold)}`);
  }
  return {
    model: values.model as string,
    dtype: choice<Dtype>('--dtype', values.dtype as string | undefined, Object.fromEntries(DTYPES.map((d) => [d, d])) as Record<string, Dtype>, 'q4'),
    profile: choice<PromptProfileId>('--profile', values.profile as string | undefined, { paper: 'paper', agent: 'agent' }, 'paper'),
    threshold,
    comparison: choice<Comparison>('--comparison', values.comparison as string | undefined, { gt: '>', ge: '>=', '>': '>', '>=': '>=' }, '>'),
    revision: values.revision as string | undefined,
    tokenizeSpecialsInText: values['tokenize-specials-in-text'] === true,
    server: values.server as string | undefined,
    tokenizer: values.tokenizer as string | undefined,
  };
}

/**
 * Parses the command line, or says why not: a usage error prints the message and the usage (exit 2),
 * `--help` prints the usage (exit 0). Returns the arguments, or the exit code when the command is done.
 */
export function readCommandLine<T extends { readonly help: boolean }>(command: string, usage: string, io: CliIo, parse: () => T): T | number {
  let args: T;
  try {
    args = parse();
  } catch (error) {
    io.stderr(`${command}: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  return args;
}

/** The API key for --server: REFEREE_API_KEY, else OPENAI_API_KEY. Never printed. */
function apiKey(): string | undefined {
  return process.env.REFEREE_API_KEY || process.env.OPENAI_API_KEY || undefined;
}

/** What a scoring command's flags ask the engine to load: a model here, or a served one with --server. */
export function scoringLoadRequest(args: {
  readonly model: string;
  readonly dtype: Dtype;
  readonly revision?: string | undefined;
  readonly maxPromptTokens?: number | undefined;
  readonly server?: string | undefined;
  readonly tokenizer?: string | undefined;
}): LoadRequest {
  const key = apiKey();
  return {
    source: args.model,
    dtype: args.dtype,
    ...(args.revision !== undefined ? { revision: args.revision } : {}),
    ...(args.maxPromptTokens !== undefined ? { maxPromptTokens: args.maxPromptTokens } : {}),
    ...(args.server !== undefined
      ? { server: { url: args.server, ...(key ? { apiKey: key } : {}), ...(args.tokenizer !== undefined ? { tokenizer: args.tokenizer } : {}) } }
      : {}),
  };
}

/**
 * Loads what a command scores with (a model here on the CPU, or a completions server), or prints why it
 * could not (null).
 */
export async function loadCommandEngine(command: string, io: CliIo, request: LoadRequest): Promise<NodeEngine | null> {
  const engine = new NodeEngine((warning) => io.stderr(`${command}: warning: ${warning}\n`));
  try {
    await engine.load({ ...request, device: 'cpu' });
    return engine;
  } catch (error) {
    io.stderr(`${command}: ${(error as Error).message}\n`);
    return null;
  }
}

/** Runs `main` with the process's arguments when `moduleUrl` is the script Node was started with. */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(moduleUrl)) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
  }
}
