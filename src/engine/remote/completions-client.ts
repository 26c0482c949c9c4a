/**
 * A client of an OpenAI-compatible `/v1/completions` endpoint (vLLM, SGLang, TGI, llama.cpp's server, or
 * `npm run serve`): greedy requests with top-k log-probabilities, retried with backoff on 429, 5xx, cut
 * connections and timeouts, within a bounded number of attempts. Responses are checked for the fields the
 * readout reads; a malformed one is an error naming what is missing.
 */

export interface CompletionsClientOptions {
  /** The server's base URL, ending in /v1. */
  readonly baseUrl: string;
  /** The served model name. */
  readonly model: string;
  /** Sent as a bearer token; never printed. */
  readonly apiKey?: string;
  /** Attempts per request, the first included (default 6). */
  readonly attempts?: number;
  /** Milliseconds before a request counts as timed out (default 120 s). */
  readonly timeoutMs?: number;
  /** The first retry's delay; each next one doubles, up to 10 s (default 500 ms). */
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
}

export interface CompletionChoice {
  readonly text: string;
  readonly finishReason: string | null;
  /** The generated ids, where the server reports them (vLLM's `token_ids`, `npm run serve`). */
  readonly tokenIds: number[] | null;
  /** Per generated token: the top alternatives by token text, with log-probabilities. */
  readonly topLogprobs: Record<string, number>[] | null;
}

export class CompletionsError extends Error {
  constructor(
    message: string,
    /** Worth another try (429, 5xx, a cut connection, a timeout). */
    readonly retryable: boolean,
    /** The HTTP status the server answered with, where it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CompletionsClient {
  /** Requests sent, retries included (for the benchmark and the tests). */
  requests = 0;
  /** Whether the server took token-id prompts; false after it refused one (then prompts go as text). */
  acceptsTokenIds = true;

  constructor(private readonly options: CompletionsClientOptions) {}

  /** The base URL without a trailing slash. */
  get base(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  get endpoint(): string {
    return `${this.base}/completions`;
  }

  private get authorization(): Record<string, string> {
    return this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  /**
   * The model names the server serves (`GET /models`), asked once, not retried. An HTTP failure is a
   * CompletionsError with its status; a failure to reach the server is the fetch's own error.
   */
  async servedModels(): Promise<string[]> {
    const response = await (this.options.fetch ?? fetch)(`${this.base}/models`, { headers: this.authorization });
    if (!response.ok) throw new CompletionsError(`the server answered HTTP ${response.status} for /models`, false, response.status);
    const listed = (await response.json()) as { data?: { id?: unknown }[] };
    return (listed.data ?? []).map((m) => String(m.id));
  }

  async complete(body: { prompt: string | number[]; max_tokens: number; logprobs?: number; stop?: string[] }): Promise<CompletionChoice> {
    const attempts = this.options.attempts ?? 6;
    let delay = this.options.backoffMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(body);
      } catch (error) {
        const retryable = error instanceof CompletionsError ? error.retryable : true;
        if (!retryable || attempt >= attempts) {
          throw new CompletionsError(`${(error as Error).message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, false);
        }
        const retryAfter = error instanceof RetryAfter ? error.seconds * 1000 : 0;
        await sleep(Math.max(delay, retryAfter));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async once(body: { prompt: string | number[]; max_tokens: number; logprobs?: number; stop?: string[] }): Promise<CompletionChoice> {
    this.requests++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 120_000);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...this.authorization },
        body: JSON.stringify({ model: this.options.model, temperature: 0, ...body }),
        signal: controller.signal,
      });
    } catch (error) {
      throw new CompletionsError(controller.signal.aborted ? 'the server did not answer in time' : `cannot reach the server: ${(error as Error).message}`, true);
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      const seconds = Number(response.headers.get('retry-after'));
      throw response.status === 429 && Number.isFinite(seconds) && seconds > 0 ? new RetryAfter(seconds) : new CompletionsError(`the server answered HTTP ${response.status}`, true);
    }
    if (!response.ok) throw new CompletionsError(`the server answered HTTP ${response.status}: ${errorMessage(text)}`, false);
    return parseChoice(text, body.logprobs ?? 0);
  }
}

class RetryAfter extends CompletionsError {
  constructor(readonly seconds: number) {
    super(`the server is busy (HTTP 429, retry after ${seconds} s)`, true);
  }
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const error = parsed.error;
    return (typeof error === 'string' ? error : error?.message) ?? parsed.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** The first choice of a completions response, checked: a malformed answer names what is wrong. */
export function parseChoice(text: string, logprobs: number): CompletionChoice {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CompletionsError(`the server's answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`, false);
  }
  const choice = (parsed as { choices?: unknown[] }).choices?.[0] as Record<string, unknown> | undefined;
  if (!choice || typeof choice.text !== 'string') throw new CompletionsError('the server\'s answer has no choices[0].text', false);
  const ids = Array.isArray(choice.token_ids) && choice.token_ids.every((id) => Number.isInteger(id)) ? (choice.token_ids as number[]) : null;
  let top: Record<string, number>[] | null = null;
  if (logprobs > 0) {
    const block = choice.logprobs as { top_logprobs?: unknown } | null | undefined;
    const list = block?.top_logprobs;
    if (!Array.isArray(list) || list.length === 0) throw new CompletionsError('the server\'s answer has no logprobs.top_logprobs (does it support "logprobs"?)', false);
    top = list.map((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'number')) {
        throw new CompletionsError(`the server's logprobs.top_logprobs[${i}] is not a map of token text to log-probability`, false);
      }
      return entry as Record<string, number>;
    });
  }
  return { text: choice.text, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null, tokenIds: ids, topLogprobs: top };
}
