import { env } from '@huggingface/transformers';
import { modelFolderUrl, parseModelSource } from '../model-source';
import { readFile as readFileBytes, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export type ModelSourceKind = 'folder' | 'url' | 'hub';

/**
 * Points Transformers.js at a model: a local folder (the output of `npm run convert`), a base URL of such a
 * folder on any server, or a Hugging Face repo id. Returns the id to pass to `from_pretrained`.
 * Remote files are cached on disk (onnxruntime-node is handed file paths).
 */
export interface NodeModelSource {
  readonly id: string;
  readonly kind: ModelSourceKind;
  readonly hasFile: (path: string) => Promise<boolean>;
  /** A file of the model's folder (relative path), or null when it has none. */
  readonly readFile: (path: string) => Promise<Uint8Array | null>;
}

export async function useModelSource(source: string): Promise<NodeModelSource> {
  const cacheDir = process.env.REFEREE_CACHE_DIR ?? join(homedir(), '.cache', 'referee');
  const isFolder = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isFolder) {
    const folder = resolve(source);
    Object.assign(env, { allowLocalModels: true, allowRemoteModels: false, localModelPath: `${dirname(folder)}/` });
    const hasFile = (path: string) => stat(join(folder, path)).then((s) => s.isFile(), () => false);
    const readFile = (path: string) => readFileBytes(join(folder, path)).then((b) => new Uint8Array(b), () => null);
    return { id: basename(folder), kind: 'folder', hasFile, readFile };
  }
  const parsed = parseModelSource(source);
  if (parsed.kind === 'local') throw new Error(`--model ${source}: local: names a folder kept in a browser; give the folder's path instead`);
  if (parsed.kind === 'site') throw new Error(`--model ${source}: no such folder (give a folder, an http(s) URL, or a Hugging Face repo id owner/name)`);
  const [id, remoteHost, remotePathTemplate] =
    parsed.kind === 'url' ? [parsed.name, parsed.base, '{model}/'] : [parsed.repo, 'https://huggingface.co/', '{model}/resolve/{revision}/'];
  Object.assign(env, { allowLocalModels: false, allowRemoteModels: true, remoteHost, remotePathTemplate, useFSCache: true, cacheDir });
  const folderUrl = modelFolderUrl(parsed, '');
  return {
    id,
    kind: parsed.kind,
    hasFile: async (path) => (await fetch(new URL(path, folderUrl), { method: 'HEAD' })).ok,
    readFile: async (path) => {
      const response = await fetch(new URL(path, folderUrl));
      return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
    },
  };
}
