/**
 * The subset of OpenAI's `/v1/completions` request that Referee's client and the AlphaResearch loop use,
 * validated: greedy only (temperature 0), one choice, no streaming. Pure: the server and its tests share it.
 */

export interface CompletionRequest {
  readonly model: string;
  /** Text, or token ids (as vLLM accepts), so a client can send exactly the tokens it encoded. */
  readonly prompt: string | number[];
  readonly maxTokens: number;
  readonly logprobs: number;
  readonly stop: string[];
}

export interface RequestLimits {
  /** The most tokens one request may generate. */
  readonly maxTokens: number;
  /** The longest text prompt, in characters (token prompts are checked against the model's context). */
  readonly maxPromptChars: number;
  readonly vocabSize: number;
}

const KNOWN_FIELDS = new Set(['model', 'prompt', 'max_tokens', 'temperature', 'logprobs', 'stop', 'n', 'stream', 'top_p', 'seed', 'user', 'echo']);

/** OpenAI's limit on `logprobs`, which vLLM follows for the completions API. */
export const MAX_LOGPROBS = 20;

export function parseCompletionRequest(body: unknown, limits: RequestLimits): CompletionRequest | { readonly error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'the request body must be a JSON object' };
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) return { error: `unknown field(s): ${unknown.join(', ')}` };
  if (typeof fields.model !== 'string' || fields.model === '') return { error: '"model" must be the served model name' };
  const prompt = fields.prompt;
  let parsedPrompt: string | number[];
  if (typeof prompt === 'string') {
    if (prompt === '') return { error: '"prompt" is empty' };
    if (prompt.length > limits.maxPromptChars) return { error: `"prompt" is ${prompt.length} characters, over the limit of ${limits.maxPromptChars}` };
    parsedPrompt = prompt;
  } else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((id) => Number.isInteger(id) && id >= 0 && id < limits.vocabSize)) {
    parsedPrompt = prompt as number[];
  } else {
    return { error: `"prompt" must be a non-empty string or a non-empty array of token ids below ${limits.vocabSize}` };
  }
  const maxTokens = fields.max_tokens ?? 16;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > limits.maxTokens) {
    return { error: `"max_tokens" must be an integer from 1 to ${limits.maxTokens}` };
  }
  if (fields.temperature !== undefined && fields.temperature !== 0) return { error: '"temperature" must be 0: this server decodes greedily' };
  if (fields.top_p !== undefined && fields.top_p !== 1) return { error: '"top_p" must be 1 (greedy decoding)' };
  if (fields.n !== undefined && fields.n !== 1) return { error: '"n" must be 1' };
  if (fields.stream !== undefined && fields.stream !== false) return { error: '"stream" is not supported' };
  if (fields.echo !== undefined && fields.echo !== false) return { error: '"echo" is not supported' };
  const logprobs = fields.logprobs ?? 0;
  if (logprobs !== null && (!Number.isInteger(logprobs) || (logprobs as number) < 0 || (logprobs as number) > MAX_LOGPROBS)) {
    return { error: `"logprobs" must be an integer from 0 to ${MAX_LOGPROBS}` };
  }
  const stop = fields.stop ?? [];
  const stops = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(stops) || stops.length > 4 || !stops.every((s) => typeof s === 'string' && s.length > 0)) {
    return { error: '"stop" must be a string or up to 4 non-empty strings' };
  }
  return { model: fields.model, prompt: parsedPrompt, maxTokens: maxTokens as number, logprobs: (logprobs ?? 0) as number, stop: stops as string[] };
}
