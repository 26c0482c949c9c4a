import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChatRequest, parseCompletionRequest, type RequestLimits } from '../../src/server/completion-request';

/**
 * `npm run serve`'s request parsers on arbitrary and mutated requests: each answers with a request or a refusal
 * message (the server's 400), and never throws (which the server would answer with a 500).
 */
const RUNS = 1000;
const LIMITS: RequestLimits = { maxTokens: 1000, maxPromptChars: 100_000, vocabSize: 151_936 };

const validCompletion = { model: 'm', prompt: 'The idea:', max_tokens: 4, temperature: 0, logprobs: 5, stop: ['}'] };
const validChat = { model: 'm', messages: [{ role: 'system', content: 'You review.' }, { role: 'user', content: 'An idea.' }], temperature: 0, max_tokens: 1000, top_p: 1 };

/** A valid request with some fields replaced by arbitrary JSON values, removed, or added. */
function mutated(valid: Record<string, unknown>) {
  const keys = [...Object.keys(valid), 'stream', 'n', 'stream_options', 'logprobs', 'top_logprobs', 'echo', 'max_completion_tokens', 'extra'];
  return fc.array(fc.tuple(fc.constantFrom(...keys), fc.option(fc.jsonValue(), { nil: undefined })), { maxLength: 4 }).map((edits) => {
    const out: Record<string, unknown> = structuredClone(valid);
    for (const [key, value] of edits) {
      if (value === undefined) delete out[key];
      else out[key] = value;
    }
    return out;
  });
}

function answers(parse: (body: unknown, limits: RequestLimits) => unknown) {
  return (body: unknown) => {
    const result = parse(body, LIMITS) as { error?: unknown };
    expect(typeof result).toBe('object');
    if ('error' in result) expect(typeof result.error === 'string' && result.error.length > 0).toBe(true);
  };
}

describe('serve’s request parsers, by property', () => {
  it(`completions: arbitrary JSON and mutated valid requests get a request or a message (${RUNS} cases each)`, () => {
    fc.assert(fc.property(fc.jsonValue(), answers(parseCompletionRequest)), { numRuns: RUNS });
    fc.assert(fc.property(mutated(validCompletion), answers(parseCompletionRequest)), { numRuns: RUNS });
    expect(parseCompletionRequest(validCompletion, LIMITS)).not.toHaveProperty('error');
  });

  it(`chat completions: arbitrary JSON and mutated valid requests get a request or a message (${RUNS} cases each)`, () => {
    fc.assert(fc.property(fc.jsonValue(), answers(parseChatRequest)), { numRuns: RUNS });
    fc.assert(fc.property(mutated(validChat), answers(parseChatRequest)), { numRuns: RUNS });
    fc.assert(
      fc.property(fc.array(fc.record({ role: fc.jsonValue(), content: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 4 }), (messages) => answers(parseChatRequest)({ ...validChat, messages })),
      { numRuns: RUNS },
    );
    expect(parseChatRequest(validChat, LIMITS)).not.toHaveProperty('error');
  });
});
