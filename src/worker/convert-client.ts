import * as Comlink from 'comlink';
import type { ConversionProgress } from '../models/conversion';
import type { ConversionDone, ConversionPlanInfo, ConvertRequest, ConvertWorkerApi } from './convert-protocol';

export class ConversionCancelled extends Error {}

/**
 * The page's handle on the conversion worker. Cancelling stops the worker at once; what it converted so far
 * stays in OPFS, and the next conversion of the same source and dtype resumes from it.
 */
export class ConversionClient {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<ConvertWorkerApi> | null = null;
  private rejectRunning: ((error: Error) => void) | null = null;

  constructor(private readonly createWorker: () => Worker) {}

  plan(request: ConvertRequest): Promise<ConversionPlanInfo> {
    return this.run((remote) => remote.plan(request));
  }

  convert(request: ConvertRequest, onProgress: (progress: ConversionProgress) => void): Promise<ConversionDone> {
    return this.run((remote) => {
      const forward = (progress: ConversionProgress) => this.remote === remote && onProgress(progress);
      return remote.convert(request, Comlink.proxy(forward));
    });
  }

  cancel(): void {
    const reject = this.rejectRunning;
    this.rejectRunning = null;
    reject?.(new ConversionCancelled('The conversion was stopped'));
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
  }

  private run<T>(call: (remote: Comlink.Remote<ConvertWorkerApi>) => Promise<T>): Promise<T> {
    if (!this.remote) {
      this.worker = this.createWorker();
      this.remote = Comlink.wrap<ConvertWorkerApi>(this.worker);
    }
    const remote = this.remote;
    return new Promise<T>((resolve, reject) => {
      // A terminated worker never answers: a cancel settles the promise from here.
      this.rejectRunning = reject;
      call(remote).then(resolve, reject);
    }).finally(() => {
      if (this.remote === remote) this.rejectRunning = null;
    });
  }
}

export function createConvertWorker(): Worker {
  return new Worker(new URL('./convert.worker.ts', import.meta.url), { type: 'module', name: 'referee-convert' });
}
