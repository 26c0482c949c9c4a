import * as Comlink from 'comlink';
import type { IdeaInput } from '../scoring/idea-input';
import { hungRunMessage, slowerPace, watchdogBoundMs, worstCasePasses } from './score-watchdog';
import { scoreInOrder } from '../engine/score-in-order';
import type { ScoreAllHooks, ScoreOptions, ScoreOutcome, Scorer } from '../engine/scorer-types';
import type { LoadedModel, LoadProgress, LoadRequest, ScorerWorkerApi } from './scorer-protocol';

/**
 * The page's handle on the engine worker. A runtime that failed once stays broken (Transformers.js keeps
 * the error; a lost GPU device does not come back), so after any model error the worker is terminated; the
 * next call starts a fresh one and loads the model again. The queue lives in the page, so nothing is lost.
 */
export class LoadCancelled extends Error {}

export interface ScorerClientOptions {
  /** A fixed watchdog bound (ms) in place of the adaptive one, read at each run; undefined keeps the adaptive one. */
  readonly hangBoundMs?: () => number | undefined;
}

type RunEnd<T> = { readonly answer: T } | 'hung' | 'stopped';

export class ScorerClient implements Scorer {
  private worker: Worker | null = null;
  private loadedInfo: LoadedModel | null = null;
  private remote: Comlink.Remote<ScorerWorkerApi> | null = null;
  private loaded: Promise<LoadedModel> | null = null;
  private request: LoadRequest | null = null;
  private onProgress: (progress: LoadProgress) => void = () => {};
  private rejectLoading: ((error: Error) => void) | null = null;
  /** Settles the run in flight when its worker is stopped (a stopped worker never answers). */
  private stopRun: (() => void) | null = null;
  /** The slowest milliseconds per forward pass measured in the current worker. */
  private slowestPace: number | null = null;
  private runs: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly createWorker: () => Worker,
    private readonly options: ScorerClientOptions = {},
  ) {}

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

  /**
   * Runs one at a time (the queue and the Evaluate panel share the worker), so the watchdog times a run and
   * not its wait behind another. A run that outlasts the watchdog is a model error: the worker is replaced.
   */
  score(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    const run = this.runs.then(() => this.scoreNow(idea, options));
    this.runs = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome> {
    // Only the worker that failed is stopped: a newer one (a load that superseded it) is left alone.
    let remote: Comlink.Remote<ScorerWorkerApi> | null = null;
    const stopIfCurrent = () => remote && this.remote === remote && this.terminate();
    try {
      await this.ensureLoaded();
      remote = this.remote!;
      const bound = this.options.hangBoundMs?.() ?? watchdogBoundMs(this.slowestPace, worstCasePasses(options.maxNewTokens, options.readoutMaxForwards));
      const started = performance.now();
      const end = await this.watch<ScoreOutcome>(remote.score(idea, options), bound);
      if (end === 'hung') {
        stopIfCurrent();
        return { ok: false, error: { code: 'model-error', message: hungRunMessage(bound) } };
      }
      if (end === 'stopped') return { ok: false, error: { code: 'model-error', message: 'The scoring worker was stopped before it answered.' } };
      const outcome = end.answer;
      if (outcome.ok) {
        this.slowestPace = slowerPace(this.slowestPace, { milliseconds: performance.now() - started, forwardPasses: outcome.result.provenance.forwardPasses });
      } else if (outcome.error.code === 'model-error') {
        stopIfCurrent();
      }
      return outcome;
    } catch (error) {
      stopIfCurrent();
      return { ok: false, error: { code: 'model-error', message: (error as Error).message } };
    }
  }

  private watch<T>(run: Promise<T>, boundMs: number): Promise<RunEnd<T>> {
    return new Promise<RunEnd<T>>((resolve, reject) => {
      let settled = false;
      const stop = () => settle(() => resolve('stopped'));
      const settle = (end: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.stopRun === stop) this.stopRun = null;
        end();
      };
      const timer = setTimeout(() => settle(() => resolve('hung')), boundMs);
      this.stopRun = stop;
      run.then(
        (answer) => settle(() => resolve({ answer })),
        (error: unknown) => settle(() => reject(error)),
      );
    });
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
    this.stopRun?.();
    this.slowestPace = null;
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
