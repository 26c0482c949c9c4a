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
   * The model names the server serves (`GET /models`). A cut connection, 429 or 5xx is tried again (3 attempts
   * in all, so a server that refuses connections is said within about 2 s); another HTTP failure is a
   * CompletionsError with its status; a server never reached is a CompletionsError without one.
   */
  async servedModels(): Promise<string[]> {
    return this.withRetries(Math.min(3, this.options.attempts ?? 3), async () => {
      this.requests++;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.min(this.options.timeoutMs ?? 30_000, 30_000));
      try {
        let response: Response;
        try {
          response = await (this.options.fetch ?? fetch)(`${this.base}/models`, { headers: this.authorization, signal: controller.signal });
        } catch (error) {
          throw new CompletionsError(controller.signal.aborted ? 'the server did not answer in time' : (error as Error).message, true);
        }
        if (response.status === 429 || response.status >= 500) throw new CompletionsError(`the server answered HTTP ${response.status} for /models`, true, response.status);
        if (!response.ok) throw new CompletionsError(`the server answered HTTP ${response.status} for /models`, false, response.status);
        // Read within the same deadline; an answer that is no model list (an HTML page: the URL lacks /v1?) is final.
        const listed = (await response.json().catch(() => null)) as { data?: unknown } | null;
        if (!listed || !Array.isArray(listed.data)) {
          throw new ModelListError(`the server's answer to /models is not a model list`, response.status);
        }
        return (listed.data as { id?: unknown }[]).map((m) => String(m.id));
      } finally {
        clearTimeout(timer);
      }
    });
  }

  complete(body: { prompt: string | number[]; max_tokens: number; logprobs?: number; stop?: string[] }): Promise<CompletionChoice> {
    return this.withRetries(this.options.attempts ?? 6, () => this.once(body));
  }

  /** `attempt` until it succeeds, fails for good, or has been tried `attempts` times, with doubling delays. */
  private async withRetries<T>(attempts: number, attempt: () => Promise<T>): Promise<T> {
    let delay = this.options.backoffMs ?? 500;
    for (let tried = 1; ; tried++) {
      try {
        return await attempt();
      } catch (error) {
        if (error instanceof ModelListError) throw error;
        const retryable = error instanceof CompletionsError ? error.retryable : true;
        if (!retryable || tried >= attempts) {
          const status = error instanceof CompletionsError ? error.status : undefined;
          throw new CompletionsError(`${(error as Error).message}${tried > 1 ? ` (after ${tried} attempts)` : ''}`, false, status);
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

/** A /models answer that is not OpenAI's model list (the address is likely not the server's /v1). */
export class ModelListError extends CompletionsError {
  constructor(message: string, status: number) {
    super(message, false, status);
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
