import { AutoConfig, AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers';
import { DTYPE_SUFFIX } from '../models/model-files';
import { deviceCannotHold, estimateModelMemory } from '../models/model-memory';
import { ModelError, type ModelErrorCode } from '../models/model-error';
import { QwenScorer } from './qwen-scorer';
import type { ChatTokenizer } from './prompt-tokens';
import type { CausalLm } from './decoder';
import { FIXED_KV_CACHE, HostKvCacheOps, type KvCacheOps } from './kv-cache-ops';
import type { Device, Dtype } from '../models/types';
import { architectureRefusal } from '../models/architectures';

export interface LoadOptions {
  readonly dtype: Dtype;
  /** Transformers.js device: 'cpu' in Node, 'webgpu' or 'wasm' in a browser. */
  readonly device: Device;
  readonly revision?: string;
  /** Cap on prompt tokens (default: the model's max_position_embeddings). */
  readonly maxPromptTokens?: number;
  /** Transformers.js download progress events, one shape for every file. */
  readonly progressCallback?: (event: unknown) => void;
  /** Whether the source has a file (relative path): lets a failed load say why (e.g. no ONNX build at all). */
  readonly hasFile?: (path: string) => Promise<boolean>;
  /**
   * How the KV cache is cut and gathered into batches (kv-cache-ops.ts). By default in memory, except in Node
   * on WebGPU, where it cannot be (onnxruntime-node 1.30 aborts the process on a read of a GPU output).
   * Given the model's session options, a browser on WebGPU does it on the GPU (onnx-kv-cache-ops.ts).
   */
  readonly kvCacheOps?: KvCacheOps | ((sessionOptions: Record<string, unknown>) => KvCacheOps);
  /** A WebGPU device to run on instead of the one onnxruntime would make (a browser GPUDevice). */
  readonly webgpuDevice?: unknown;
  /** What the device can hold, checked against the model's size before any weight is downloaded. */
  readonly deviceLimits?: { readonly maxBufferSize?: number };
  /**
   * Runs once config.json has passed the model and memory checks, before the tokenizer and weights load:
   * the browser fetches the files into its cache here (progress, resume, hashes, storage check).
   */
  readonly prepareFiles?: (config: Record<string, unknown>) => Promise<void>;
  /**
   * The model's external-data chunks as Blobs that onnxruntime reads initializer by initializer (the browser's
   * cached files), instead of Transformers.js reading each whole chunk into memory first. Runs after
   * `prepareFiles`; undefined or an empty list leaves the reading to Transformers.js.
   */
  readonly externalData?: (config: Record<string, unknown>) => Promise<readonly ExternalDataBlob[]>;
}

/** One external-data file of an ONNX graph, by the name the graph gives it (e.g. `model_q4.onnx_data`). */
export interface ExternalDataBlob {
  readonly path: string;
  readonly data: Blob;
}

/**
 * What a failure to read the model's files is, told from the words of the error Transformers.js or fetch
 * threw (they throw plain Errors and TypeErrors): the one place the engine reads an error's message.
 */
export function classifyReadError(error: unknown): ModelErrorCode {
  if (error instanceof ModelError) return error.code;
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not locate file|\b404\b|Not Found/i.test(message)) return 'model-not-found';
  // fetch() rejects with a TypeError of these words when the network fails (Chromium, Firefox, Safari).
  if (error instanceof TypeError && /^(Failed to fetch|NetworkError when attempting to fetch resource\.|Load failed)$/.test(message)) return 'network';
  if (/\bnet::ERR_|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|fetch failed/.test(message)) return 'network';
  return 'runtime';
}

/**
 * Loads a converted AlphaResearch-RM (or any decoder of src/models/architectures.ts in Transformers.js layout) from wherever
 * Transformers.js's `env` currently points (a folder, a URL, the hub): the caller configures that.
 */
export async function loadScorer(modelId: string, options: LoadOptions): Promise<QwenScorer> {
  const common = { revision: options.revision, progress_callback: options.progressCallback };
  let config: Record<string, unknown>;
  try {
    config = (await AutoConfig.from_pretrained(modelId, common)) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new ModelError(classifyReadError(error), `Cannot read ${modelId}/config.json: ${(error as Error).message}`);
  }
  const refusal = architectureRefusal(config, modelId);
  if (refusal) throw new ModelError('model-refused', refusal);
  const memory = estimateModelMemory(config, options.dtype);
  const tooLarge = deviceCannotHold(memory, options.device, options.deviceLimits);
  if (tooLarge) throw new ModelError('model-refused', tooLarge);
  let tokenizer: ChatTokenizer;
  let model: CausalLm & { dispose(): Promise<unknown> };
  try {
    await options.prepareFiles?.(config);
    const externalData = (await options.externalData?.(config)) ?? [];
    tokenizer = (await AutoTokenizer.from_pretrained(modelId, common)) as unknown as ChatTokenizer;
    const sessionOptions = {
      ...(options.webgpuDevice ? { executionProviders: [{ name: 'webgpu', device: options.webgpuDevice }] } : {}),
      // Given here, Transformers.js hands the entries to onnxruntime as they are (no chunk count: it reads none).
      ...(externalData.length > 0 ? { externalData: externalData.map(({ path, data }) => ({ path, data })) } : {}),
    };
    model = (await AutoModelForCausalLM.from_pretrained(modelId, {
      ...common,
      dtype: options.dtype,
      device: options.device as 'cpu',
      ...(externalData.length > 0 ? { use_external_data_format: 0 } : {}),
      ...(Object.keys(sessionOptions).length > 0 ? { session_options: sessionOptions } : {}),
    } as Parameters<typeof AutoModelForCausalLM.from_pretrained>[1])) as unknown as CausalLm & { dispose(): Promise<unknown> };
  } catch (error) {
    // A refusal or a failed download says what happened; a missing file is diagnosed below.
    if (error instanceof ModelError && error.code !== 'model-not-found') throw error;
    const onnxFile = `onnx/model${DTYPE_SUFFIX[options.dtype]}.onnx`;
    if (options.hasFile && !(await options.hasFile(onnxFile).catch(() => true))) {
      const checkpoint = (await options.hasFile('model.safetensors.index.json').catch(() => false)) || (await options.hasFile('model.safetensors').catch(() => false));
      if (checkpoint) {
        throw new ModelError(
          'checkpoint-not-converted',
          `${modelId} holds a PyTorch (safetensors) checkpoint, not an ONNX build, so it cannot run here as it is. ` +
            `Either convert it once with \`npm run convert -- ${modelId} --out <folder> --dtype q4f16 --dtype q4\` and load or host that folder, ` +
            'or point to a repo or URL that already holds a converted build.',
        );
      }
      throw new ModelError('model-refused', `${modelId} has no ${onnxFile}: convert it with a ${options.dtype} build, or pick another dtype.`);
    }
    if (error instanceof ModelError) throw error;
    throw new ModelError(classifyReadError(error), `Cannot load ${modelId} (${options.dtype} on ${options.device}): ${(error as Error).message}`);
  }
  const generation = (model as unknown as { generation_config?: { eos_token_id?: number | number[] } }).generation_config;
  const eos = [generation?.eos_token_id ?? [], config.eos_token_id ?? []].flat() as number[];
  const context = Number(config.max_position_embeddings);
  return QwenScorer.create(
    {
      id: modelId,
      revision: options.revision ?? null,
      dtype: options.dtype,
      device: options.device,
      vocabSize: Number(config.vocab_size),
      maxPromptTokens: Math.min(options.maxPromptTokens ?? Infinity, context),
      memoryEstimateBytes: memory.totalBytes,
    },
    model,
    tokenizer,
    Number(config.vocab_size),
    eos,
    typeof options.kvCacheOps === 'function'
      ? options.kvCacheOps({ executionProviders: [options.webgpuDevice ? { name: 'webgpu', device: options.webgpuDevice } : options.device] })
      : (options.kvCacheOps ?? (options.device === 'webgpu' && typeof process !== 'undefined' && Boolean(process.versions?.node) ? FIXED_KV_CACHE : new HostKvCacheOps())),
  );
}
