import * as Comlink from 'comlink';
import type { Calibrator } from '../scoring/calibrator-schema';
import type { IdeaEntry } from '../scoring/idea-list';
import type { ExportFormat, ListFileContent } from '../scoring/list-file';
import type { DecisionSettings } from '../scoring/score-stats';
import type { ListFilesApi } from './list-files.worker';
import { WorkerHandle } from './worker-handle';

/** The page's handle on the list-files worker (imports and exports), started on first use. */
export class ListFilesClient {
  private readonly worker: WorkerHandle<ListFilesApi>;

  constructor(createWorker: () => Worker = createListFilesWorker) {
    this.worker = new WorkerHandle<ListFilesApi>(createWorker);
  }

  async read(file: File): Promise<ListFileContent> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return this.worker.call(async ({ remote }) => (await remote.readListFile(Comlink.transfer(bytes, [bytes.buffer]), file.name)) as ListFileContent);
  }

  write(format: ExportFormat, entries: readonly IdeaEntry[], settings: DecisionSettings, calibrator: Calibrator | null): Promise<string> {
    return this.worker.call(({ remote }) => remote.exportList(format, entries, settings, calibrator, new Date()));
  }
}

export function createListFilesWorker(): Worker {
  return new Worker(new URL('./list-files.worker.ts', import.meta.url), { type: 'module', name: 'referee-list-files' });
}
