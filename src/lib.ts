/**
 * Referee as a library (`import { openScorer } from 'referee'`): the engine the CLI uses, on a converted model
 * (a folder, a URL of one, a Hugging Face repo id) or on a completions server (`request.server`).
 *
 *   const engine = await openScorer({ source: 'models/alpharesearch-rm', dtype: 'q4' });
 *   const outcome = await engine.score({ text: 'An idea…' });
 *   await engine.unload();
 */
import type { LoadRequest } from './engine/engine';
import { NodeEngine } from './engine/node/node-engine';

/** Loads `request` into a new NodeEngine (CPU unless `request.device` says webgpu); rejects with a ModelError. */
export async function openScorer(request: LoadRequest, options: { readonly onWarning?: (message: string) => void } = {}): Promise<NodeEngine> {
  const engine = new NodeEngine(options.onWarning);
  await engine.load(request);
  return engine;
}

export { NodeEngine };
export { ModelError } from './models/model-error';
export { scoredIdeaRecord } from './engine/score-result';
export type { Engine, LoadRequest, LoadedModel } from './engine/engine';
export type { ScoreOptions, ScoreOutcome } from './engine/scorer-types';
export type { IdeaInput } from './scoring/idea-input';
export type { ScoredIdea, ScoreResult } from './scoring/scored-idea';
