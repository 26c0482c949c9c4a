/**
 * One tab holds the model: a Web Lock (`navigator.locks`) named for it, taken before a load and held while the
 * model is loaded. Another tab of the page finds it taken, loads nothing (two copies of a 4–5 GB model would
 * exhaust a laptop) and offers "Use this tab", which steals the lock: the first tab is told it lost it and
 * releases its model. Without Web Locks (an old browser) every tab loads its own.
 */
const LOCK_NAME = 'referee-model';

let release: (() => void) | null = null;
let onLost: () => void = () => {};

/** What to do when another tab takes the model (set once by the model controller). */
export function whenModelLockLost(callback: () => void): void {
  onLost = callback;
}

/** A reload's old document may still hold the lock for a moment: it is asked for again before giving up. */
const TRIES = 6;
const RETRY_MS = 300;

/**
 * Takes the lock (or, with `steal`, takes it from the tab that holds it). `elsewhere`: another tab holds it
 * (still, after a few tries over ~1.5 s: the page this one replaced may not have let go yet).
 */
export async function holdModelLock({ steal }: { steal: boolean }): Promise<'held' | 'elsewhere'> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await requestLock(steal);
    if (outcome === 'held' || attempt === TRIES) return outcome;
    await new Promise((done) => setTimeout(done, RETRY_MS));
  }
}

function requestLock(steal: boolean): Promise<'held' | 'elsewhere'> {
  const locks = globalThis.navigator?.locks;
  if (!locks || release) return Promise.resolve('held');
  return new Promise((resolve) => {
    locks
      .request(LOCK_NAME, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve('elsewhere');
          return undefined;
        }
        resolve('held');
        return new Promise<void>((done) => {
          release = () => {
            release = null;
            done();
          };
        });
      })
      .catch(() => {
        // Stolen by another tab (an AbortError): this tab no longer holds the model.
        if (!release) return;
        release = null;
        onLost();
      });
  });
}

export function releaseModelLock(): void {
  release?.();
}
