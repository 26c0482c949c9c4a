import { ModelError } from '../../models/model-error';
import type { LoadedModel, LoadRequest } from '../engine';
import type { ChatTokenizer } from '../prompt-tokens';
import { CompletionsClient, CompletionsError, ModelListError } from './completions-client';
import { RemoteScorer } from './remote-scorer';

/** Where `npm run serve` publishes its model's tokenizer files, under its /v1 base: `<base>/referee/model/<name>/`. */
export const TOKENIZER_ROUTE = '/v1/referee/model/';

/** The tokenizer folder a Referee server publishes for `model`, as a URL. */
export function publishedTokenizerUrl(serverBase: string, model: string): string {
  return `${serverBase.replace(/\/+$/, '')}${TOKENIZER_ROUTE.slice('/v1'.length)}${model}`;
}

export interface ServerConnection {
  readonly scorer: RemoteScorer;
  readonly info: LoadedModel;
}

/**
 * Connects to an OpenAI-compatible completions server, for the page's worker and for Node alike: checks that
 * it serves the model (GET /v1/models), saying which cause stopped it (refused key, HTTP status, unreachable),
 * and reads the model's tokenizer here (from `server.tokenizer`, else `request.source`, else what a Referee
 * server publishes), so prompts go as token ids encoded exactly as the local engine does.
 *
 * @param readTokenizer reads a tokenizer from a folder, URL or repo id, as this runtime loads models.
 * @param explainUnreachable why the server could not be reached at all, where the runtime can tell (the page
 *   tells its security policy, CORS and nothing answering apart); without it the fetch's own message is said.
 */
export async function connectServer(
  request: LoadRequest & { readonly server: NonNullable<LoadRequest['server']> },
  readTokenizer: (source: string) => Promise<ChatTokenizer>,
  options: {
    readonly explainUnreachable?: (base: string) => Promise<string>;
    readonly onWarning?: (message: string) => void;
    readonly fetch?: typeof fetch;
  } = {},
): Promise<ServerConnection> {
  const { server } = request;
  const client = new CompletionsClient({
    baseUrl: server.url,
    model: request.source,
    ...(server.apiKey ? { apiKey: server.apiKey } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const base = client.base;
  let names: string[];
  try {
    names = await client.servedModels();
  } catch (error) {
    if (error instanceof CompletionsError && (error.status === 401 || error.status === 403)) {
      throw new ModelError('model-refused', `The server at ${base} refused the API key (HTTP ${error.status}).`);
    }
    if (error instanceof ModelListError) {
      throw new ModelError('model-not-found', `The server at ${base} answered /models with something other than a model list: is ${base} its OpenAI-compatible address (ending in /v1)?`);
    }
    if (error instanceof CompletionsError && error.status !== undefined && (error.status === 429 || error.status >= 500)) {
      throw new ModelError('network', `The server at ${base} is failing (HTTP ${error.status} for /models, 3 tries): try again later.`);
    }
    if (error instanceof CompletionsError && error.status !== undefined) {
      throw new ModelError('model-not-found', `The server at ${base} answered HTTP ${error.status} for /models.`);
    }
    const why = options.explainUnreachable ? await options.explainUnreachable(base).catch(() => null) : null;
    throw new ModelError('network', why ?? `Cannot reach the server at ${base} (${(error as Error).message}).`);
  }
  if (!names.includes(request.source)) {
    throw new ModelError('model-not-found', `The server at ${base} does not serve "${request.source}"; it serves ${names.map((n) => `"${n}"`).join(', ') || 'nothing'}.`);
  }
  const tokenizer = await serverTokenizer(request.source, server.tokenizer, base, readTokenizer);
  const scorer = new RemoteScorer(client, tokenizer, { id: request.source, revision: null, dtype: 'server', device: base }, options.onWarning);
  const info: LoadedModel = {
    id: request.source,
    revision: null,
    dtype: 'server',
    device: 'server',
    vocabSize: 0,
    maxPromptTokens: Number.MAX_SAFE_INTEGER,
    memoryEstimateBytes: 0,
    deviceNote: `Scored by the server at ${base}: every idea you score is sent to it.`,
    subgroups: null,
  };
  return { scorer, info };
}

/** The tokenizer named, else the served name read as a folder or repo, else the one a Referee server publishes. */
async function serverTokenizer(
  served: string,
  named: string | undefined,
  base: string,
  readTokenizer: (source: string) => Promise<ChatTokenizer>,
): Promise<ChatTokenizer> {
  try {
    return await readTokenizer(named ?? served);
  } catch (error) {
    const published = publishedTokenizerUrl(base, served);
    if (named === undefined) {
      try {
        return await readTokenizer(published);
      } catch {
        // Said below, with the first cause.
      }
    }
    throw new ModelError(
      'model-not-found',
      `Cannot read the tokenizer of ${named ?? served} (${(error as Error).message})` +
        `${named === undefined ? `, and the server publishes none at ${published}/` : ''}: name the tokenizer's folder, URL or repo id.`,
    );
  }
}
