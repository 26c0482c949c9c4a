/**
 * Converting a checkpoint in this browser, from the page's side: the state the Convert panel shows, and the
 * actions it offers. The work runs in the conversion worker; the result loads like any kept model.
 */
import { create } from 'zustand';
import { describeConversion, type ConversionProgress } from '../../models/conversion';
import { formatBytes } from '../../models/download-progress';
import { DEFAULT_MODEL } from '../../models/model-source';
import { listConversionJobs, removeConversionJob, type ConversionJobRecord } from '../../worker/conversion-job';
import { ConversionClient, createConvertWorker } from '../../worker/convert-client';
import { ModelError } from '../../models/model-error';
import type { ConversionPlanInfo, ConvertRequest } from '../../worker/convert-protocol';
import { LOCAL_MODELS_PATH } from '../../models/local-model-folder';
import { DTYPE_SUFFIX } from '../../models/model-files';
import { deleteUndeclaredBuild } from '../../models/browser/model-cache';
import { loadModel } from '../model/model-controller';
import { type QuantizedDtype } from '../../models/types';

export type ConversionStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'planning'; readonly request: ConvertRequest }
  | { readonly state: 'planned'; readonly request: ConvertRequest; readonly plan: ConversionPlanInfo }
  | { readonly state: 'converting'; readonly request: ConvertRequest; readonly progress: ConversionProgress | null; readonly detail: string }
  | { readonly state: 'done'; readonly message: string }
  | { readonly state: 'cancelled'; readonly message: string }
  | { readonly state: 'error'; readonly message: string };

export interface UnfinishedConversion {
  readonly record: ConversionJobRecord;
  readonly keptBytes: number;
}

interface ConversionState {
  status: ConversionStatus;
  unfinished: UnfinishedConversion[];
  /** What the panel's source field holds. */
  draft: string;
}

export const useConversion = create<ConversionState>(() => ({ status: { state: 'idle' }, unfinished: [], draft: DEFAULT_MODEL }));

export const setConversionDraft = (draft: string) => useConversion.setState({ draft });

const setStatus = (status: ConversionStatus) => useConversion.setState({ status });

const isCancel = (error: unknown) => error instanceof ModelError && error.code === 'cancelled';

let client: ConversionClient | null = null;
const conversionClient = () => (client ??= new ConversionClient(createConvertWorker));

async function storageEstimate(): Promise<ConvertRequest['storage']> {
  const estimate = (await globalThis.navigator?.storage?.estimate?.().catch(() => undefined)) ?? {};
  return { quota: estimate.quota, usage: estimate.usage };
}

/** Reads the checkpoint's headers and says what converting it costs, before anything is downloaded. */
export async function planConversion(source: string, dtype: QuantizedDtype | 'auto'): Promise<void> {
  const request: ConvertRequest = { source: source.trim(), dtype, storage: await storageEstimate() };
  setStatus({ state: 'planning', request });
  try {
    const plan = await conversionClient().plan(request);
    setStatus({ state: 'planned', request: { ...request, dtype: plan.dtype }, plan });
  } catch (error) {
    if (isCancel(error)) return;
    setStatus({ state: 'error', message: (error as Error).message });
  } finally {
    void refreshUnfinished();
  }
}

/** A model that failed to load because it is a checkpoint: put it in the Convert panel and say what converting costs. */
export function suggestConversion(source: string): void {
  setConversionDraft(source);
  document.getElementById('convert-heading')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  void planConversion(source, 'auto');
}

export async function startConversion(request: ConvertRequest): Promise<void> {
  const fresh = { ...request, storage: await storageEstimate() };
  void globalThis.navigator?.storage?.persist?.().catch(() => false);
  setStatus({ state: 'converting', request: fresh, progress: null, detail: 'Reading the checkpoint…' });
  let last: ConversionProgress | null = null;
  try {
    const done = await conversionClient().convert(fresh, (progress) => {
      last = progress;
      setStatus({ state: 'converting', request: fresh, progress, detail: describeConversion(progress) });
    });
    setStatus({
      state: 'done',
      message: `Converted ${fresh.source} to ${done.dtype}${done.resumed ? ' (resumed from an earlier run)' : ''} in ${done.seconds.toFixed(0)} s; it is kept in this browser as ${done.source}.`,
    });
    await loadModel({ source: done.source, dtype: done.dtype });
  } catch (error) {
    if (isCancel(error)) {
      const at = last as ConversionProgress | null;
      setStatus({
        state: 'cancelled',
        message: `Conversion stopped${at ? ` at ${formatBytes(at.bytesStored)} of ${formatBytes(at.bytesToStore)}` : ''}. What was converted is kept: converting again resumes from there.`,
      });
      return;
    }
    setStatus({ state: 'error', message: (error as Error).message });
  } finally {
    void refreshUnfinished();
  }
}

export function cancelConversion(): void {
  client?.cancel();
}

export async function refreshUnfinished(): Promise<void> {
  const unfinished = await listConversionJobs().catch(() => []);
  useConversion.setState({ unfinished });
}

/** Removes an unfinished conversion, and any of its files that had already moved into the model cache. */
export async function discardUnfinished(record: ConversionJobRecord): Promise<void> {
  await removeConversionJob(record.key);
  await deleteUndeclaredBuild(`${location.origin}${LOCAL_MODELS_PATH}${record.name}/`, `model${DTYPE_SUFFIX[record.dtype]}.onnx`);
  await refreshUnfinished();
}
