import * as Comlink from 'comlink';
import { ModelError } from '../models/model-error';
import { installErrorTransfer } from './error-transfer';

/** One call's view of the worker it runs on. */
export interface WorkerSession<Api> {
  readonly remote: Comlink.Remote<Api>;
  /** Whether this call's worker is still the handle's worker (a stop or a newer worker ends that). */
  isCurrent(): boolean;
  /** Wraps a callback for the worker (progress) so that it is dropped once this worker is no longer current. */
  callback<A extends unknown[]>(onEvent: (...args: A) => void): ((...args: A) => void) & Comlink.ProxyMarked;
  /** Stops this call's worker, if it is still the current one. */
  stop(reason?: Error): void;
}

const stoppedBeforeAnswer = () => new ModelError('worker-stopped', 'The worker was stopped before it answered.');

/**
 * Owns one kind of worker for the page: starts it on first use, stops it, and settles every call still
 * waiting on it when it stops or crashes (a stopped worker never answers). The scorer and the conversion
 * clients both hold one.
 */
export class WorkerHandle<Api> {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<Api> | null = null;
  private readonly waiting = new Set<(reason: Error) => void>();

  constructor(private readonly createWorker: () => Worker) {
    installErrorTransfer();
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Runs `run` on the current worker (started if there is none); rejects with `reason` if the worker stops first. */
  call<T>(run: (session: WorkerSession<Api>) => Promise<T>): Promise<T> {
    const { worker, remote } = this.current();
    const isCurrent = () => this.worker === worker;
    const session: WorkerSession<Api> = {
      remote,
      isCurrent,
      callback: <A extends unknown[]>(onEvent: (...args: A) => void) =>
        Comlink.proxy((...args: A) => {
          if (isCurrent()) onEvent(...args);
        }),
      stop: (reason) => isCurrent() && this.terminate(reason),
    };
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      run(session)
        .then(resolve, reject)
        .finally(() => this.waiting.delete(reject));
    });
  }

  /** Stops the worker; calls still waiting on it reject with `reason`. The next call starts a fresh one. */
  terminate(reason: Error = stoppedBeforeAnswer()): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    for (const reject of waiting) reject(reason);
  }

  private current(): { worker: Worker; remote: Comlink.Remote<Api> } {
    if (!this.worker || !this.remote) {
      const worker = this.createWorker();
      const crashed = (why: string) => (event: Event) => {
        const detail = (event as { message?: unknown }).message;
        if (this.worker === worker) this.terminate(new ModelError('worker-stopped', `The worker ${why}${typeof detail === 'string' && detail ? `: ${detail}` : ''}.`));
      };
      worker.addEventListener('error', crashed('failed to start or crashed'));
      worker.addEventListener('messageerror', crashed('sent a message that could not be read'));
      this.worker = worker;
      this.remote = Comlink.wrap<Api>(worker);
    }
    return { worker: this.worker, remote: this.remote };
  }
}
