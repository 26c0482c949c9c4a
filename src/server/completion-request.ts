/**
 * The subsets of OpenAI's `/v1/completions` and `/v1/chat/completions` requests that Referee's client, the
 * AlphaResearch loop and OpenAI clients send, validated: greedy only (temperature 0), one choice per prompt,
 * streaming allowed. Pure: the server and its tests share it.
 */
import type { ChatMessage } from '../scoring/prompt-profiles';

/** What both endpoints share: how much to generate, what stops it, what to report, and how to answer. */
export interface GenerationRequest {
  readonly model: string;
  readonly maxTokens: number;
  readonly stop: string[];
  /** Server-sent events, ending `data: [DONE]`. */
  readonly stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  readonly streamUsage: boolean;
}

export interface CompletionRequest extends GenerationRequest {
  /** One or more prompts (a batch: one choice each, in order), each text or token ids (as vLLM accepts). */
  readonly prompts: (string | number[])[];
  readonly logprobs: number;
}

export interface ChatRequest extends GenerationRequest {
  readonly messages: ChatMessage[];
  /** Alternatives per generated token (`top_logprobs`), when `logprobs` is true; null: no logprobs. */
  readonly logprobs: number | null;
}

export interface RequestLimits {
  /** The most tokens one request may generate. */
  readonly maxTokens: number;
  /** The longest text prompt (or all of a chat's messages), in characters (token prompts are checked against the model's context). */
  readonly maxPromptChars: number;
  readonly vocabSize: number;
}

/** OpenAI's limit on `logprobs` and `top_logprobs`, which vLLM follows. */
export const MAX_LOGPROBS = 20;
/** Prompts in one completions request. */
export const MAX_BATCH = 64;

const SHARED_FIELDS = ['model', 'max_tokens', 'temperature', 'stop', 'n', 'stream', 'stream_options', 'top_p', 'seed', 'user'];
const COMPLETION_FIELDS = new Set([...SHARED_FIELDS, 'prompt', 'logprobs', 'echo']);
const CHAT_FIELDS = new Set([...SHARED_FIELDS, 'messages', 'logprobs', 'top_logprobs', 'max_completion_tokens']);
const ROLES = new Set(['system', 'user', 'assistant']);

type Fields = Record<string, unknown>;
type Refusal = { readonly error: string };

function fieldsOf(body: unknown, known: ReadonlySet<string>): Fields | Refusal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'the request body must be a JSON object' };
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length > 0) return { error: `unknown field(s): ${unknown.join(', ')}` };
  return body as Fields;
}

function generation(fields: Fields, limits: RequestLimits, maxTokensField = fields.max_tokens): GenerationRequest | Refusal {
  if (typeof fields.model !== 'string' || fields.model === '') return { error: '"model" must be the served model name' };
  const maxTokens = maxTokensField ?? 16;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > limits.maxTokens) {
    return { error: `"max_tokens" must be an integer from 1 to ${limits.maxTokens}` };
  }
  if (fields.temperature !== undefined && fields.temperature !== 0) return { error: '"temperature" must be 0: this server decodes greedily' };
  if (fields.top_p !== undefined && fields.top_p !== 1) return { error: '"top_p" must be 1 (greedy decoding)' };
  if (fields.n !== undefined && fields.n !== 1) return { error: '"n" must be 1' };
  if (fields.stream !== undefined && typeof fields.stream !== 'boolean') return { error: '"stream" must be true or false' };
  const options = fields.stream_options;
  if (options !== undefined && options !== null && (typeof options !== 'object' || Object.keys(options).some((k) => k !== 'include_usage'))) {
    return { error: '"stream_options" may only hold "include_usage"' };
  }
  const stop = fields.stop ?? [];
  const stops = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(stops) || stops.length > 4 || !stops.every((s) => typeof s === 'string' && s.length > 0)) {
    return { error: '"stop" must be a string or up to 4 non-empty strings' };
  }
  return {
    model: fields.model,
    maxTokens: maxTokens as number,
    stop: stops as string[],
    stream: fields.stream === true,
    streamUsage: (options as { include_usage?: unknown } | null | undefined)?.include_usage === true,
  };
}

function logprobCount(value: unknown, field: string): number | Refusal {
  if (value === undefined || value === null) return 0;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_LOGPROBS) return { error: `"${field}" must be an integer from 0 to ${MAX_LOGPROBS}` };
  return value as number;
}

function onePrompt(prompt: unknown, limits: RequestLimits): string | number[] | Refusal {
  if (typeof prompt === 'string') {
    if (prompt === '') return { error: '"prompt" is empty' };
    if (prompt.length > limits.maxPromptChars) return { error: `"prompt" is ${prompt.length} characters, over the limit of ${limits.maxPromptChars}` };
    return prompt;
  }
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((id) => Number.isInteger(id) && id >= 0 && id < limits.vocabSize)) return prompt as number[];
  return { error: `"prompt" must be a non-empty string, a non-empty array of token ids below ${limits.vocabSize}, or an array of either` };
}

export function parseCompletionRequest(body: unknown, limits: RequestLimits): CompletionRequest | Refusal {
  const fields = fieldsOf(body, COMPLETION_FIELDS);
  if ('error' in fields) return fields as Refusal;
  const shared = generation(fields, limits);
  if ('error' in shared) return shared;
  if (fields.echo !== undefined && fields.echo !== false) return { error: '"echo" is not supported' };
  // A list of strings or of token-id lists is a batch; a flat list of numbers is one prompt.
  const raw = fields.prompt;
  const batch = Array.isArray(raw) && raw.length > 0 && raw.every((p) => typeof p === 'string' || Array.isArray(p)) ? raw : [raw];
  if (batch.length > MAX_BATCH) return { error: `"prompt" holds ${batch.length} prompts, over the limit of ${MAX_BATCH}` };
  const prompts: (string | number[])[] = [];
  for (const [i, p] of batch.entries()) {
    const parsed = onePrompt(p, limits);
    if (typeof parsed === 'object' && 'error' in parsed) return batch.length > 1 ? { error: `prompt ${i + 1}: ${parsed.error}` } : parsed;
    prompts.push(parsed);
  }
  const logprobs = logprobCount(fields.logprobs, 'logprobs');
  if (typeof logprobs !== 'number') return logprobs;
  return { ...shared, prompts, logprobs };
}

/** Text content, or OpenAI's content parts when all are text (joined, as vLLM does). */
function messageText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) return null;
  const texts = content.map((part) => (typeof part === 'object' && part !== null && (part as Fields).type === 'text' && typeof (part as Fields).text === 'string' ? ((part as Fields).text as string) : null));
  return texts.every((t) => t !== null) ? texts.join('') : null;
}

export function parseChatRequest(body: unknown, limits: RequestLimits): ChatRequest | Refusal {
  const fields = fieldsOf(body, CHAT_FIELDS);
  if ('error' in fields) return fields as Refusal;
  if (fields.max_tokens !== undefined && fields.max_completion_tokens !== undefined) return { error: 'give "max_tokens" or "max_completion_tokens", not both' };
  const shared = generation(fields, limits, fields.max_completion_tokens ?? fields.max_tokens);
  if ('error' in shared) return shared;
  if (!Array.isArray(fields.messages) || fields.messages.length === 0) return { error: '"messages" must be a non-empty array' };
  const messages: ChatMessage[] = [];
  let chars = 0;
  for (const [i, message] of (fields.messages as unknown[]).entries()) {
    const m = (typeof message === 'object' && message !== null ? message : {}) as Fields;
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) return { error: `messages[${i}].role must be system, user or assistant` };
    const content = messageText(m.content);
    if (content === null) return { error: `messages[${i}].content must be text (a string, or parts of type "text")` };
    chars += content.length;
    messages.push({ role: m.role as ChatMessage['role'], content });
  }
  if (chars > limits.maxPromptChars) return { error: `"messages" hold ${chars} characters, over the limit of ${limits.maxPromptChars}` };
  if (fields.logprobs !== undefined && fields.logprobs !== null && typeof fields.logprobs !== 'boolean') return { error: '"logprobs" must be true or false' };
  const top = logprobCount(fields.top_logprobs, 'top_logprobs');
  if (typeof top !== 'number') return top;
  if (fields.top_logprobs !== undefined && fields.logprobs !== true) return { error: '"top_logprobs" needs "logprobs": true' };
  return { ...shared, messages, logprobs: fields.logprobs === true ? top : null };
}
