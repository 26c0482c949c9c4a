/**
 * The errors of getting and running a model (the engine, its worker, the downloads), as one class with a code. The code, not the message, says what happened, and
 * it survives the worker boundary (src/worker/error-transfer.ts carries `name`, `code` and `message`), so the
 * page reacts to a kind of failure without reading its words.
 */
export const MODEL_ERROR_CODES = [
  /** The model cannot run here as asked: not a Qwen2 decoder, too big for the device, no build of that dtype. */
  'model-refused',
  /** The source holds a safetensors checkpoint and no ONNX build; the page offers to convert it. */
  'checkpoint-not-converted',
  /** The source or one of its files does not exist. */
  'model-not-found',
  /** The network failed while reading the model. */
  'network',
  /** Not enough storage for the download. */
  'storage',
  /** A downloaded file does not match what the server declared, or kept failing. */
  'download-failed',
  /** The user stopped the load (or the conversion); what was fetched is kept. */
  'cancelled',
  /** The worker was stopped or crashed before it answered. */
  'worker-stopped',
  /** No model is loaded. */
  'not-loaded',
  /** Anything else the runtime threw. */
  'runtime',
] as const;
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Rebuilds a ModelError from the fields that crossed a worker boundary; null when they are not one. */
  static fromFields(fields: { name?: unknown; code?: unknown; message?: unknown }): ModelError | null {
    if (fields.name !== 'ModelError' || !isModelErrorCode(fields.code)) return null;
    return new ModelError(fields.code, String(fields.message ?? ''));
  }
}

export function isModelErrorCode(value: unknown): value is ModelErrorCode {
  return typeof value === 'string' && (MODEL_ERROR_CODES as readonly string[]).includes(value);
}

/** The code of any error: a ModelError's own, else `runtime`. */
export function modelErrorCode(error: unknown): ModelErrorCode {
  return error instanceof ModelError ? error.code : 'runtime';
}
