import type { Device, Dtype } from '../models/types';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import type { DecisionSettings } from '../scoring/score-stats';
import type { IdeaError, ScoreResult } from '../scoring/scored-idea';

/**
 * What scores ideas behind an Engine: the model loaded here (QwenScorer) or a completions server
 * (RemoteScorer). Engines (src/engine/engine.ts) hold one; `openScorer`-style choice between the two is made in
 * each engine's `load`, through the shared `connectServer` (src/engine/remote/connect-server.ts).
 */
export interface Scorer {
  /** Honours `options.attribute` (then the same as `attribute`). */
  score(idea: IdeaInput, options?: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  /** The score with leave-one-out attribution (src/scoring/attribution.ts). */
  attribute(idea: IdeaInput, options?: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  /** The exact chat-templated prompt string the model sees for an idea. */
  prompt(idea: IdeaInput, profile?: PromptProfileId): Promise<string>;
  dispose(): Promise<void>;
}

export interface ScoreAllHooks {
  readonly onResult?: (index: number, outcome: ScoreOutcome) => void;
  readonly signal?: AbortSignal;
}

export interface ModelInfo {
  readonly id: string;
  readonly revision: string | null;
  readonly dtype: Dtype;
  readonly device: Device;
  /** Token ids run from 0 to vocabSize − 1. */
  readonly vocabSize: number;
  /** The most prompt tokens an idea may take (the model's context, or a configured cap). */
  readonly maxPromptTokens: number;
  /** Weights plus a 2048-token KV cache, estimated from the config. */
  readonly memoryEstimateBytes: number;
}

export interface ScoreOptions {
  readonly profile: PromptProfileId;
  readonly decision: DecisionSettings;
  /** Reuse the instruction prefix's KV cache (on by default; off is for tests and benchmarks). */
  readonly reusePrefix: boolean;
  /** Greedy decoding budget before the box opens, and for the paper's number when the box holds no number. */
  readonly maxNewTokens: number;
  /** Box contents less probable than this are not expanded (their mass counts as unreadable). */
  readonly readoutMinProbability: number;
  /** At most this many readout continuations per idea. */
  readonly readoutMaxForwards: number;
  /**
   * Encode control-token strings inside the idea as control tokens, as the original scripts do (exact
   * replication only: an idea can then close the user's turn and answer for the reviewer). Off by default.
   */
  readonly tokenizeSpecialsInText: boolean;
  /** Score the idea again without its flagged spans and report the change (costs a second scoring); null: off. */
  readonly counterfactual: CounterfactualThreshold | null;
  /** Add leave-one-out attribution (src/scoring/attribution.ts): a scoring per title and sentence more. */
  readonly attribute: boolean;
}

/** The change that marks a result as moved by its flagged text. */
export interface CounterfactualThreshold {
  readonly points: number;
  readonly pAccept: number;
}

export const DEFAULT_COUNTERFACTUAL_THRESHOLD: CounterfactualThreshold = { points: 0.5, pAccept: 0.1 };

export type ScoreOutcome = { readonly ok: true; readonly result: ScoreResult } | { readonly ok: false; readonly error: IdeaError };
