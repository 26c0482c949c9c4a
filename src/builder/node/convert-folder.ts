import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileTree } from '../byte-source';
import { DirectorySink } from './node-files';
import { convertCheckpoint, type ConvertOptions, type ConvertResult } from '../convert';

/**
 * Converts into `outDir` without ever leaving it half-written: everything is written into a sibling folder
 * first, then moved in (a new folder in one rename; into an existing folder file by file, weights first and
 * config.json last, so a dtype is declared only once its files are complete).
 */
export async function convertIntoFolder(
  tree: FileTree,
  outDir: string,
  options: Omit<ConvertOptions, 'existingConfig'>,
): Promise<ConvertResult> {
  const existingConfig = await readJsonIfPresent(join(outDir, 'config.json'));
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    const result = await convertCheckpoint(tree, new DirectorySink(staging), { ...options, existingConfig });
    if (!(await exists(outDir))) {
      await rename(staging, outDir);
      return result;
    }
    await mkdir(join(outDir, 'onnx'), { recursive: true });
    for (const file of result.files) await rename(join(staging, file), join(outDir, file));
    await removeStaleChunks(outDir, result.chunkCounts);
    await rm(staging, { recursive: true, force: true });
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A dtype re-converted into fewer chunks than before must not keep the old extra chunk files. */
async function removeStaleChunks(outDir: string, chunkCounts: Record<string, number>): Promise<void> {
  const present = await readdir(join(outDir, 'onnx'));
  for (const [modelFile, count] of Object.entries(chunkCounts)) {
    for (const file of present) {
      const match = file.startsWith(`${modelFile}_data_`) ? Number(file.slice(`${modelFile}_data_`.length)) : NaN;
      if (Number.isInteger(match) && match >= count) await rm(join(outDir, 'onnx', file));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJsonIfPresent(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
