import { AutoTokenizer } from '@huggingface/transformers';
import type { ChatTokenizer } from '../engine/prompt-tokens';
import { CompletionsClient } from '../engine/remote/completions-client';
import { TOKENIZER_ROUTE } from '../server/openai-server';
import { RemoteScorer } from '../engine/remote/remote-scorer';
import { attributeByScoring } from '../engine/attribute-by-scoring';
import type { ScoreOptions, ScoreOutcome } from '../engine/scorer-types';
import { useModelSource } from '../models/node/model-source';
import type { Dtype } from '../models/types';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import { loadCommandEngine, type CliIo } from './cli-support';

/** What the scoring commands score with: the engine in this process, or a completions server. */
export interface CommandScorer {
  score(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  /** The score with leave-one-out attribution (locally with cache reuse; through a server by plain scorings). */
  attribute(idea: IdeaInput, options: Partial<ScoreOptions>): Promise<ScoreOutcome>;
  prompt(idea: IdeaInput, profile: PromptProfileId): Promise<string>;
  close(): Promise<void>;
  /** The model as provenance names it. */
  readonly model: { id: string; revision: string | null; dtype: string; device: string };
}

export interface ScorerChoice {
  readonly model: string;
  readonly dtype: Dtype;
  readonly revision?: string;
  readonly maxPromptTokens?: number;
  /** A completions server's base URL (…/v1); `model` is then the served name. */
  readonly server?: string;
  /** Where the tokenizer comes from with --server (default: `model`, a repo id or folder). */
  readonly tokenizer?: string;
}

/** The API key for --server: REFEREE_API_KEY, else OPENAI_API_KEY. Never printed. */
function apiKey(): string | undefined {
  return process.env.REFEREE_API_KEY || process.env.OPENAI_API_KEY || undefined;
}

/** Loads what a command scores with, or prints why it could not (null). */
export async function openScorer(command: string, io: CliIo, choice: ScorerChoice): Promise<CommandScorer | null> {
  if (!choice.server) {
    const engine = await loadCommandEngine(command, io, {
      source: choice.model,
      dtype: choice.dtype,
      ...(choice.revision !== undefined ? { revision: choice.revision } : {}),
      ...(choice.maxPromptTokens !== undefined ? { maxPromptTokens: choice.maxPromptTokens } : {}),
    });
    if (!engine) return null;
    const info = engine.info;
    return {
      score: (idea, options) => engine.score(idea, options),
      attribute: (idea, options) => engine.attribute(idea, options),
      prompt: (idea, profile) => engine.prompt(idea, profile),
      close: () => engine.unload(),
      model: { id: info.id, revision: info.revision, dtype: info.dtype, device: info.device },
    };
  }
  let tokenizer: ChatTokenizer;
  const readTokenizer = async (source: string) => {
    const { id } = await useModelSource(source);
    return (await AutoTokenizer.from_pretrained(id)) as unknown as ChatTokenizer;
  };
  try {
    tokenizer = await readTokenizer(choice.tokenizer ?? choice.model);
  } catch (error) {
    // Not given, and the served name is no folder or reachable repo: `npm run serve` publishes its tokenizer.
    const published = `${choice.server.replace(/\/+$/, '')}${TOKENIZER_ROUTE.slice('/v1'.length)}${choice.model}`;
    try {
      if (choice.tokenizer !== undefined) throw error;
      tokenizer = await readTokenizer(published);
    } catch {
      io.stderr(
        `${command}: cannot read the tokenizer of ${choice.tokenizer ?? choice.model} (${(error as Error).message})` +
          `${choice.tokenizer === undefined ? `, and the server publishes none at ${published}/` : ''}: give --tokenizer <folder|url|repo>\n`,
      );
      return null;
    }
  }
  const key = apiKey();
  const client = new CompletionsClient({ baseUrl: choice.server, model: choice.model, ...(key ? { apiKey: key } : {}) });
  const model = { id: choice.model, revision: null, dtype: 'server', device: choice.server };
  const remote = new RemoteScorer(client, tokenizer, model, (warning) => io.stderr(`${command}: warning: ${warning}\n`));
  return {
    score: (idea, options) => remote.score(idea, options),
    attribute: (idea, options) => attributeByScoring((i, o) => remote.score(i, o), idea, options),
    prompt: (idea, profile) => remote.prompt(idea, profile), close: async () => {}, model };
}
