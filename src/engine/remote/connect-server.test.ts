import { describe, expect, it } from 'vitest';
import type { ChatTokenizer } from '../prompt-tokens';
import { connectServer } from './connect-server';

const noTokenizer = async (): Promise<ChatTokenizer> => {
  throw new Error('not read in these tests');
};

/** connectServer against a fetch that answers /models as given (the servers' answers are what is tested). */
function connect(answer: () => Response) {
  let calls = 0;
  const fetch = (async () => {
    calls += 1;
    return answer();
  }) as unknown as typeof globalThis.fetch;
  const request = { source: 'planted', server: { url: 'http://127.0.0.1:9/v1' } };
  return { result: connectServer(request, noTokenizer, { fetch }).catch((error: unknown) => error), calls: () => calls };
}

describe('connecting to a completions server says why it failed', () => {
  it('an answer that is no model list (an HTML page: the address lacks /v1) is said at once, not retried', async () => {
    const { result, calls } = connect(() => new Response('<!doctype html><title>Home</title>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    expect(await result).toMatchObject({ code: 'model-not-found', message: expect.stringMatching(/answered \/models with something other than a model list: is http:\/\/127\.0\.0\.1:9\/v1 its OpenAI-compatible address/) });
    expect(calls()).toBe(1);
  });

  it('a failing server (5xx) is tried 3 times and said to be failing, not missing', async () => {
    const { result, calls } = connect(() => new Response('oops', { status: 503 }));
    expect(await result).toMatchObject({ code: 'network', message: expect.stringMatching(/is failing \(HTTP 503 for \/models, 3 tries\): try again later/) });
    expect(calls()).toBe(3);
  });

  it('a refused key and another HTTP status are each named', async () => {
    expect(await connect(() => new Response('', { status: 401 })).result).toMatchObject({ code: 'model-refused', message: expect.stringMatching(/refused the API key \(HTTP 401\)/) });
    expect(await connect(() => new Response('', { status: 404 })).result).toMatchObject({ code: 'model-not-found', message: expect.stringMatching(/answered HTTP 404 for \/models/) });
  });
});
