/**
 * Keeps a model folder picked or dropped by the user (the output of `npm run convert`) in the Cache Storage
 * Transformers.js loads from, under this page's /local-models/<name>/, so it loads with no server at all and
 * survives reloads. Stores all of it or nothing.
 */
import { LOCAL_MODELS_PATH, planLocalModel } from '../local-model-folder';
import { storageRefusal } from '../model-files';
import { openModelCache } from './model-cache';


/** A picked file with its path inside the picked folder. */
export interface FileWithPath {
  readonly file: File;
  readonly path: string;
}

/** Files from `<input type="file" webkitdirectory>`: each knows its path in the folder. */
export function filesFromPicker(list: FileList): FileWithPath[] {
  return [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Files from a dropped folder, walked recursively. */
export async function filesFromDrop(transfer: DataTransfer): Promise<FileWithPath[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const files: FileWithPath[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      files.push({ file, path: `${prefix}${entry.name}` });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
    }
  };
  for (const entry of entries) await walk(entry, '');
  return files;
}

/** Stores the model in the picked files and returns the source text that loads it (`local:<name>`). */
export async function keepLocalModel(picked: readonly FileWithPath[]): Promise<string> {
  const plan = planLocalModel(picked.map((p) => ({ path: p.path, size: p.file.size })));
  if ('problem' in plan) throw new Error(plan.problem);
  const refusal = storageRefusal(plan.bytes, (await navigator.storage?.estimate?.().catch(() => undefined)) ?? {}, 0, 'keep');
  if (refusal) throw new Error(refusal);
  const cache = await openModelCache();
  const folder = `${location.origin}${LOCAL_MODELS_PATH}${plan.name}/`;
  const stored: string[] = [];
  try {
    for (const [inside, index] of plan.files) {
      const { file } = picked[index]!;
      const url = new URL(inside, folder).toString();
      const type = inside.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      await cache.put(url, new Response(file, { headers: { 'content-type': type, 'content-length': String(file.size) } }));
      stored.push(url);
    }
  } catch (error) {
    await Promise.all(stored.map((url) => cache.delete(url)));
    throw new Error(`Could not keep the folder "${plan.name}" in this browser: ${(error as Error).message}. Nothing of it was kept.`);
  }
  return `local:${plan.name}`;
}
