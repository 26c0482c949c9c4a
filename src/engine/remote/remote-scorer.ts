import { BOX_OPENING, parseBoxedScore } from '../../scoring/boxed-score';
import { boxTokenRole, walkBox, type ReadoutCandidate } from '../box-readout';
import type { IdeaInput } from '../../scoring/idea-input';
import type { PromptProfileId } from '../../scoring/prompt-profiles';
import { makeDistribution, type ScoreDistribution } from '../../scoring/score-stats';
import type { Provenance, ScoreResult } from '../../scoring/scored-idea';
import { encode, promptParts, PromptEncoder, promptText, type ChatTokenizer } from '../prompt-tokens';
import { DEFAULT_SCORE_OPTIONS } from '../qwen-scorer';
import { buildScoreResult } from '../score-result';
import type { ScoreOptions, ScoreOutcome, Scorer } from '../scorer-types';
import { attributeByScoring } from '../attribute-by-scoring';
import { scoreWithSignals } from '../steering-check';
import { CompletionsError, type CompletionsClient } from './completions-client';

/** Alternatives a completions server reports per token (OpenAI's and vLLM's limit). */
const TOP_LOGPROBS = 20;


/**
 * Scores through an OpenAI-compatible completions server (vLLM, `npm run serve`, …): the paper's greedy
 * answer from one temperature-0 request of up to `maxNewTokens` tokens, and the score distribution from the
 * same readout tree as the local engine, one `max_tokens: 1, logprobs: 20` request per node on a prompt that
 * ends inside the box (`…\boxed{`, `…\boxed{7`, `…\boxed{7.`). Prompts go as token ids, encoded here with the
 * model's tokenizer (control tokens only where the template puts them), so the server sees exactly the local
 * tokens; a server that refuses token ids gets text, with a warning. The top 20 per node may miss mass: the
 * distribution's coverage shows it.
 */
export class RemoteScorer implements Scorer {
  private readonly prompts: PromptEncoder;
  private readonly boxTokens: number[];

  constructor(
    private readonly client: CompletionsClient,
    private readonly tokenizer: ChatTokenizer,
    private readonly model: Provenance['model'],
    private readonly onWarning: (message: string) => void = () => {},
  ) {
    this.prompts = PromptEncoder.for(tokenizer);
    this.boxTokens = encode(tokenizer, BOX_OPENING);
  }

  async prompt(idea: IdeaInput, profile: PromptProfileId = 'paper'): Promise<string> {
    return promptText(this.tokenizer, profile, idea);
  }

  async score(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    if (options.attribute) return this.attribute(idea, options);
    const settings = { ...DEFAULT_SCORE_OPTIONS, ...options };
    if (typeof idea.text !== 'string' || idea.text.trim() === '') {
      return { ok: false, error: { code: 'empty-idea', message: 'The idea is empty: give its text (an abstract or proposal).' } };
    }
    try {
      return { ok: true, result: await scoreWithSignals(idea, settings, this.prompts.controlStrings, (text) => this.scoreText(text, settings)) };
    } catch (error) {
      return { ok: false, error: { code: error instanceof CompletionsError ? 'server-error' : 'model-error', message: (error as Error).message } };
    }
  }

  /** Leave-one-out attribution by plain scorings: a server keeps no cache to go on from. */
  attribute(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    return attributeByScoring((i, o) => this.score(i, { ...o, attribute: false }), idea, options);
  }

  /** Nothing is held here: the server keeps the model. */
  async dispose(): Promise<void> {}

  private async scoreText(idea: IdeaInput, options: ScoreOptions): Promise<ScoreResult> {
    const started = Date.now();
    const requestsBefore = this.client.requests;
    const promptIds = this.prompts.encodePrompt(promptParts(this.tokenizer, options.profile, idea), options.tokenizeSpecialsInText);
    const greedy = await this.complete(promptIds, { max_tokens: options.maxNewTokens });
    const at = greedy.text.indexOf(BOX_OPENING);
    let distribution = makeDistribution([]);
    let readout: 'forced' | 'decoded' | 'none' = 'none';
    let decodedBeforeBox = 0;
    if (at >= 0) {
      const before = this.tokensBefore(greedy, at);
      decodedBeforeBox = before.length;
      readout = at === 0 ? 'forced' : 'decoded';
      distribution = await this.readBox([...promptIds, ...before, ...this.boxTokens], options);
    }
    return buildScoreResult(
      {
        greedyAnswer: greedy.text,
        greedyScore: parseBoxedScore(greedy.text),
        distribution,
        readout,
        tokens: { prompt: promptIds.length, prefilled: promptIds.length, reusedPrefix: 0, decodedBeforeBox },
        forwardPasses: this.client.requests - requestsBefore,
        milliseconds: Date.now() - started,
      },
      options,
      this.model,
    );
  }

  /** The generated tokens before the box opened: the server's own ids where it reports them, else the text encoded here. */
  private tokensBefore(greedy: { text: string; tokenIds: number[] | null }, at: number): number[] {
    if (at === 0) return [];
    const ids = greedy.tokenIds;
    if (ids) {
      for (let k = 0; k <= ids.length; k++) {
        const text = this.tokenizer.decode(ids.slice(0, k), { skip_special_tokens: false });
        if (text.length >= at + BOX_OPENING.length) {
          // The box opened inside a merged token: continue from the text instead.
          if (text === greedy.text.slice(0, at + BOX_OPENING.length)) return ids.slice(0, k).slice(0, -this.boxTokens.length);
          break;
        }
        if (text === greedy.text.slice(0, at)) return ids.slice(0, k);
      }
    }
    return encode(this.tokenizer, greedy.text.slice(0, at));
  }

  /** The readout tree (walkBox) over the server: each node one request for its top 20, a level's requests in parallel. */
  private async readBox(rootIds: number[], options: ScoreOptions): Promise<ScoreDistribution> {
    // A top entry is a token's text; one that does not encode back to one token cannot be continued.
    const tokenOf = (text: string) => {
      const ids = encode(this.tokenizer, text);
      return ids.length === 1 ? ids[0]! : -1;
    };
    const read = await walkBox<null>(
      async (level) => {
        const answers = await Promise.all(level.map((node) => this.complete([...rootIds, ...node.tokens], { max_tokens: 1, logprobs: TOP_LOGPROBS })));
        return answers.map((answer) => {
          const top = Object.entries(answer.topLogprobs?.[0] ?? {});
          const best = top.reduce<[string, number] | null>((a, b) => (a === null || b[1] > a[1] ? b : a), null)?.[0];
          const candidates: ReadoutCandidate[] = [];
          for (const [text, logprob] of top) {
            const role = boxTokenRole(text);
            if (role === null) continue;
            candidates.push({ token: tokenOf(text), role: role === 'continues' ? { continues: text } : role, probability: Math.exp(logprob) });
          }
          return { candidates, best: best === undefined ? -2 : tokenOf(best), handle: null };
        });
      },
      { minProbability: options.readoutMinProbability, maxForwards: options.readoutMaxForwards },
    );
    return read.distribution;
  }

  private async complete(promptIds: number[], body: { max_tokens: number; logprobs?: number }) {
    if (this.client.acceptsTokenIds) {
      try {
        return await this.client.complete({ prompt: promptIds, ...body });
      } catch (error) {
        if (!(error instanceof CompletionsError) || !/HTTP 400.*prompt/i.test(error.message)) throw error;
        this.client.acceptsTokenIds = false;
        this.onWarning(
          `the server refused a prompt of token ids (${error.message}); sending text from now on, which it tokenizes itself: control-token strings in ideas may then act as control tokens`,
        );
      }
    }
    return this.client.complete({ prompt: this.tokenizer.decode(promptIds, { skip_special_tokens: false }), ...body });
  }
}
