import type { BackendPreference } from '../engine/backend-choice';
import { DEFAULT_MODEL, modelFolderUrl, parseModelSource } from '../models/model-source';
import { createScorerWorker, LoadCancelled, ScorerClient } from '../worker/scorer-client';
import type { LoadRequest } from '../worker/scorer-protocol';
import { keepLocalModel, type FileWithPath } from '../models/browser/local-model';
import { CACHE_NAME } from '../models/model-files';
import { startQueueRunner } from './queue-runner';
import { describeDownload, formatBytes, TransferRate } from '../models/download-progress';
import { useReferee, type ModelStatus } from './store';
import { BROWSER_DEVICES, DTYPES, type BrowserDevice, type Dtype } from '../models/types';


/** `?model=…&dtype=…&device=…`, for tests and self-hosting. */
export function requestFromUrl(search: string): LoadRequest & { explicit: boolean } {
  const params = new URLSearchParams(search);
  const dtype = params.get('dtype');
  const device = params.get('device');
  return {
    source: params.get('model') ?? DEFAULT_MODEL,
    explicit: params.has('model'),
    ...(dtype && DTYPES.includes(dtype as Dtype) ? { dtype: dtype as Dtype } : {}),
    ...(device && BROWSER_DEVICES.includes(device as BrowserDevice) ? { device: device as BrowserDevice } : {}),
  };
}

let client: ScorerClient | null = null;

/**
 * Browser tests shorten the hung-run watchdog with `window.refereeDiagnostics = { hangBoundMs: 60_000 }`
 * (from `page.addInitScript`, before the page loads); unset, the bound adapts to the model's measured pace.
 */
function hangBoundOverride(): number | undefined {
  const value = (globalThis as { refereeDiagnostics?: { hangBoundMs?: unknown } }).refereeDiagnostics?.hangBoundMs;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** One client and one queue runner per page (StrictMode mounts effects twice). */
export function scorerClient(): ScorerClient {
  if (!client) {
    client = new ScorerClient(createScorerWorker, { hangBoundMs: hangBoundOverride });
    startQueueRunner(client, { onRuntimeFailure: reloadAfterRuntimeFailure });
  }
  return client;
}

let started = false;

/** Loads the page's model once (React StrictMode runs mount effects twice). */
export function loadModelOnce(request: LoadRequest): void {
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
    const folder = modelFolderUrl(parseModelSource(last.source), location.origin);
    const kept = await (await caches.open(CACHE_NAME)).match(new URL('config.json', folder).toString());
    // The Backend setting decides the device, not a `?device=` the address carried on an earlier visit.
    if (kept) loadModelOnce({ source: last.source, ...(last.dtype ? { dtype: last.dtype } : {}) });
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
let lastRequest: LoadRequest | null = null;

export async function loadModel(request: LoadRequest): Promise<void> {
  lastRequest = request;
  const generation = ++loadGeneration;
  const current = () => generation === loadGeneration;
  const setModel = (status: ModelStatus) => current() && useReferee.getState().setModel(status);
  setModel({ state: 'loading', phase: 'download', loaded: 0, total: 0, detail: 'Checking the model files…' });
  // Ask the browser not to evict a multi-gigabyte model under storage pressure (it may say no).
  void globalThis.navigator?.storage?.persist?.().catch(() => false);
  const storage = (await globalThis.navigator?.storage?.estimate?.().catch(() => undefined)) ?? {};
  const rate = new TransferRate();
  let last: { loaded: number; total: number } = { loaded: 0, total: 0 };
  try {
    const { backend } = useReferee.getState();
    const model = await scorerClient().load({ ...request, backend, storage: { quota: storage.quota, usage: storage.usage } }, (progress) => {
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
    const { source, device, dtype } = request;
    useReferee.getState().rememberModel({ source, ...(device ? { device } : {}), ...(dtype ? { dtype } : {}) });
  } catch (error) {
    if (error instanceof LoadCancelled) {
      setModel({
        state: 'cancelled',
        message: `Download cancelled at ${formatBytes(last.loaded)} of ${formatBytes(last.total)}. What was fetched is kept: loading again resumes from there.`,
      });
      return;
    }
    const convertible = (error as Error).name === 'CheckpointNotConverted' ? { convertible: request.source } : {};
    setModel({ state: 'error', message: explainLoadError(request.source, (error as Error).message), ...convertible });
  }
}

function reloadAfterRuntimeFailure(message: string): void {
  const { lastModel, setNotice, model } = useReferee.getState();
  // A load under way (another model chosen mid-run) stopped the worker and brings a fresh one itself.
  if (!lastModel || model.state === 'loading') return;
  // loadModel marks the model as loading before it yields, so the queue waits for the fresh worker.
  void loadModel(lastModel);
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
  client?.cancelLoad();
}

function explainLoadError(source: string, message: string): string {
  if (/not an ONNX build|has no onnx\/|^This model (needs|has a)|^The model is \d+ MB to download|arrived damaged|kept failing|ran out of storage/.test(message)) return message;
  if (/Could not locate file|404|Not Found/i.test(message)) {
    return `The model "${source}" could not be found (${message}). Check the address; the rest of the app still works.`;
  }
  if (/fetch|network|Failed to fetch/i.test(message)) {
    return `The model "${source}" could not be downloaded: ${message}. Check your connection or host the model yourself.`;
  }
  return `The model "${source}" could not be loaded: ${message}`;
}
