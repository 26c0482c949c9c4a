import type { BackendPreference } from '../../engine/backend-choice';
import { DEFAULT_MODEL, modelFolderUrl, parseModelSource } from '../../models/model-source';
import { createScorerWorker, EngineClient } from '../../worker/engine-client';
import type { LoadedModel, LoadRequest } from '../../engine/engine';
import { deviceFiguresKey } from '../../engine/device-figures';
import { keepLocalModel, type FileWithPath } from '../../models/browser/local-model';
import { isModelKept } from '../../models/browser/model-cache';
import { ModelError } from '../../models/model-error';
import { startQueueRunner } from '../ideas/queue-runner';
import { holdModelLock, whenModelLockLost } from './model-lock';
import { evaluationQueue, ideasQueue } from '../ideas/scoring-queues';
import { describeDownload, formatBytes, TransferRate } from '../../models/download-progress';
import { useReferee, type ModelStatus } from '../store';
import { BROWSER_DEVICES, DTYPES, type BrowserDevice, type Dtype } from '../../models/types';
import { pageDiagnostics } from '../../engine/diagnostics';


/** A load the page asks for: on one of the browser's runtimes. */
export type PageLoadRequest = Omit<LoadRequest, 'device'> & { readonly device?: BrowserDevice };

/** `?model=…&dtype=…&device=…` (and `weights=whole`, for the loading benchmark), for tests and self-hosting. */
export function requestFromUrl(search: string): PageLoadRequest & { explicit: boolean } {
  const params = new URLSearchParams(search);
  const dtype = params.get('dtype');
  const device = params.get('device');
  const weights = params.get('weights');
  return {
    ...(weights === 'whole' || weights === 'streamed' ? { weights } : {}),
    source: params.get('model') ?? DEFAULT_MODEL,
    explicit: params.has('model'),
    ...(dtype && DTYPES.includes(dtype as Dtype) ? { dtype: dtype as Dtype } : {}),
    ...(device && BROWSER_DEVICES.includes(device as BrowserDevice) ? { device: device as BrowserDevice } : {}),
  };
}

/** A positive number of milliseconds from the page's diagnostic settings (tests, benchmarks), else undefined. */
function diagnosticMs(key: 'hangBoundMs' | 'loadStallMs'): number | undefined {
  const value = pageDiagnostics()[key];
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** The page's one engine: a client of the scorer worker, which starts on first use. */
const engine = new EngineClient(createScorerWorker, { hangBoundMs: () => diagnosticMs('hangBoundMs'), loadStallMs: () => diagnosticMs('loadStallMs') });

/** Starts the page's one queue runner over the ideas list and the labelled set; main.tsx calls it once. */
export function startScoring(): () => void {
  // Tests and benchmarks ask the page's engine through the one diagnostics global (src/engine/diagnostics.ts).
  pageDiagnostics().diagnose = (request) => engine.diagnose(request);
  return startQueueRunner(engine, [ideasQueue, evaluationQueue], {
    modelReady: () => useReferee.getState().model.state === 'ready',
    subscribeModel: (listener) => useReferee.subscribe(listener),
    onRuntimeFailure: reloadAfterRuntimeFailure,
  });
}

let started = false;

/** Loads the page's model once (React StrictMode runs mount effects twice). */
export function loadModelOnce(request: PageLoadRequest): void {
  if (started) return;
  started = true;
  void loadModel(request);
}

/**
 * On return to the page, loads the last model again when this browser keeps it (its config.json is in the
 * cache): a kept model needs no network, so nothing is downloaded unasked.
 */
export async function resumeLastModel(): Promise<void> {
  if (!useReferee.persist.hasHydrated()) await new Promise<void>((resolve) => useReferee.persist.onFinishHydration(() => resolve()));
  const last = useReferee.getState().lastModel;
  if (!last || started) return;
  try {
    const kept = await isModelKept(modelFolderUrl(parseModelSource(last.source), location.origin));
    // The Backend setting decides the device, not a `?device=` the address carried on an earlier visit.
    if (kept) loadModelOnce({ source: last.source, ...(last.dtype ? { dtype: last.dtype } : {}) });
    // Used here before but gone from storage (the browser evicted it, or it was deleted): say so, download nothing unasked.
    else if (!last.source.startsWith('local:')) useReferee.getState().setModel({ state: 'gone', source: last.source });
  } catch {
    // An unreadable remembered source or no Cache Storage: the user loads a model by hand.
  }
}

/** Keeps a picked or dropped folder in the browser, then loads it. */
export async function loadLocalFolder(files: readonly FileWithPath[]): Promise<void> {
  const { setModel } = useReferee.getState();
  setModel({ state: 'loading', phase: 'load', loaded: 0, total: 0, detail: 'Keeping the folder in this browser…' });
  let source: string;
  try {
    source = await keepLocalModel(files);
  } catch (error) {
    setModel({ state: 'error', message: (error as Error).message });
    return;
  }
  await loadModel({ source });
}

/** Counts loads, so a load superseded by a newer one (its worker replaced) reports nothing. */
let loadGeneration = 0;

/** The last model asked for (loaded or not): the Backend setting reloads it. */
let lastRequest: PageLoadRequest | null = null;

/** Moves the model to this tab: takes it from the tab that holds it, then loads the model asked for last. */
export async function useThisTab(): Promise<void> {
  await holdModelLock({ steal: true });
  const again = lastRequest ?? useReferee.getState().lastModel;
  if (again) await loadModel(again);
  else useReferee.getState().setModel({ state: 'idle' });
}

// Another tab took the model: release this tab's copy (its worker) and say where the model is.
whenModelLockLost(() => {
  loadGeneration++;
  void engine.unload();
  useReferee.getState().setModel({ state: 'elsewhere' });
});

export async function loadModel(request: PageLoadRequest): Promise<void> {
  // The model that works now: if the new one fails, the page goes back to it (from this browser's copy).
  const working = useReferee.getState().model.state === 'ready' ? lastRequest : null;
  lastRequest = request;
  const generation = ++loadGeneration;
  const current = () => generation === loadGeneration;
  const setModel = (status: ModelStatus) => current() && useReferee.getState().setModel(status);
  if (current()) useReferee.getState().setRequestedSource(request.source);
  useReferee.getState().setMeasurement(null);
  // Marked as loading before the first await: the queue must not start a run on the old worker meanwhile.
  setModel({ state: 'loading', phase: 'download', loaded: 0, total: 0, detail: 'Checking the model files…' });
  // A page-side model (not a server) is held by one tab at a time.
  if (!request.server && (await holdModelLock({ steal: false })) === 'elsewhere') {
    setModel({ state: 'elsewhere' });
    return;
  }
  // Ask the browser not to evict a multi-gigabyte model under storage pressure (it may say no).
  void globalThis.navigator?.storage?.persist?.().catch(() => false);
  const storage = (await globalThis.navigator?.storage?.estimate?.().catch(() => undefined)) ?? {};
  const rate = new TransferRate();
  let last: { loaded: number; total: number } = { loaded: 0, total: 0 };
  try {
    const { backend } = useReferee.getState();
    const model = await engine.load({ ...request, backend, storage: { quota: storage.quota, usage: storage.usage } }, (progress) => {
      if (progress.phase === 'download') {
        rate.add(progress.loaded, performance.now());
        last = progress;
        setModel({ state: 'loading', ...progress, detail: describeDownload(progress, rate.bytesPerSecond()) });
      } else {
        setModel({ state: 'loading', ...progress, detail: 'Preparing the model from this browser’s copy…' });
      }
    });
    if (!current()) return;
    setModel({ state: 'ready', model });
    if (model.dtype !== 'server' && measureOnLoad()) void measureDevice(model, { again: false });
    // The dtype that loaded, not the one asked for: the Backend setting may have chosen it. A server (and its
    // key) is not remembered: the key is kept for this session only.
    const { source, device } = request;
    if (!request.server && model.dtype !== 'server') useReferee.getState().rememberModel({ source, ...(device ? { device } : {}), dtype: model.dtype });
  } catch (error) {
    if (error instanceof ModelError && error.code === 'cancelled') {
      setModel({
        state: 'cancelled',
        message: `Download cancelled at ${formatBytes(last.loaded)} of ${formatBytes(last.total)}. What was fetched is kept: loading again resumes from there.`,
      });
      return;
    }
    const convertible = error instanceof ModelError && error.code === 'checkpoint-not-converted' ? { convertible: request.source } : {};
    // A server's failures say themselves (connectServer names the cause); a download's get the model's name.
    const message = request.server ? (error as Error).message : explainLoadError(request.source, error);
    if (working && current() && !convertible.convertible) {
      // Loading another model replaced the worker: load the one that worked again, and say what happened.
      useReferee.getState().setNotice({ kind: 'error', text: `${message} Referee went back to ${working.source}, the model that was loaded.` });
      await loadModel(working);
      return;
    }
    setModel({ state: 'error', message, ...convertible });
  }
}

/**
 * `?measure=off`, or `measureDevice: false` in the diagnostics: no measurement after a load (the loading
 * benchmark, whose figures it would blur; browser tests not about it).
 */
function measureOnLoad(): boolean {
  return new URLSearchParams(globalThis.location?.search ?? '').get('measure') !== 'off' && pageDiagnostics().measureDevice !== false;
}

/**
 * Times the loaded model on this device (in the scoring line, between ideas) and keeps the figures for this
 * model, build and adapter; once per model unless `again`.
 */
export async function measureDevice(model: LoadedModel, { again }: { again: boolean }): Promise<void> {
  const state = useReferee.getState();
  const key = deviceFiguresKey(model);
  if ((!again && state.deviceFigures[key]) || state.measurement?.state === 'measuring') return;
  const generation = loadGeneration;
  state.setMeasurement({ state: 'measuring' });
  try {
    const figures = await engine.measureDevice();
    useReferee.getState().setDeviceFigures(key, figures);
    if (generation === loadGeneration) useReferee.getState().setMeasurement(null);
  } catch (error) {
    if (generation === loadGeneration) useReferee.getState().setMeasurement({ state: 'failed', message: (error as Error).message });
  }
}

function reloadAfterRuntimeFailure(message: string): void {
  const { lastModel, setNotice, model } = useReferee.getState();
  // The model of this page's last load (a server's too), else the one remembered from an earlier visit.
  const again = lastRequest ?? lastModel;
  // A load under way (another model chosen mid-run) stopped the worker and brings a fresh one itself.
  if (!again || model.state === 'loading') return;
  // loadModel marks the model as loading before it yields, so the queue waits for the fresh worker.
  void loadModel(again);
  setNotice({
    kind: 'error',
    text: `The model stopped working while scoring (${message}). Referee is loading it again in a fresh worker; the queue goes on when it is ready.`,
  });
}

/**
 * Keeps the Backend setting, and loads the model last asked for again under it when it is ready or failed
 * (a load under way finishes as it started; the setting applies to the next one).
 */
export function chooseBackendSetting(backend: BackendPreference): void {
  const { setBackend, model } = useReferee.getState();
  setBackend(backend);
  if (!lastRequest || (model.state !== 'ready' && model.state !== 'error')) return;
  // Without the address's `?device=`: the user has just chosen.
  const { source, dtype } = lastRequest;
  void loadModel({ source, ...(dtype ? { dtype } : {}) });
}

/** Stops a download in progress (the worker is stopped; kept bytes stay for the next try). */
export function cancelModelLoad(): void {
  engine.cancelLoad();
}

function explainLoadError(source: string, error: unknown): string {
  const message = (error as Error).message;
  switch (error instanceof ModelError ? error.code : 'runtime') {
    case 'model-not-found':
      return `The model "${source}" could not be found (${message}). Check the address; the rest of the app still works.`;
    case 'network':
      return `The model "${source}" could not be downloaded: ${message}. Check your connection or host the model yourself.`;
    case 'runtime':
    case 'worker-stopped':
    case 'not-loaded':
      return `The model "${source}" could not be loaded: ${message}`;
    default:
      // Refusals, storage, damaged downloads: the message already says what happened and what to do.
      return message;
  }
}
