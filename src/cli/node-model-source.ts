import { env } from '@huggingface/transformers';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export type ModelSourceKind = 'folder' | 'url' | 'hub';

/**
 * Points Transformers.js at a model: a local folder (the output of `npm run convert`), a base URL of such a
 * folder on any server, or a Hugging Face repo id. Returns the id to pass to `from_pretrained`.
 * Remote files are cached on disk (onnxruntime-node is handed file paths).
 */
export async function useModelSource(source: string): Promise<{ id: string; kind: ModelSourceKind; hasFile: (path: string) => Promise<boolean> }> {
  const cacheDir = process.env.REFEREE_CACHE_DIR ?? join(homedir(), '.cache', 'referee');
  if (/^https?:\/\//.test(source)) {
    const url = new URL(source.endsWith('/') ? source.slice(0, -1) : source);
    const id = url.pathname.split('/').at(-1)!;
    url.pathname = url.pathname.slice(0, url.pathname.length - id.length);
    Object.assign(env, {
      allowLocalModels: false,
      allowRemoteModels: true,
      remoteHost: url.toString(),
      remotePathTemplate: '{model}/',
      useFSCache: true,
      cacheDir,
    });
    const base = `${url.toString()}${id}/`;
    return { id, kind: 'url', hasFile: async (path) => (await fetch(new URL(path, base), { method: 'HEAD' })).ok };
  }
  const isFolder = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isFolder) {
    const folder = resolve(source);
    Object.assign(env, { allowLocalModels: true, allowRemoteModels: false, localModelPath: `${dirname(folder)}/` });
    const hasFile = (path: string) => stat(join(folder, path)).then((s) => s.isFile(), () => false);
    return { id: basename(folder), kind: 'folder', hasFile };
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(source)) {
    throw new Error(`--model ${source}: not a folder, not an http(s) URL, and not a Hugging Face repo id (owner/name)`);
  }
  Object.assign(env, {
    allowLocalModels: false,
    allowRemoteModels: true,
    remoteHost: 'https://huggingface.co/',
    remotePathTemplate: '{model}/resolve/{revision}/',
    useFSCache: true,
    cacheDir,
  });
  const base = `https://huggingface.co/${source}/resolve/main/`;
  return { id: source, kind: 'hub', hasFile: async (path) => (await fetch(new URL(path, base), { method: 'HEAD' })).ok };
}
