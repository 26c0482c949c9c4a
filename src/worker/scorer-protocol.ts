import type { BackendPreference } from '../engine/backend-choice';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import type { ModelInfo, ScoreOptions, ScoreOutcome } from '../engine/scorer-types';
import { type BrowserDevice, type Dtype } from '../models/types';


export interface LoadRequest {
  readonly source: string;
  /** Forced by the address (`?device=`); otherwise the Backend setting, then what the device offers. */
  readonly device?: BrowserDevice;
  /** The Backend setting (default `auto`: engine/backend-choice picks). */
  readonly backend?: BackendPreference;
  readonly dtype?: Dtype;
  /** The page's `navigator.storage.estimate()`, checked against the bytes still to download. */
  readonly storage?: { readonly quota?: number; readonly usage?: number };
}

/** `download`: fetching into the browser's cache (bytes over all files); `load`: reading it into the runtime. */
export interface LoadProgress {
  readonly phase: 'download' | 'load';
  readonly loaded: number;
  readonly total: number;
}

export interface LoadedModel extends ModelInfo {
  /** Why this device and dtype, in words for the user. */
  readonly deviceNote: string;
  /** The browser's WebGPU adapter in a few words (software or not, shader-f16, buffer limit). */
  readonly adapterNote?: string;
}

/** What the worker exposes over Comlink. */
export interface ScorerWorkerApi {
  load(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel>;
  score(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  prompt(idea: IdeaInput, profile: PromptProfileId): Promise<string>;
  dispose(): Promise<void>;
}
