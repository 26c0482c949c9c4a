import type { Engine, EngineCapabilities, LastLogits, LoadedModel, LoadProgress, LoadRequest } from '../engine/engine';
import type { ScoreOptions, ScoreOutcome } from '../engine/scorer-types';
import type { DeviceFigures } from '../engine/device-figures';
import { attributionUnits } from '../scoring/attribution';
import { ModelError } from '../models/model-error';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import { hungRunMessage, slowerPace, watchdogBoundMs, worstCasePasses } from './score-watchdog';
import { WorkerHandle, type WorkerSession } from './worker-handle';
import type { DiagnosticAnswer, DiagnosticKind, DiagnosticRequest } from '../engine/diagnostics';

export interface EngineClientOptions {
  /** A fixed watchdog bound (ms) in place of the adaptive one, read at each run; undefined keeps the adaptive one. */
  readonly hangBoundMs?: () => number | undefined;
  /** How long a load may go without any progress before its worker is given up on (default LOAD_STALL_MS). */
  readonly loadStallMs?: () => number | undefined;
}

/**
 * A load reports progress as bytes arrive and as files are read; this long without any (a stalled download, a
 * worker that stopped answering) and the load is given up with a message, so the user can try again.
 */
export const LOAD_STALL_MS = 15 * 60_000;

const loadCancelled = () => new ModelError('cancelled', 'The worker was stopped before the model loaded');

/**
 * The page's Engine: the engine in src/worker/scorer.worker.ts, through one worker handle. A runtime that
 * failed once stays broken (Transformers.js keeps the error; a lost GPU device does not come back), so after
 * any model error the worker is stopped; the next call starts a fresh one and loads the model again. The
 * queue lives in the page, so nothing is lost.
 */
/** Forward passes of a device measurement (QwenScorer.measureDevice), with room for the prefix's first prefill. */
const MEASURE_PASSES = 16;

export class EngineClient implements Engine {
  private readonly worker: WorkerHandle<Engine>;
  private loadedInfo: LoadedModel | null = null;
  private loaded: Promise<LoadedModel> | null = null;
  private request: LoadRequest | null = null;
  private onProgress: (progress: LoadProgress) => void = () => {};
  /** The slowest milliseconds per forward pass measured in the current worker. */
  private slowestPace: number | null = null;
  private runs: Promise<unknown> = Promise.resolve();

  constructor(
    createWorker: () => Worker,
    private readonly options: EngineClientOptions = {},
  ) {
    this.worker = new WorkerHandle<Engine>(createWorker);
  }

  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void = () => {}): Promise<LoadedModel> {
    this.request = request;
    this.onProgress = onProgress;
    this.stop(loadCancelled());
    return this.ensureLoaded();
  }

  /** The loaded model; read it after `load` resolved. */
  get info(): LoadedModel {
    if (!this.loadedInfo) throw new ModelError('not-loaded', 'No model is loaded yet');
    return this.loadedInfo;
  }

  capabilities(): Promise<EngineCapabilities> {
    return this.worker.call(({ remote }) => remote.capabilities());
  }

  async unload(): Promise<void> {
    this.request = null;
    this.stop();
  }

  /** Stops a load in progress: its promise rejects with a `cancelled` ModelError, and nothing loads until `load` again. */
  cancelLoad(): void {
    this.request = null;
    this.stop(loadCancelled());
  }

  /**
   * Runs one at a time (the queue and the Evaluate panel share the worker), so the watchdog times a run and
   * not its wait behind another. A run that outlasts the watchdog is a model error: the worker is replaced.
   */
  score(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    return this.inLine(() => this.scoreNow(idea, options));
  }

  /** After the runs before it, one at a time (scoring and measuring share the worker). */
  private inLine<T>(run: () => Promise<T>): Promise<T> {
    const result = this.runs.then(run);
    this.runs = result.catch(() => undefined);
    return result;
  }

  /**
   * A call on the worker under the watchdog: its answer, or `hung` once `boundMs` has passed, that worker then
   * stopped. `ran.session` is the worker it ran on (only that one is stopped on a failure: a newer one, from a
   * load that superseded it, is left alone).
   */
  private async withinBound<T>(call: (remote: WorkerSession<Engine>['remote']) => Promise<T>, boundMs: number, ran: { session: WorkerSession<Engine> | null }): Promise<T | 'hung'> {
    const answer = await this.worker.call((session) => {
      ran.session = session;
      return withDeadline<T>(call(session.remote), boundMs);
    });
    if (answer === 'hung') ran.session?.stop();
    return answer;
  }

  /** Straight to the worker, not behind a run in the line: a test may break the runtime mid-queue. */
  diagnose<K extends DiagnosticKind>(request: DiagnosticRequest<K>): Promise<DiagnosticAnswer<K>> {
    return this.worker.call<DiagnosticAnswer<K>>(({ remote }) => remote.diagnose(request) as Promise<DiagnosticAnswer<K>>);
  }

  async prompt(idea: IdeaInput, profile: PromptProfileId = 'paper'): Promise<string> {
    await this.ensureLoaded();
    return this.worker.call(({ remote }) => remote.prompt(idea, profile));
  }

  async forward(text: string): Promise<LastLogits> {
    await this.ensureLoaded();
    return this.worker.call(({ remote }) => remote.forward(text));
  }

  /** In the same line as scoring (one run at a time), so a queue under way waits for it. */
  measureDevice(): Promise<DeviceFigures> {
    return this.inLine(async () => {
      await this.ensureLoaded();
      // Under the scoring watchdog too: a measurement that never answers must not hold the queue.
      const bound = this.options.hangBoundMs?.() ?? watchdogBoundMs(this.slowestPace, MEASURE_PASSES);
      const figures = await this.withinBound((remote) => remote.measureDevice(), bound, { session: null });
      if (figures === 'hung') throw new ModelError('runtime', hungRunMessage(bound));
      return figures;
    });
  }

  private async scoreNow(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome> {
    const ran: { session: WorkerSession<Engine> | null } = { session: null };
    try {
      await this.ensureLoaded();
      // An attribution is a scoring per unit more (and its pace per pass is not a scoring's).
      const scorings = options.attribute ? attributionUnits(idea).length + 2 : 1;
      const bound = this.options.hangBoundMs?.() ?? watchdogBoundMs(this.slowestPace, scorings * worstCasePasses(options.maxNewTokens, options.readoutMaxForwards));
      const started = performance.now();
      const outcome = await this.withinBound<ScoreOutcome>((remote) => remote.score(idea, options), bound, ran);
      if (outcome === 'hung') return { ok: false, error: { code: 'model-error', message: hungRunMessage(bound) } };
      if (outcome.ok) {
        if (scorings === 1) this.slowestPace = slowerPace(this.slowestPace, { milliseconds: performance.now() - started, forwardPasses: outcome.result.provenance.forwardPasses });
      } else if (outcome.error.code === 'model-error') {
        ran.session?.stop();
      }
      return outcome;
    } catch (error) {
      ran.session?.stop();
      const stopped = error instanceof ModelError && (error.code === 'worker-stopped' || error.code === 'cancelled');
      return { ok: false, error: { code: 'model-error', message: stopped ? 'The scoring worker was stopped before it answered.' : (error as Error).message } };
    }
  }

  private ensureLoaded(): Promise<LoadedModel> {
    const request = this.request;
    if (!request) return Promise.reject(new ModelError('not-loaded', 'No model chosen'));
    const onProgress = this.onProgress;
    this.loaded ??= this.worker.call(async (session) => {
      const stallMs = this.options.loadStallMs?.() ?? LOAD_STALL_MS;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let rejectStall: (error: Error) => void = () => {};
      const stalled = new Promise<never>((_, reject) => (rejectStall = reject));
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => rejectStall(new ModelError('runtime', `the load made no progress for ${Math.round(stallMs / 1000)} s (a stalled download, or a worker that stopped answering), so it was stopped. Load the model again to retry; what was downloaded is kept`)),
          stallMs,
        );
      };
      arm();
      try {
        const progress = session.callback((p: LoadProgress) => {
          arm();
          onProgress(p);
        });
        return (this.loadedInfo = await Promise.race([session.remote.load(request, progress), stalled]));
      } catch (error) {
        // A failed load leaves a broken runtime: the next call starts a fresh worker and loads again.
        if (session.isCurrent()) this.stop(error as Error);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    });
    return this.loaded;
  }

  private stop(reason?: Error): void {
    this.slowestPace = null;
    this.loaded = null;
    this.worker.terminate(reason);
  }
}

/** Resolves with the run's answer, or `hung` once `boundMs` has passed without one. */
function withDeadline<T>(run: Promise<T>, boundMs: number): Promise<T | 'hung'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), boundMs)));
  return Promise.race([run, hung]).finally(() => clearTimeout(timer));
}

export function createScorerWorker(): Worker {
  return new Worker(new URL('./scorer.worker.ts', import.meta.url), { type: 'module', name: 'referee-scorer' });
}
