import 'fake-indexeddb/auto';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIdeaPersistence } from './idea-persistence';
import { useReferee } from '../store';

let dbCount = 0;
const freshDb = () => createStore(`referee-ideas-test-${dbCount++}`, 'ideas');
let stops: (() => Promise<void>)[] = [];

/** Starts saving into `db`, as main.tsx does with the page's database. */
async function start(db: UseStore): Promise<() => Promise<void>> {
  const stop = await startIdeaPersistence(useReferee, db);
  stops.push(stop);
  return stop;
}

/** A new page: the store as it is before anything is read. */
function reopen(): void {
  useReferee.setState({ ideas: [], ideasLoaded: false, notice: null, savingIdeas: 0 });
}

const texts = () => useReferee.getState().ideas.map((i) => [i.text, i.status]);

beforeEach(reopen);
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

describe('the ideas list in IndexedDB, one record per idea', () => {
  it('survives a reopen in order; an idea being scored is queued again; a removal and a clear are kept', async () => {
    const db = freshDb();
    let stop = await start(db);
    expect(useReferee.getState().ideasLoaded).toBe(true);
    useReferee.getState().addIdeas([{ text: 'First.' }, { text: 'Second.' }, { text: 'Third.' }], false);
    const second = useReferee.getState().ideas[1]!.id;
    useReferee.getState().queue([second]);
    useReferee.getState().markScoring(second);
    await stop();

    reopen();
    stop = await start(db);
    expect(texts()).toEqual([
      ['First.', 'draft'],
      ['Second.', 'queued'],
      ['Third.', 'draft'],
    ]);
    useReferee.getState().removeIdea(useReferee.getState().ideas[0]!.id);
    await stop();
    reopen();
    stop = await start(db);
    expect(texts()).toEqual([
      ['Second.', 'queued'],
      ['Third.', 'draft'],
    ]);
    useReferee.getState().clearIdeas();
    await stop();
    reopen();
    await start(db);
    expect(texts()).toEqual([]);
  });

  it('keeps ideas added before the saved list was read, after it', async () => {
    const db = freshDb();
    const stop = await start(db);
    useReferee.getState().addIdeas([{ text: 'Saved.' }], false);
    await stop();
    reopen();
    useReferee.getState().addIdeas([{ text: 'Typed while loading.' }], false);
    await start(db);
    expect(texts().map(([text]) => text)).toEqual(['Saved.', 'Typed while loading.']);
  });

  it('moves the previous version’s one-blob list (and its settings) over once, then drops the blob', async () => {
    const legacy = {
      state: { ideas: [{ id: 'old-1', text: 'From the old version.', status: 'scoring' }], settings: { threshold: 7, comparison: '>=', decideBy: 'greedy', profile: 'paper' } },
      version: 1,
    };
    await set('referee-state', JSON.stringify(legacy));
    const db = freshDb();
    const stop = await start(db);
    expect(texts()).toEqual([['From the old version.', 'queued']]);
    expect(useReferee.getState().settings.threshold).toBe(7);
    await stop();
    expect(await get('referee-state')).toBeUndefined();
    reopen();
    await start(db);
    expect(texts()).toEqual([['From the old version.', 'queued']]);
  });

  it('says plainly when the storage is full, and loses nothing on the page', async () => {
    const db = freshDb();
    const full: UseStore = (mode, callback) =>
      mode === 'readwrite' ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : db(mode, callback);
    const stop = await start(full);
    useReferee.getState().addIdeas([{ text: 'One.' }, { text: 'Two.' }], false);
    await stop();
    expect(useReferee.getState().notice).toEqual({
      kind: 'error',
      text: 'This browser’s storage is full: the list is not saved past this session. Export it (JSON), or free space by deleting a kept model.',
    });
    expect(texts().map(([text]) => text)).toEqual(['One.', 'Two.']);
    expect(useReferee.getState().savingIdeas).toBe(0);
  });
});
