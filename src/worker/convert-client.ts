import type { ConversionProgress } from '../models/conversion';
import { ModelError } from '../models/model-error';
import type { ConversionDone, ConversionPlanInfo, ConvertRequest, ConvertWorkerApi } from './convert-protocol';
import { WorkerHandle } from './worker-handle';

/**
 * The page's handle on the conversion worker. Cancelling stops the worker at once (its calls reject with a
 * `cancelled` ModelError); what it converted so far stays in OPFS, and the next conversion of the same source
 * and dtype resumes from it.
 */
export class ConversionClient {
  private readonly worker: WorkerHandle<ConvertWorkerApi>;

  constructor(createWorker: () => Worker) {
    this.worker = new WorkerHandle<ConvertWorkerApi>(createWorker);
  }

  plan(request: ConvertRequest): Promise<ConversionPlanInfo> {
    return this.worker.call(({ remote }) => remote.plan(request));
  }

  convert(request: ConvertRequest, onProgress: (progress: ConversionProgress) => void): Promise<ConversionDone> {
    return this.worker.call((session) => session.remote.convert(request, session.callback(onProgress)));
  }

  cancel(): void {
    this.worker.terminate(new ModelError('cancelled', 'The conversion was stopped'));
  }
}

export function createConvertWorker(): Worker {
  return new Worker(new URL('./convert.worker.ts', import.meta.url), { type: 'module', name: 'referee-convert' });
}
