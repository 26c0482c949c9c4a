import { DEFAULT_MODEL } from '../core/model-source';
import { createScorerWorker, ScorerClient } from '../worker/scorer-client';
import type { Device, Dtype, LoadRequest } from '../worker/scorer-protocol';
import { startQueueRunner } from './queue-runner';
import { checkStorageBeforeDownload } from './storage-check';
import { useReferee } from './store';

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q4', 'q4f16'];
const DEVICES: readonly Device[] = ['webgpu', 'wasm'];

/** `?model=…&dtype=…&device=…`, for tests and self-hosting. */
export function requestFromUrl(search: string): LoadRequest & { explicit: boolean } {
  const params = new URLSearchParams(search);
  const dtype = params.get('dtype');
  const device = params.get('device');
  return {
    source: params.get('model') ?? DEFAULT_MODEL,
    explicit: params.has('model'),
    ...(dtype && DTYPES.includes(dtype as Dtype) ? { dtype: dtype as Dtype } : {}),
    ...(device && DEVICES.includes(device as Device) ? { device: device as Device } : {}),
  };
}

let client: ScorerClient | null = null;

/** One client and one queue runner per page (StrictMode mounts effects twice). */
export function scorerClient(): ScorerClient {
  if (!client) {
    client = new ScorerClient(createScorerWorker);
    startQueueRunner(client);
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

export async function loadModel(request: LoadRequest): Promise<void> {
  const { setModel } = useReferee.getState();
  const files = new Map<string, { loaded: number; total: number }>();
  setModel({ state: 'loading', loaded: 0, total: 0 });
  // Ask the browser not to evict a multi-gigabyte model under storage pressure (it may say no).
  void globalThis.navigator?.storage?.persist?.().catch(() => false);
  try {
    // The dtype the worker will pick is known only there; the larger of the two candidates is the safe check.
    await checkStorageBeforeDownload(request.source, request.dtype ?? 'q4');
    const model = await scorerClient().load(request, (progress) => {
      files.set(progress.file, progress);
      let loaded = 0;
      let total = 0;
      for (const f of files.values()) {
        loaded += f.loaded;
        total += f.total;
      }
      setModel({ state: 'loading', loaded, total });
    });
    setModel({ state: 'ready', model });
  } catch (error) {
    setModel({ state: 'error', message: explainLoadError(request.source, (error as Error).message) });
  }
}

function explainLoadError(source: string, message: string): string {
  if (/not an ONNX build|has no onnx\/|^This model (needs|has a)|^The model is \d+ MB to download/.test(message)) return message;
  if (/Could not locate file|404|Not Found/i.test(message)) {
    return `The model "${source}" could not be found (${message}). Check the address; the rest of the app still works.`;
  }
  if (/fetch|network|Failed to fetch/i.test(message)) {
    return `The model "${source}" could not be downloaded: ${message}. Check your connection or host the model yourself.`;
  }
  return `The model "${source}" could not be loaded: ${message}`;
}
