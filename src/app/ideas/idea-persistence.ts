import { createStore, del, get, promisifyRequest, type UseStore } from 'idb-keyval';
import { planIdeaWrites, restoreIdeaOrder } from '../../scoring/idea-writes';
import type { IdeaEntry } from '../../scoring/idea-list';
import type { RefereeState } from '../store';

/** The ideas list in IndexedDB: one record per idea (keyed by its id) and one for the order. */
const ORDER_KEY = ['order'];
/** Puts per transaction: each chunk's structured clone stays well under a 50 ms main-thread task. */
const CHUNK = 500;
/** Changes within this many milliseconds are saved together. */
const SAVE_DELAY_MS = 60;
/** Where versions before per-idea storage kept the whole list, as one JSON blob (zustand's persist). */
const LEGACY_KEY = 'referee-state';

export function ideaDatabase(): UseStore {
  return createStore('referee-ideas', 'ideas');
}

async function readSaved(db: UseStore): Promise<{ order: string[]; byId: Map<string, IdeaEntry> } | null> {
  return db('readonly', async (store) => {
    const [keys, values] = await Promise.all([promisifyRequest(store.getAllKeys()), promisifyRequest(store.getAll())]);
    let order: string[] | null = null;
    const byId = new Map<string, IdeaEntry>();
    keys.forEach((key, index) => {
      if (Array.isArray(key)) order = values[index] as string[];
      else byId.set(key as string, values[index] as IdeaEntry);
    });
    return order === null && byId.size === 0 ? null : { order: order ?? [], byId };
  });
}

/** The list as the previous version saved it, with the settings saved beside it; null when there is none. */
async function readLegacy(): Promise<Partial<RefereeState> | null> {
  const raw = await get<string>(LEGACY_KEY).catch(() => undefined);
  if (typeof raw !== 'string') return null;
  try {
    return ((JSON.parse(raw) as { state?: Partial<RefereeState> }).state ?? null);
  } catch {
    return null;
  }
}

type Store = { getState(): RefereeState; setState(patch: Partial<RefereeState>): void; subscribe(listener: (s: RefereeState, p: RefereeState) => void): () => void };

/**
 * Loads the saved list into the store, then saves each change: only the ideas whose object changed, in
 * chunks, plus the order when it moved. Ideas added before the saved list was read are kept after it.
 * Returns a function that stops saving (after one last save).
 */
export async function startIdeaPersistence(store: Store, db: UseStore = ideaDatabase()): Promise<() => Promise<void>> {
  let saved = new Map<string, IdeaEntry>();
  let savedOrder: string[] = [];
  let restored: IdeaEntry[] = [];
  /** The previous version's blob is dropped once its ideas are saved in the new form, not before. */
  let dropLegacy = false;
  try {
    const current = await readSaved(db);
    if (current) {
      saved = current.byId;
      savedOrder = current.order;
      restored = restoreIdeaOrder(current.order, current.byId);
    } else {
      const legacy = await readLegacy();
      restored = restoreIdeaOrder([], new Map((legacy?.ideas ?? []).map((i) => [i.id, i])));
      dropLegacy = legacy !== null;
      const { settings, compare, lastModel, backend } = legacy ?? {};
      store.setState({ ...(settings ? { settings } : {}), ...(compare ? { compare } : {}), ...(lastModel ? { lastModel } : {}), ...(backend ? { backend } : {}) });
    }
  } catch (error) {
    store.getState().setNotice({ kind: 'error', text: `Your saved list could not be read (${(error as Error).message}). New ideas are kept for this session only.` });
    store.setState({ ideasLoaded: true });
    return async () => {};
  }
  const early = store.getState().ideas;
  const restoredIds = new Set(restored.map((i) => i.id));
  store.setState({ ideas: [...restored, ...early.filter((i) => !restoredIds.has(i.id))], ideasLoaded: true });

  let timer: ReturnType<typeof setTimeout> | null = null;
  let saving: Promise<void> = Promise.resolve();
  /** Said once per run of failures, not on every change. */
  let failing = false;
  const saveChanges = async (): Promise<void> => {
    timer = null;
    const ideas = store.getState().ideas;
    const { puts, deletes, order } = planIdeaWrites(saved, savedOrder, ideas);
    if (!puts.length && !deletes.length && !order) return;
    try {
      if (ideas.length === 0 && saved.size > 0) {
        if (saved.size > CHUNK) store.setState({ savingIdeas: saved.size });
        await db('readwrite', (s) => promisifyRequest(s.clear()));
      } else {
        // A large save (an import, a clear) says so, so that nobody closes the page before it is done.
        if (puts.length > CHUNK) store.setState({ savingIdeas: puts.length });
        for (let start = 0; start < puts.length; start += CHUNK) {
          const chunk = puts.slice(start, start + CHUNK);
          await db('readwrite', (s) => {
            for (const idea of chunk) s.put(idea, idea.id);
            return promisifyRequest(s.transaction);
          });
        }
        await db('readwrite', (s) => {
          for (const id of deletes) s.delete(id);
          if (order) s.put(order, ORDER_KEY);
          return promisifyRequest(s.transaction);
        });
      }
      for (const idea of puts) saved.set(idea.id, idea);
      for (const id of deletes) saved.delete(id);
      if (order) savedOrder = order;
      failing = false;
      if (dropLegacy) {
        dropLegacy = false;
        await del(LEGACY_KEY).catch(() => undefined);
      }
    } catch (error) {
      if (failing) return;
      failing = true;
      const quota = (error as Error).name === 'QuotaExceededError';
      store.getState().setNotice({
        kind: 'error',
        text: quota
          ? 'This browser’s storage is full: the list is not saved past this session. Export it (JSON), or free space by deleting a kept model.'
          : `The list could not be saved (${(error as Error).message}); it stays on this page until it is closed.`,
      });
    }
  };
  const save = async (): Promise<void> => {
    try {
      await saveChanges();
    } finally {
      if (store.getState().savingIdeas) store.setState({ savingIdeas: 0 });
    }
  };
  const schedule = () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      saving = saving.then(save);
    }, SAVE_DELAY_MS);
  };
  schedule();
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.ideas !== previous.ideas) schedule();
  });
  const flushNow = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
      saving = saving.then(save);
    }
  };
  // Closing the page in the middle of a large save would lose the ideas not written yet: ask first.
  const warnIfSaving = (event: BeforeUnloadEvent) => {
    if (store.getState().savingIdeas > 0) event.preventDefault();
  };
  // (Absent in Node, where the tests run this module.)
  globalThis.addEventListener?.('pagehide', flushNow);
  globalThis.addEventListener?.('beforeunload', warnIfSaving);
  return async () => {
    unsubscribe();
    globalThis.removeEventListener?.('pagehide', flushNow);
    globalThis.removeEventListener?.('beforeunload', warnIfSaving);
    flushNow();
    await saving;
  };
}
