import * as Comlink from 'comlink';
import type { IdeaInput } from '../core/idea-input';
import { scoreInOrder } from '../engine/score-in-order';
import type { ScoreAllHooks, ScoreOptions, ScoreOutcome, Scorer } from '../engine/scorer-types';
import type { LoadedModel, LoadProgress, LoadRequest, ScorerWorkerApi } from './scorer-protocol';

/**
 * The page's handle on the engine worker. A runtime that failed once stays broken (Transformers.js keeps
 * the error; a lost GPU device does not come back), so after any model error the worker is terminated; the
 * next call starts a fresh one and loads the model again. The queue lives in the page, so nothing is lost.
 */
export class LoadCancelled extends Error {}

export class ScorerClient implements Scorer {
  private worker: Worker | null = null;
  private loadedInfo: LoadedModel | null = null;
  private remote: Comlink.Remote<ScorerWorkerApi> | null = null;
  private loaded: Promise<LoadedModel> | null = null;
  private request: LoadRequest | null = null;
  private onProgress: (progress: LoadProgress) => void = () => {};
  private rejectLoading: ((error: Error) => void) | null = null;

  constructor(private readonly createWorker: () => Worker) {}

  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
    this.request = request;
    this.onProgress = onProgress;
    this.replaceWorker();
    return this.ensureLoaded();
  }

  /** The loaded model; read it after `load` resolved. */
  get info(): LoadedModel {
    if (!this.loadedInfo) throw new Error('No model is loaded yet');
    return this.loadedInfo;
  }

  scoreAll(ideas: readonly IdeaInput[], options: Partial<ScoreOptions> & ScoreAllHooks = {}): Promise<ScoreOutcome[]> {
    return scoreInOrder((idea, o) => this.score(idea, o), ideas, options);
  }

  async dispose(): Promise<void> {
    this.terminate();
  }

  async score(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    try {
      await this.ensureLoaded();
      const outcome = await this.remote!.score(idea, options);
      if (!outcome.ok && outcome.error.code === 'model-error') this.terminate();
      return outcome;
    } catch (error) {
      this.terminate();
      return { ok: false, error: { code: 'model-error', message: (error as Error).message } };
    }
  }

  async prompt(idea: IdeaInput, profile: 'paper' | 'agent' = 'paper'): Promise<string> {
    await this.ensureLoaded();
    return this.remote!.prompt(idea, profile);
  }

  terminate(): void {
    // A stopped worker never answers: settle a load still waiting on it.
    const reject = this.rejectLoading;
    this.rejectLoading = null;
    reject?.(new LoadCancelled('The worker was stopped before the model loaded'));
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.loaded = null;
  }

  /** Stops a load in progress: its promise rejects with LoadCancelled, and nothing loads until `load` again. */
  cancelLoad(): void {
    this.request = null;
    this.terminate();
  }

  private ensureLoaded(): Promise<LoadedModel> {
    if (!this.request) return Promise.reject(new Error('No model chosen'));
    if (!this.remote) this.replaceWorker();
    const remote = this.remote!;
    const request = this.request;
    this.loaded ??= new Promise<LoadedModel>((resolve, reject) => {
      // A terminated worker never answers, so a cancel settles the promise from here.
      this.rejectLoading = reject;
      // Progress messages already in flight when the worker is stopped still arrive: drop them.
      const onProgress = this.onProgress;
      const forward = (progress: LoadProgress) => this.remote === remote && onProgress(progress);
      remote.load(request, Comlink.proxy(forward)).then(resolve, reject);
    }).then(
      (info) => {
        this.rejectLoading = null;
        return (this.loadedInfo = info);
      },
      (error: unknown) => {
        this.rejectLoading = null;
        if (this.remote === remote) this.terminate();
        throw error;
      },
    );
    return this.loaded;
  }

  private replaceWorker(): void {
    this.terminate();
    this.worker = this.createWorker();
    this.remote = Comlink.wrap<ScorerWorkerApi>(this.worker);
  }
}

export function createScorerWorker(): Worker {
  return new Worker(new URL('./scorer.worker.ts', import.meta.url), { type: 'module', name: 'referee-scorer' });
}
