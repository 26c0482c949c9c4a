import { scoredIdeaRecord } from '../engine/score-result';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Completion, CompletionOptions } from '../engine/qwen-scorer';
import { parseChatRequest, parseCompletionRequest, type RequestLimits } from './completion-request';
import type { ChatMessage } from '../scoring/prompt-profiles';
import type { IdeaInput } from '../scoring/idea-input';
import type { ScoreOptions, ScoreOutcome } from '../engine/scorer-types';
import { toJsonLine, type ScoredIdea } from '../scoring/scored-idea';
import { parseScoreRequest } from './score-request';
import { TOKENIZER_ROUTE } from '../engine/remote/connect-server';

/** What the server needs of the engine: greedy completions over token ids, and the tokenizer's views. */
export interface CompletionEngine {
  complete(promptIds: readonly number[], options: CompletionOptions): Promise<Completion>;
  /** The loaded model's tokenizer files (config.json, tokenizer.json, tokenizer_config.json); null for others. */
  tokenizerFile(name: string): Promise<Uint8Array | null>;
  /** Referee's scoring of one idea (what `POST /v1/score` answers with, per idea). */
  score(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  /** A conversation through the model's chat template; throws when the template cannot render it. */
  chatPromptIds(messages: readonly ChatMessage[]): number[];
  encodeText(text: string): number[];
  tokenText(id: number): string;
}

export interface ServerOptions {
  /** The name clients give as "model". */
  readonly servedName: string;
  /** Requests waiting or running at once; more get 429 with Retry-After. */
  readonly maxQueue: number;
  readonly maxBodyBytes: number;
  readonly limits: RequestLimits;
  /** When set, every /v1 request must carry `Authorization: Bearer <key>`. */
  readonly apiKey?: string;
  /** Origins of pages allowed to call this server from a browser (CORS), e.g. Referee's own. */
  readonly corsOrigins?: readonly string[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, error: HttpError): void {
  const type = error.status === 429 ? 'rate_limit_error' : error.status === 401 ? 'authentication_error' : error.status >= 500 ? 'server_error' : 'invalid_request_error';
  send(res, error.status, { error: { message: error.message, type, code: error.status } }, error.headers);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `the request body is over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The OpenAI API subset Referee's `--server` client, the AlphaResearch loop and OpenAI clients use, over the
 * Node engine: `GET /health`, `GET /v1/models`, `POST /v1/completions` (greedy, with top-`logprobs`
 * alternatives per token; a batch of prompts) and `POST /v1/chat/completions` (the model's chat template),
 * both streaming on request. The engine runs one request at a time; at most `maxQueue` wait or run, the rest get 429. On
 * `close`, new requests get 503 and the ones admitted finish.
 */
export class CompletionsServer {
  readonly http: Server;
  private admitted = 0;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(
    private readonly engine: CompletionEngine,
    private readonly options: ServerOptions,
  ) {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const failure = error instanceof HttpError ? error : new HttpError(500, (error as Error).message);
        // Mid-stream, the status is sent: the failure is the stream's last event.
        if (res.headersSent) res.end(`data: ${JSON.stringify({ error: { message: failure.message, code: failure.status } })}\n\ndata: [DONE]\n\n`);
        else sendError(res, failure);
      });
    });
  }

  get inFlight(): number {
    return this.admitted;
  }

  /** Stops taking requests, lets the admitted ones finish, then closes the socket. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.admitted > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const origin = req.headers.origin;
    if (origin && this.options.corsOrigins?.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'authorization, content-type', 'Access-Control-Max-Age': '600' });
        res.end();
        return;
      }
    }
    if (req.method === 'GET' && path === '/health') {
      send(res, this.closing ? 503 : 200, { status: this.closing ? 'closing' : 'ok', inFlight: this.admitted });
      return;
    }
    if (path.startsWith('/v1/')) this.authorize(req);
    if (req.method === 'GET' && path === '/v1/models') {
      send(res, 200, { object: 'list', data: [{ id: this.options.servedName, object: 'model', created: 0, owned_by: 'referee' }] });
      return;
    }
    const tokenizerPrefix = `${TOKENIZER_ROUTE}${this.options.servedName}/`;
    if (req.method === 'GET' && path.startsWith(TOKENIZER_ROUTE)) {
      const file = path.startsWith(tokenizerPrefix) ? await this.engine.tokenizerFile(path.slice(tokenizerPrefix.length)) : null;
      if (!file) throw new HttpError(404, `no such file: this server publishes ${tokenizerPrefix}{config.json,tokenizer.json,tokenizer_config.json}`);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': file.byteLength });
      res.end(file);
      return;
    }
    if (path === '/v1/score') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST', { Allow: 'POST' });
      await this.scoreIdeas(req, res);
      return;
    }
    if (path === '/v1/completions' || path === '/v1/chat/completions') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST', { Allow: 'POST' });
      await (path === '/v1/completions' ? this.completions(req, res) : this.chatCompletions(req, res));
      return;
    }
    throw new HttpError(404, `no route ${req.method} ${path}`);
  }

  private authorize(req: IncomingMessage): void {
    if (!this.options.apiKey) return;
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) throw new HttpError(401, 'a valid "Authorization: Bearer <key>" header is required');
  }

  /** Admits a request (503 while closing, 429 when the queue is full) and runs it, counted while it runs. */
  private async admit(run: () => Promise<void>): Promise<void> {
    if (this.closing) throw new HttpError(503, 'the server is shutting down', { 'Retry-After': '5' });
    if (this.admitted >= this.options.maxQueue) throw new HttpError(429, `${this.admitted} requests are queued; try again shortly`, { 'Retry-After': '1' });
    this.admitted++;
    try {
      await run();
    } finally {
      this.admitted--;
      if (this.admitted === 0) this.drained?.();
    }
  }

  private checkModel(model: string): void {
    if (model !== this.options.servedName) throw new HttpError(404, `no model "${model}": this server serves "${this.options.servedName}"`);
  }

  /** The engine's greedy completion; a prompt it refuses (empty, too long) is the client's 400. */
  private async generate(promptIds: readonly number[], options: CompletionOptions): Promise<Completion> {
    try {
      return await this.engine.complete(promptIds, options);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new HttpError(code === 'too-long' || code === 'empty-prompt' ? 400 : 500, (error as Error).message);
    }
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseCompletionRequest(await readJson(req, this.options.maxBodyBytes), this.options.limits);
    if ('error' in parsed) throw new HttpError(400, parsed.error);
    this.checkModel(parsed.model);
    await this.admit(async () => {
      const head = { id: `cmpl-${randomUUID()}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: parsed.model };
      const stream = parsed.stream ? new EventStream(res) : null;
      const choices: unknown[] = [];
      const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
      for (const [index, prompt] of parsed.prompts.entries()) {
        const promptIds = typeof prompt === 'string' ? this.engine.encodeText(prompt) : prompt;
        const completion = await this.generate(promptIds, {
          maxTokens: parsed.maxTokens,
          logprobs: parsed.logprobs,
          stop: parsed.stop,
          ...(stream ? { onText: (text: string) => stream.send({ ...head, choices: [{ index, text, logprobs: null, finish_reason: null }] }) } : {}),
        });
        addUsage(usage, completion);
        if (stream) stream.send({ ...head, choices: [{ index, text: '', logprobs: null, finish_reason: completion.finishReason }] });
        else choices.push(this.completionChoice(index, completion, parsed.logprobs));
      }
      if (stream) {
        if (parsed.streamUsage) stream.send({ ...head, choices: [], usage });
        stream.end();
      } else {
        send(res, 200, { ...head, choices, usage });
      }
    });
  }

  /**
   * `POST /v1/chat/completions`, as the AlphaResearch loop calls it: the messages through the model's own chat
   * template (control tokens from the template only), greedy.
   */
  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseChatRequest(await readJson(req, this.options.maxBodyBytes), this.options.limits);
    if ('error' in parsed) throw new HttpError(400, parsed.error);
    this.checkModel(parsed.model);
    let promptIds: number[];
    try {
      promptIds = this.engine.chatPromptIds(parsed.messages);
    } catch (error) {
      throw new HttpError(400, `the model's chat template cannot render these messages: ${(error as Error).message}`);
    }
    await this.admit(async () => {
      const head = { id: `chatcmpl-${randomUUID()}`, object: parsed.stream ? 'chat.completion.chunk' : 'chat.completion', created: Math.floor(Date.now() / 1000), model: parsed.model };
      const stream = parsed.stream ? new EventStream(res) : null;
      const chunk = (delta: Record<string, string>, finish: string | null) => ({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
      let opened = false;
      const completion = await this.generate(promptIds, {
        maxTokens: parsed.maxTokens,
        logprobs: parsed.logprobs ?? 0,
        stop: parsed.stop,
        ...(stream
          ? {
              onText: (content: string) => {
                stream.send(chunk(opened ? { content } : { role: 'assistant', content }, null));
                opened = true;
              },
            }
          : {}),
      });
      const usage = addUsage({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, completion);
      if (stream) {
        stream.send(chunk(opened ? {} : { role: 'assistant', content: '' }, completion.finishReason));
        if (parsed.streamUsage) stream.send({ ...head, choices: [], usage });
        stream.end();
        return;
      }
      const logprobs =
        parsed.logprobs === null
          ? null
          : {
              content: completion.steps.map((step) => ({
                ...this.tokenLogprob(step.token, step.logprob),
                top_logprobs: step.top.map(([id, logprob]) => this.tokenLogprob(id, logprob)),
              })),
            };
      send(res, 200, { ...head, choices: [{ index: 0, message: { role: 'assistant', content: completion.text }, logprobs, finish_reason: completion.finishReason }], usage });
    });
  }

  /**
   * `POST /v1/score`: `{ideas: [{title?, text, id?}], profile?, threshold?, comparison?, stream?}` → one record
   * per idea in the export schema, in order (`{object: "list", data}`), or with `stream` one NDJSON line each
   * as it lands. A failed idea is a record with its error; the rest go on.
   */
  private async scoreIdeas(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseScoreRequest(await readJson(req, this.options.maxBodyBytes));
    if ('error' in parsed) throw new HttpError(400, parsed.error);
    if (parsed.model !== null) this.checkModel(parsed.model);
    await this.admit(async () => {
      const options: Partial<ScoreOptions> = { profile: parsed.profile, decision: { threshold: parsed.threshold, comparison: parsed.comparison, decideBy: 'greedy' } };
      const records: ScoredIdea[] = [];
      for (const [index, idea] of parsed.ideas.entries()) {
        const outcome = await this.engine.score(idea, options);
        const record = scoredIdeaRecord(idea, idea.id ?? String(index + 1), outcome);
        if (parsed.stream) {
          if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-cache' });
          res.write(`${toJsonLine(record)}\n`);
        } else {
          records.push(record);
        }
      }
      if (parsed.stream) res.end();
      else send(res, 200, { object: 'list', model: this.options.servedName, data: records });
    });
  }

  private tokenLogprob(id: number, logprob: number) {
    const token = this.engine.tokenText(id);
    return { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  }

  private completionChoice(index: number, completion: Completion, logprobs: number) {
    const texts = completion.steps.map((step) => this.engine.tokenText(step.token));
    const offsets: number[] = [];
    let offset = 0;
    for (const text of texts) {
      offsets.push(offset);
      offset += text.length;
    }
    return {
      index,
      text: completion.text,
      finish_reason: completion.finishReason,
      // vLLM's `return_token_ids` field: the generated ids, so a client can continue exactly.
      token_ids: completion.tokens,
      logprobs:
        logprobs > 0
          ? {
              tokens: texts,
              token_logprobs: completion.steps.map((step) => step.logprob),
              top_logprobs: completion.steps.map((step) => topByText(step.top, (id) => this.engine.tokenText(id))),
              text_offset: offsets,
            }
          : null,
    };
  }
}

function addUsage(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }, completion: Completion) {
  usage.prompt_tokens += completion.promptTokens;
  usage.completion_tokens += completion.tokens.length;
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return usage;
}

/**
 * Server-sent events in OpenAI's streaming format. The headers go out with the first event, so a request
 * refused before anything was generated still gets its status code; after that, a failure is an error event.
 */
class EventStream {
  private started = false;

  constructor(private readonly res: ServerResponse) {}

  send(data: unknown): void {
    if (!this.started) {
      this.res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      this.started = true;
    }
    this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (!this.started) this.send({ choices: [] });
    this.res.end('data: [DONE]\n\n');
  }
}

/** OpenAI's top_logprobs: token text → log-probability; two ids with one text keep the larger (their sum is not what the API reports). */
function topByText(top: ReadonlyArray<readonly [number, number]>, text: (id: number) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, logprob] of top) {
    const key = text(id);
    if (!(key in out)) out[key] = logprob;
  }
  return out;
}
