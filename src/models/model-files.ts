import { type Dtype } from './types';
/** The builds `npm run convert` writes (and Transformers.js's `dtype` names for them). */

/** Browsers and onnxruntime-web cannot take one external-data file of 2 GB or more. */
/** Transformers.js's default `env.cacheKey`: the Cache Storage every kept model lives in, page and workers alike. */
export const CACHE_NAME = 'transformers-cache';

export const DEFAULT_CHUNK_LIMIT = 2_000_000_000;

/** Width of the 4-bit quantization blocks (MatMulNBits and the 4-bit token table), in elements. */
export const Q4_BLOCK_SIZE = 32;

/**
 * Whether a build stores its token table 4-bit: every 4-bit build whose hidden size is a whole number of
 * blocks (the gather unpacks whole blocks, with no padding). Others keep a float table in the activation type.
 */
export function quantizesEmbedding(dtype: Dtype, hiddenSize: number): boolean {
  return (dtype === 'q4' || dtype === 'q4f16') && hiddenSize % Q4_BLOCK_SIZE === 0;
}

/** How many vocabulary parts the converter stores a token table of this size in (one unless over the limit). */
export function embeddingPartCount(tableBytes: number, maxTensorBytes = DEFAULT_CHUNK_LIMIT): number {
  return Math.max(1, Math.ceil(tableBytes / maxTensorBytes));
}

/** How Transformers.js names a dtype's model file: onnx/model<suffix>.onnx. */
export const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q4: '_q4', q4f16: '_q4f16' };

/** The files Transformers.js fetches to load a converted model in one dtype, from its config.json. */
export function modelFilesFor(config: Record<string, unknown>, dtype: Dtype): string[] {
  return [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`,
    ...externalDataFiles(config, dtype).map((name) => `onnx/${name}`),
  ];
}

/** The external-data chunks of a dtype's graph (names beside it in onnx/), as config.json declares them. */
export function externalDataFiles(config: Record<string, unknown>, dtype: Dtype): string[] {
  const model = `model${DTYPE_SUFFIX[dtype]}.onnx`;
  const external = (config['transformers.js_config'] as { use_external_data_format?: Record<string, number> | number | boolean } | undefined)
    ?.use_external_data_format;
  const chunks = typeof external === 'object' && external !== null ? Number(external[model] ?? 0) : Number(external ?? 0);
  return Array.from({ length: chunks }, (_, i) => `${model}_data${i === 0 ? '' : `_${i}`}`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * Why a model will not fit the browser's storage, or null when it fits. `transientBytes` is room needed
 * only for a while (a finished file is copied into the cache before its partial copy is deleted);
 * `action` says what the bytes are for: fetched from a source, or kept from a folder the user picked.
 */
export function storageRefusal(
  downloadBytes: number,
  storage: { quota?: number; usage?: number },
  transientBytes = 0,
  action: 'download' | 'keep' = 'download',
): string | null {
  if (storage.quota === undefined) return null;
  const free = storage.quota - (storage.usage ?? 0);
  if (downloadBytes + transientBytes <= free) return null;
  const transient = transientBytes > 0 ? ` (plus ${mb(transientBytes)} for a moment, while its largest file is stored)` : '';
  return (
    `The model is ${mb(downloadBytes)} to ${action}${transient}, but this browser lets Referee store only ${mb(Math.max(0, free))} more. ` +
    'Free some space (delete kept models below, or other sites’ data), or use a browser profile with more room.'
  );
}
