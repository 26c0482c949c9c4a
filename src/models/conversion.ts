/**
 * The page's conversion of a safetensors checkpoint into a kept model: what it is called, what it costs
 * before it starts, and how its progress reads. Pure, so the page, the worker and the tests share it.
 */
import { formatBytes, formatDuration } from './download-progress';
import { storageRefusal } from './model-files';
import type { BrowserModelSource } from './model-source';


/**
 * The page's conversion speed in checkpoint bytes per second on this project's 2-core test machines
 * (56–66 MB/s in `npm run bench -- --suite convert`), used only for the rough time shown before a
 * conversion starts.
 */
export const ASSUMED_CONVERT_BYTES_PER_SECOND = 60e6;

/** The kept folder a conversion writes (`local:<name>`): the source's folder name. */
export function convertedModelName(source: BrowserModelSource): string {
  if (source.kind === 'local') throw new Error('This model is already kept in this browser; there is nothing to convert.');
  const raw = source.kind === 'hub' ? source.repo.split('/')[1]! : source.name.split('/').at(-1)!;
  return raw.replace(/[^\w.-]/g, '_');
}

export interface ConversionFigures {
  /** Checkpoint bytes the conversion reads (the download). */
  readonly bytesToRead: number;
  /** Bytes of the converted files. */
  readonly bytesToStore: number;
  /** The largest converted file, held twice for a moment while it moves into the model cache. */
  readonly largestFile: number;
}

export function conversionStorageRefusal(figures: ConversionFigures, storage: { quota?: number; usage?: number }, keptAlready = 0): string | null {
  const refusal = storageRefusal(Math.max(0, figures.bytesToStore - keptAlready), storage, figures.largestFile, 'keep');
  return refusal && refusal.replace('The model is', 'The converted model is');
}

/** "Reads 15.20 GB of checkpoint, keeps 5.10 GB (12.00 GB free here). Converting takes roughly 4 min …" */
export function describeConversionPlan(figures: ConversionFigures, storage: { quota?: number; usage?: number }): string {
  const free = storage.quota === undefined ? '' : ` (${formatBytes(Math.max(0, storage.quota - (storage.usage ?? 0)))} free here)`;
  const seconds = figures.bytesToRead / ASSUMED_CONVERT_BYTES_PER_SECOND;
  return (
    `Reads ${formatBytes(figures.bytesToRead)} of checkpoint, keeps ${formatBytes(figures.bytesToStore)}${free}. ` +
    `Converting takes roughly ${formatDuration(seconds)} on a 2-core machine, plus the download at your connection's speed.`
  );
}

export interface ConversionProgress {
  /** `convert`: reading, quantizing and writing; `store`: moving the finished files into the model cache. */
  readonly phase: 'convert' | 'store';
  readonly bytesRead: number;
  readonly bytesToRead: number;
  /** Weight bytes in the output, those kept from an interrupted run included. */
  readonly bytesStored: number;
  readonly bytesToStore: number;
}

export function describeConversion(progress: ConversionProgress): string {
  if (progress.phase === 'store') return `Keeping the converted files: ${formatBytes(progress.bytesStored)} of ${formatBytes(progress.bytesToStore)}`;
  return `Converted ${formatBytes(progress.bytesStored)} of ${formatBytes(progress.bytesToStore)} · read ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesToRead)}`;
}
