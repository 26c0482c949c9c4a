import { ListFilesClient } from '../../worker/list-files-client';

let client: ListFilesClient | null = null;

/** The page's one list-files worker (imports and exports), started on first use. */
export function listFiles(): ListFilesClient {
  client ??= new ListFilesClient();
  return client;
}
