import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import type { Device, Dtype } from '../models/types';
import type { BackendPreference } from './backend-choice';
import type { ModelInfo, ScoreOptions, ScoreOutcome } from './scorer-types';
import type { DeviceFigures } from './device-figures';
import type { DiagnosticAnswer, DiagnosticKind, DiagnosticRequest } from './diagnostics';

/**
 * The one interface every room that scores talks to: the engine in Node (src/engine/node/node-engine.ts), the
 * engine inside the page's worker (src/worker/scorer.worker.ts), and the page's client of that worker
 * (src/worker/engine-client.ts), as WebLLM's MLCEngineInterface is implemented on both sides of its worker.
 * Its methods reject with ModelError (src/models/model-error.ts), whose code survives the worker boundary.
 */
export interface Engine {
  /** Loads a model (replacing the one loaded), reporting download and load progress. */
  load(request: LoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<LoadedModel>;
  /** What this engine's machine offers: runtimes, the WebGPU adapter, storage. Needs no model. */
  capabilities(): Promise<EngineCapabilities>;
  score(idea: IdeaInput, options?: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  /** The exact chat-templated prompt string the model sees for an idea. */
  prompt(idea: IdeaInput, profile?: PromptProfileId): Promise<string>;
  /** One raw forward pass over `text` (no template, no special tokens added): the last position's logits. */
  forward(text: string): Promise<LastLogits>;
  /** Times the loaded model on this device with a fixed synthetic idea (device-figures.ts); no user data. */
  measureDevice(): Promise<DeviceFigures>;
  /** Releases the model (and, in the page, its worker). */
  unload(): Promise<void>;
  /** For tests and benchmarks only: traces, counts, the prompt's ids, a broken runtime (diagnostics.ts). */
  diagnose<K extends DiagnosticKind>(request: DiagnosticRequest<K>): Promise<DiagnosticAnswer<K>>;
}

export interface LoadRequest {
  /** A folder, a URL of one, a Hugging Face repo id, a folder this site serves, or `local:<name>`. */
  readonly source: string;
  /** Forced by the caller (the CLI's device, the page's `?device=`); otherwise the backend setting decides. */
  readonly device?: Device;
  /** The page's Backend setting (default `auto`: engine/backend-choice picks). */
  readonly backend?: BackendPreference;
  readonly dtype?: Dtype;
  readonly revision?: string;
  /** Cap on prompt tokens (default: the model's context). */
  readonly maxPromptTokens?: number;
  /** The page's `navigator.storage.estimate()`, checked against the bytes still to download. */
  readonly storage?: { readonly quota?: number; readonly usage?: number };
  /**
   * Score through an OpenAI-compatible completions server instead of a local model: `source` is then the
   * served model's name, and the tokenizer comes from `tokenizer` (default: `source`, a repo id or folder).
   */
  readonly server?: { readonly url: string; readonly apiKey?: string; readonly tokenizer?: string };
  /**
   * WebGPU in a browser: false runs on a device created without the `subgroups` feature, true on the
   * runtime's own device. Default: without subgroups where the adapter's are narrower than 32 lanes, which
   * onnxruntime-web's attention gets wrong.
   */
  readonly subgroups?: boolean;
  /**
   * In a browser, how the weights reach the runtime: `streamed` (default) hands onnxruntime the cached files
   * as Blobs it reads tensor by tensor; `whole` lets Transformers.js read each external-data file into memory
   * first (the loader before this round, kept for the benchmark that compares the two: `?weights=whole`).
   */
  readonly weights?: 'streamed' | 'whole';
}

/** `download`: fetching into the browser's cache (bytes over all files); `load`: reading it into the runtime. */
export interface LoadProgress {
  readonly phase: 'download' | 'load';
  readonly loaded: number;
  readonly total: number;
}

/** A loaded model; a server's reports `server` as its dtype and device (the server says nothing of either). */
export interface LoadedModel extends Omit<ModelInfo, 'dtype' | 'device'> {
  readonly dtype: ModelInfo['dtype'] | 'server';
  readonly device: ModelInfo['device'] | 'server';
  /** Why this device and dtype, in words for the user. */
  readonly deviceNote: string;
  /** The WebGPU adapter in a few words (software or not, shader-f16, buffer limit). */
  readonly adapterNote?: string;
  /** WebGPU: whether the device the model runs on has `subgroups`; null elsewhere. */
  readonly subgroups: boolean | null;
  /** In a browser, the onnxruntime-web build the model runs on. */
  readonly runtime?: 'jspi' | 'asyncify';
  /**
   * In a browser, how the weights went from the cache to the runtime: `tensor-by-tensor` (the JSPI build reads
   * each initializer from the cached file), `file-by-file` (each external-data file read whole, one at a time),
   * `all-files` (Transformers.js reads every file at once: `?weights=whole`).
   */
  readonly weightsRead?: 'tensor-by-tensor' | 'file-by-file' | 'all-files';
}

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly isFallbackAdapter: boolean;
  readonly subgroups: boolean;
  readonly subgroupMinSize: number | null;
  readonly subgroupMaxSize: number | null;
  readonly shaderF16: boolean;
  readonly maxBufferSize: number | null;
}

export interface EngineCapabilities {
  readonly runtime: 'browser' | 'node';
  /** The devices a load may ask for here. */
  readonly devices: readonly Device[];
  /** The browser's WebGPU adapter; null where there is none (or in Node, which does not ask). */
  readonly adapter: AdapterDescription | null;
  /** What the browser lets the app store; null in Node. */
  readonly storage: { readonly quota?: number; readonly usage?: number } | null;
  /** WASM threads onnxruntime-web uses (they need cross-origin isolation); null in Node. */
  readonly wasmThreads: number | null;
  readonly crossOriginIsolated: boolean | null;
}

export interface LastLogits {
  /** Token ids of the text as the model's tokenizer encodes it. */
  readonly inputIds: number[];
  /** Dims of the logits the pass produced, e.g. [1, 1, vocab] (only the last position is kept). */
  readonly logitsDims: number[];
  readonly lastLogits: number[];
  readonly argmax: number;
  readonly milliseconds: number;
}
