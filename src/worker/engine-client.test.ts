import { deviceFigures } from '../engine/device-figures';
import * as Comlink from 'comlink';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Engine, LoadedModel } from '../engine/engine';
import type { ScoreOutcome } from '../engine/scorer-types';
import { ModelError } from '../models/model-error';
import { EngineClient } from './engine-client';

const MODEL: LoadedModel = {
  id: 'fake',
  revision: null,
  dtype: 'q4',
  device: 'wasm',
  vocabSize: 2,
  maxPromptTokens: 1000,
  memoryEstimateBytes: 0,
  deviceNote: 'fake',
  subgroups: null,
};

/** What the client reads of a scored outcome: it only measures the run's forward passes. */
const SCORED = { ok: true, result: { provenance: { forwardPasses: 6 } } } as unknown as ScoreOutcome;

/** A worker stand-in: the API served over a MessageChannel, so Comlink is really in the path. */
class FakeWorker {
  terminated = false;
  constructor(private readonly port: MessagePort) {
    port.start();
  }
  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (!this.terminated) this.port.postMessage(message, transfer as never);
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.port.addEventListener(type, listener as never);
  }
  removeEventListener(type: string, listener: (event: unknown) => void): void {
    this.port.removeEventListener(type, listener as never);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
}

type ScoreBehaviour = 'hang' | 'answer';

/** Workers made in order; each scores as the next behaviour says (default: answer at once). */
function fakeWorkers(behaviours: ScoreBehaviour[], load: () => Promise<LoadedModel> = async () => MODEL) {
  const workers: FakeWorker[] = [];
  let concurrent = 0;
  let mostConcurrent = 0;
  const create = (): Worker => {
    const { port1, port2 } = new MessageChannel();
    const api: Engine = {
      load,
      capabilities: async () => ({ runtime: 'browser', devices: ['wasm'], adapter: null, storage: null, wasmThreads: 1, crossOriginIsolated: false }),
      diagnose: async () => { throw new Error('not in this test'); },
      score: async () => {
        if ((behaviours.shift() ?? 'answer') === 'hang') return new Promise<ScoreOutcome>(() => {});
        mostConcurrent = Math.max(mostConcurrent, ++concurrent);
        await new Promise((resolve) => setTimeout(resolve, 20));
        concurrent--;
        return SCORED;
      },
      prompt: async () => '',
      forward: async () => ({ inputIds: [1], logitsDims: [1, 1, 2], lastLogits: [0, 1], argmax: 1, milliseconds: 0 }),
      measureDevice: async () => deviceFigures({ prefillTokens: 10, reusedTokens: 0, prefillMilliseconds: 10, passMilliseconds: [1] }),
      unload: async () => {},
    };
    Comlink.expose(api, port1 as unknown as Comlink.Endpoint);
    const worker = new FakeWorker(port2);
    workers.push(worker);
    return worker as unknown as Worker;
  };
  return { create, workers, mostConcurrent: () => mostConcurrent };
}

const IDEA = { text: 'An idea.' };

describe('EngineClient watchdog', () => {
  it('takes a run that never answers for a model error, stops that worker, and the next run gets a fresh one', async () => {
    const fake = fakeWorkers(['hang']);
    const client = new EngineClient(fake.create, { hangBoundMs: () => 300 });
    await client.load({ source: 'fake' }, () => {});

    const hung = await client.score(IDEA);
    expect(hung).toEqual({ ok: false, error: { code: 'model-error', message: expect.stringMatching(/did not answer within \d+ s; its worker is being replaced/) } });
    expect(fake.workers).toHaveLength(1);
    expect(fake.workers[0]!.terminated).toBe(true);

    expect(await client.score(IDEA)).toEqual(SCORED);
    expect(fake.workers).toHaveLength(2);
    expect(fake.workers[1]!.terminated).toBe(false);
    await client.unload();
  });

  it('settles a run whose worker a newer load replaced, and leaves the new worker running', async () => {
    const fake = fakeWorkers(['hang']);
    // No override: the adaptive bound (minutes) must not be what ends this run.
    const client = new EngineClient(fake.create);
    await client.load({ source: 'fake' }, () => {});
    const running = client.score(IDEA);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const loading = client.load({ source: 'other' }, () => {});

    expect(await running).toEqual({ ok: false, error: { code: 'model-error', message: 'The scoring worker was stopped before it answered.' } });
    await expect(loading).resolves.toEqual(MODEL);
    expect(fake.workers.map((w) => w.terminated)).toEqual([true, false]);
    expect(await client.score(IDEA)).toEqual(SCORED);
    await client.unload();
  });

  it('runs one score at a time, so a run waiting its turn is not timed', async () => {
    const fake = fakeWorkers([]);
    const client = new EngineClient(fake.create, { hangBoundMs: () => 30_000 });
    await client.load({ source: 'fake' }, () => {});
    const outcomes = await Promise.all([client.score(IDEA), client.score(IDEA), client.score(IDEA)]);
    expect(outcomes).toEqual([SCORED, SCORED, SCORED]);
    expect(fake.mostConcurrent()).toBe(1);
    await client.unload();
  });

  it('carries a ModelError across the worker boundary with its code, and stops the worker whose load failed', async () => {
    const fake = fakeWorkers([], async () => {
      throw new ModelError('checkpoint-not-converted', 'holds a PyTorch (safetensors) checkpoint');
    });
    const client = new EngineClient(fake.create);
    const failure = await client.load({ source: 'fake' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelError);
    expect((failure as ModelError).code).toBe('checkpoint-not-converted');
    expect((failure as ModelError).message).toBe('holds a PyTorch (safetensors) checkpoint');
    expect(fake.workers[0]!.terminated).toBe(true);
  });

  it('rejects a load in progress with a cancelled ModelError when it is cancelled', async () => {
    const fake = fakeWorkers([], () => new Promise<LoadedModel>(() => {}));
    const client = new EngineClient(fake.create);
    const loading = client.load({ source: 'fake' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.cancelLoad();
    await expect(loading).rejects.toMatchObject({ name: 'ModelError', code: 'cancelled' });
    expect(fake.workers[0]!.terminated).toBe(true);
  });

  it('answers forward and capabilities through the same worker', async () => {
    const fake = fakeWorkers([]);
    const client = new EngineClient(fake.create);
    await client.load({ source: 'fake' });
    expect((await client.forward('Hello')).argmax).toBe(1);
    expect((await client.capabilities()).devices).toEqual(['wasm']);
    expect(fake.workers).toHaveLength(1);
    await client.unload();
    expect(fake.workers[0]!.terminated).toBe(true);
  });
});
