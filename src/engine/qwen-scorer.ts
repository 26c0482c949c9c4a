import { BOX_OPENING, parseBoxedScore } from '../scoring/boxed-score';
import { withAttribution } from './attribute-by-scoring';
import { deviceFigures, MEASURE_IDEA, PASSES_PER_IDEA, type DeviceFigures } from './device-figures';
import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';
import { DEFAULT_DECISION, makeDistribution } from '../scoring/score-stats';
import { buildScoreResult, type ScoreParts } from './score-result';
import type { IdeaError, ScoreResult } from '../scoring/scored-idea';
import { buildBoxVocabulary, readBox, type BoxVocabulary } from './box-readout';
import { argmax, Decoder, disposeCache, logSumExp, type CausalLm, type KvCache } from './decoder';
import type { KvCacheOps } from './kv-cache-ops';
import { chatParts, encode, instructionPrefixText, promptParts, PromptEncoder, promptText, stablePrefixTokens, startsWithTokens, type ChatTokenizer } from './prompt-tokens';
import type { ChatMessage } from '../scoring/prompt-profiles';
import { scoreWithSignals } from './steering-check';
import { scoreInOrder } from './score-in-order';
import type { LastLogits } from './engine';
import type { ModelInfo, ScoreAllHooks, ScoreOptions, ScoreOutcome, Scorer } from './scorer-types';

export { APP_VERSION } from './score-result';

export const DEFAULT_SCORE_OPTIONS: ScoreOptions = {
  profile: 'paper',
  decision: DEFAULT_DECISION,
  reusePrefix: true,
  maxNewTokens: 1000,
  readoutMinProbability: 1e-3,
  readoutMaxForwards: 32,
  tokenizeSpecialsInText: false,
  counterfactual: null,
  attribute: false,
};

/** Tokens the readout may still need after the prompt: `\boxed{`, up to six characters and `}`. */
const ANSWER_ROOM = 10;

export class IdeaRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface PrefixCache {
  readonly tokens: number[];
  readonly cache: KvCache;
}

/**
 * AlphaResearch-RM scoring on a loaded Transformers.js model: the paper's greedy number plus the whole score
 * distribution, from one prefill (instruction prefix served from a cached KV) and a few short continuations.
 */
export class QwenScorer implements Scorer {
  /** The forward-pass runner; exposed so benchmarks can trace it. */
  readonly decoder: Decoder;
  private readonly prefixes = new Map<PromptProfileId, Promise<PrefixCache>>();
  private readonly boxTokens: number[];
  /** Encodes prompts with control tokens only where the chat template puts them. */
  private readonly prompts: PromptEncoder;
  private readonly eosTokens: Set<number>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly info: ModelInfo,
    private readonly model: CausalLm & { dispose(): Promise<unknown> },
    private readonly tokenizer: ChatTokenizer,
    private readonly vocabulary: BoxVocabulary,
    eosTokenIds: readonly number[],
    kv?: KvCacheOps,
  ) {
    this.decoder = new Decoder(model, kv);
    this.boxTokens = encode(tokenizer, BOX_OPENING);
    this.prompts = PromptEncoder.for(tokenizer);
    if (tokenizer.decode(this.boxTokens) !== BOX_OPENING) throw new Error('the tokenizer cannot round-trip \\boxed{');
    this.eosTokens = new Set(eosTokenIds);
  }

  static create(
    info: ModelInfo,
    model: CausalLm & { dispose(): Promise<unknown> },
    tokenizer: ChatTokenizer,
    vocabSize: number,
    eosTokenIds: readonly number[],
    kv?: KvCacheOps,
  ): QwenScorer {
    const vocabulary = buildBoxVocabulary(vocabSize, (id) => tokenizer.decode([id], { skip_special_tokens: false }));
    return new QwenScorer(info, model, tokenizer, vocabulary, eosTokenIds, kv);
  }

  async prompt(idea: IdeaInput, profile: PromptProfileId = 'paper'): Promise<string> {
    return promptText(this.tokenizer, profile, idea);
  }

  /** Ideas are scored one at a time, in call order. */
  score(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    const run = this.queue.then(() => this.scoreNow(idea, { ...DEFAULT_SCORE_OPTIONS, ...options }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The prompt's token ids for an idea; `specialsInIdea` as the original scripts encode it (see ScoreOptions). */
  promptTokenIds(idea: IdeaInput, profile: PromptProfileId = 'paper', specialsInIdea = false): number[] {
    return this.prompts.encodePrompt(promptParts(this.tokenizer, profile, idea), specialsInIdea);
  }

  /**
   * Greedy continuation of a prompt given as token ids, the way an OpenAI-compatible `/v1/completions`
   * answers at temperature 0: each generated token with its log-probability and the `logprobs` most
   * probable alternatives, stopping at EOS, a stop string or `maxTokens`. A prompt that starts with an
   * instruction prefix reuses that prefix's KV cache, as scoring does.
   */
  complete(promptIds: readonly number[], options: CompletionOptions): Promise<Completion> {
    const run = this.queue.then(() => this.completeNow(promptIds, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A conversation's prompt ids through the model's chat template, control tokens from the template only. */
  chatPromptIds(messages: readonly ChatMessage[]): number[] {
    return this.prompts.encodePrompt(chatParts(this.tokenizer, messages));
  }

  /** The token ids of a text prompt, as a server that is sent text would encode it. */
  encodeText(text: string): number[] {
    return encode(this.tokenizer, text);
  }

  /** Each token's text as the completions API reports it. */
  tokenText(id: number): string {
    return this.tokenizer.decode([id], { skip_special_tokens: false });
  }

  private async completeNow(promptIds: readonly number[], options: CompletionOptions): Promise<Completion> {
    if (promptIds.length === 0) throw new IdeaRejected('empty-prompt', 'The prompt is empty.');
    if (promptIds.length + options.maxTokens > this.info.maxPromptTokens) {
      throw new IdeaRejected('too-long', `The prompt is ${promptIds.length} tokens; with max_tokens ${options.maxTokens} that is over the model's ${this.info.maxPromptTokens}.`);
    }
    let past: { cache: KvCache; length: number } | null = null;
    for (const profile of ['paper', 'agent'] as const) {
      const prefix = await this.prefix(profile);
      if (startsWithTokens(promptIds as number[], prefix.tokens) && prefix.tokens.length < promptIds.length) {
        past = { cache: prefix.cache, length: prefix.tokens.length };
        break;
      }
    }
    let { rows, cache } = await this.decoder.forward(promptIds.slice(past?.length ?? 0), past, 1);
    let length = promptIds.length;
    const tokens: number[] = [];
    const steps: CompletionStep[] = [];
    let finishReason: Completion['finishReason'] = 'length';
    let text = '';
    let sent = 0;
    try {
      for (;;) {
        const row = rows[0]!;
        const next = argmax(row);
        if (this.eosTokens.has(next)) {
          finishReason = 'stop';
          break;
        }
        const normaliser = logSumExp(row);
        tokens.push(next);
        steps.push({ token: next, logprob: row[next]! - normaliser, top: topTokens(row, options.logprobs).map(([id, logit]) => [id, logit - normaliser]) });
        text = this.tokenizer.decode(tokens, { skip_special_tokens: false });
        const stopAt = firstStop(text, options.stop);
        if (stopAt !== null) {
          text = text.slice(0, stopAt);
          finishReason = 'stop';
          break;
        }
        sent = streamText(text, sent, options, false);
        if (tokens.length >= options.maxTokens) break;
        const following = await this.decoder.forward([next], { cache, length }, 1);
        disposeCache(cache);
        ({ rows, cache } = following);
        length++;
      }
    } finally {
      disposeCache(cache);
    }
    streamText(text, sent, options, true);
    return { tokens, text, steps, finishReason, promptTokens: promptIds.length };
  }

  /** One forward pass over `text` as the tokenizer encodes it (no template): the last position's logits. */
  lastLogits(text: string): Promise<LastLogits> {
    const run = this.queue.then(async () => {
      const inputIds = encode(this.tokenizer, text);
      if (inputIds.length === 0) throw new Error('The text encodes to no tokens');
      const started = performance.now();
      const { rows, cache } = await this.decoder.forward(inputIds, null, 1);
      disposeCache(cache);
      const lastLogits = Array.from(rows[0]!);
      return { inputIds, logitsDims: [1, 1, lastLogits.length], lastLogits, argmax: argmax(rows[0]!), milliseconds: performance.now() - started };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Times this model on this device with the fixed synthetic idea (device-figures.ts): one warm-up pass (the
   * first pass compiles kernels), the idea's prefill over the cached instructions with `\boxed{` appended, as
   * scoring runs it, then `passes` single-token passes. In the scoring queue, between ideas.
   */
  measureDevice(passes = PASSES_PER_IDEA + 1): Promise<DeviceFigures> {
    const run = this.queue.then(async () => {
      const prefix = await this.prefix('paper');
      const promptIds = this.promptTokenIds(MEASURE_IDEA);
      const past = startsWithTokens(promptIds, prefix.tokens) ? { cache: prefix.cache, length: prefix.tokens.length } : null;
      const suffix = [...promptIds.slice(past?.length ?? 0), ...this.boxTokens];
      disposeCache((await this.decoder.forward(suffix.slice(0, 1), past, 1)).cache);
      let started = performance.now();
      let { rows, cache } = await this.decoder.forward(suffix, past, 1);
      const prefillMilliseconds = performance.now() - started;
      let length = (past?.length ?? 0) + suffix.length;
      const passMilliseconds: number[] = [];
      try {
        for (let i = 0; i < passes; i++) {
          started = performance.now();
          const next = await this.decoder.forward([argmax(rows[0]!)], { cache, length }, 1);
          passMilliseconds.push(performance.now() - started);
          disposeCache(cache);
          ({ rows, cache } = next);
          length += 1;
        }
      } finally {
        disposeCache(cache);
      }
      return deviceFigures({ prefillTokens: suffix.length, reusedTokens: past?.length ?? 0, prefillMilliseconds, passMilliseconds });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The idea's score with leave-one-out attribution (src/scoring/attribution.ts): the idea is scored again
   * without each unit (its title, each sentence), every variant going on from the full prompt's cache up to
   * the longest common token prefix of the two prompts (compared id by id), so a late sentence costs only the
   * prompt after it. Units whose removal would leave no text are not reported.
   */
  attribute(idea: IdeaInput, options: Partial<ScoreOptions> = {}): Promise<ScoreOutcome> {
    const run = this.queue.then(() => this.attributeNow(idea, { ...DEFAULT_SCORE_OPTIONS, ...options }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async attributeNow(idea: IdeaInput, options: ScoreOptions): Promise<ScoreOutcome> {
    try {
      const full = await this.scoreIdea(idea, options);
      const fullIds = this.prompts.encodePrompt(promptParts(this.tokenizer, options.profile, idea), options.tokenizeSpecialsInText);
      // The full prompt's cache, prefilled once over the instruction prefix (where caches can be cut).
      let fullCache: KvCache | null = null;
      let floor = 0;
      if (this.decoder.kv.canReshape && options.reusePrefix) {
        const prefix = await this.prefix(options.profile);
        const past = startsWithTokens(fullIds, prefix.tokens) ? { cache: prefix.cache, length: prefix.tokens.length } : null;
        floor = past?.length ?? 0;
        fullCache = (await this.decoder.forward(fullIds.slice(floor), past, 1)).cache;
      }
      try {
        // Each variant goes on from the full prompt's cache up to where its tokens first differ.
        const result = await withAttribution(idea, full, async (variant) => {
          const ids = this.prompts.encodePrompt(promptParts(this.tokenizer, options.profile, variant), options.tokenizeSpecialsInText);
          let common = 0;
          while (common < fullIds.length && common < ids.length - 1 && fullIds[common] === ids[common]) common++;
          const start = fullCache && common > floor ? { cache: await this.decoder.kv.truncate(fullCache, common), length: common } : undefined;
          try {
            return await this.scoreText(variant, options, start);
          } finally {
            if (start) disposeCache(start.cache);
          }
        });
        return { ok: true, result };
      } finally {
        if (fullCache) disposeCache(fullCache);
      }
    } catch (error) {
      return { ok: false, error: toIdeaError(error) };
    }
  }

  scoreAll(ideas: readonly IdeaInput[], options: Partial<ScoreOptions> & ScoreAllHooks = {}): Promise<ScoreOutcome[]> {
    return scoreInOrder((idea, o) => this.score(idea, o), ideas, options);
  }

  async dispose(): Promise<void> {
    for (const prefix of this.prefixes.values()) disposeCache((await prefix).cache);
    this.prefixes.clear();
    await this.decoder.kv.dispose?.();
    await this.model.dispose();
  }

  private async scoreNow(idea: IdeaInput, options: ScoreOptions): Promise<ScoreOutcome> {
    if (options.attribute) return this.attributeNow(idea, options);
    try {
      return { ok: true, result: await this.scoreIdea(idea, options) };
    } catch (error) {
      return { ok: false, error: toIdeaError(error) };
    }
  }

  private prefix(profile: PromptProfileId): Promise<PrefixCache> {
    let prefix = this.prefixes.get(profile);
    if (!prefix) {
      prefix = (async () => {
        const tokens = stablePrefixTokens(this.tokenizer, encode(this.tokenizer, instructionPrefixText(this.tokenizer, profile)));
        const { cache } = await this.decoder.forward(tokens, null, 1);
        return { tokens, cache };
      })();
      this.prefixes.set(profile, prefix);
      prefix.catch(() => this.prefixes.delete(profile));
    }
    return prefix;
  }

  /** The idea's score, its gaming signals, and (when asked for) the counterfactual score without the flagged text. */
  private scoreIdea(idea: IdeaInput, options: ScoreOptions): Promise<ScoreResult> {
    return scoreWithSignals(idea, options, this.prompts.controlStrings, (text) => this.scoreText(text, options));
  }

  /**
   * @param start a cache of the first tokens of this idea's prompt (the caller checked them token by token), to
   *   go on from instead of the instruction prefix: attribution's variants start from the full idea's cache.
   */
  private async scoreText(idea: IdeaInput, options: ScoreOptions, start?: { cache: KvCache; length: number }): Promise<ScoreResult> {
    const started = Date.now();
    if (typeof idea.text !== 'string' || idea.text.trim() === '') {
      throw new IdeaRejected('empty-idea', 'The idea is empty: give its text (an abstract or proposal).');
    }
    const promptIds = this.prompts.encodePrompt(promptParts(this.tokenizer, options.profile, idea), options.tokenizeSpecialsInText);
    const limit = this.info.maxPromptTokens;
    if (promptIds.length + ANSWER_ROOM > limit) {
      const ideaTokens = encode(this.tokenizer, `${idea.title ?? ''}\n${idea.text}`).length;
      throw new IdeaRejected(
        'too-long',
        `The idea is ${ideaTokens} tokens; with the instructions the prompt is ${promptIds.length} tokens, ` +
          `over the limit of ${limit - ANSWER_ROOM} (${limit} less room for the answer). Shorten it; nothing was truncated.`,
      );
    }

    let past: { cache: KvCache; length: number } | null = start ?? null;
    if (!past && options.reusePrefix) {
      const prefix = await this.prefix(options.profile);
      if (startsWithTokens(promptIds, prefix.tokens)) past = { cache: prefix.cache, length: prefix.tokens.length };
    }
    // The shared prefix's one-off prefill is not this idea's.
    const passesBefore = this.decoder.forwardPasses;
    const reused = past?.length ?? 0;
    const suffix = promptIds.slice(reused);

    // Prefill the prompt with `\boxed{` appended, keeping the logits that say whether greedy decoding
    // writes exactly that; if it does, the last row already holds the first character's distribution.
    // If not, greedy decoding goes on from the same pass: its cache cut back to the tokens greedy agrees
    // with, so the idea is prefilled once either way.
    const forced = await this.decoder.forward([...suffix, ...this.boxTokens], past, this.boxTokens.length + 1);
    const agreed = this.boxTokens.findIndex((token, i) => argmax(forced.rows[i]!) !== token);
    let prefilled = suffix.length + this.boxTokens.length;
    let box: { cache: KvCache; length: number };
    let rootRow: Float32Array;
    let beforeBox = '';
    let decodedTokens = 0;
    let readout: 'forced' | 'decoded' | 'none' = 'forced';

    if (agreed === -1) {
      box = { cache: forced.cache, length: promptIds.length + this.boxTokens.length };
      rootRow = forced.rows.at(-1)!;
    } else {
      const start = this.decoder.kv.canReshape
        ? {
            cache: await this.decoder.kv.truncate(forced.cache, promptIds.length + agreed),
            length: promptIds.length + agreed,
            row: forced.rows[agreed]!,
            tokens: this.boxTokens.slice(0, agreed),
          }
        : await this.prefillAgain(suffix, past, promptIds.length);
      if (!this.decoder.kv.canReshape) prefilled += suffix.length;
      disposeCache(forced.cache);
      const decoded = await this.decodeUntilBox(start, options.maxNewTokens);
      decodedTokens = decoded.tokens.length;
      beforeBox = decoded.text;
      if (!decoded.box) {
        return this.result(options, {
          greedyAnswer: decoded.text,
          greedyScore: parseBoxedScore(decoded.text),
          distribution: makeDistribution([]),
          readout: 'none',
          tokens: { prompt: promptIds.length, prefilled, reusedPrefix: reused, decodedBeforeBox: decodedTokens },
          passesBefore,
          started,
        });
      }
      ({ box, rootRow } = decoded.box);
      readout = 'decoded';
    }

    try {
      const read = await readBox(this.decoder, box, rootRow, this.vocabulary, {
        minProbability: options.readoutMinProbability,
        maxForwards: options.readoutMaxForwards,
      });
      let greedyAnswer = `${beforeBox}${BOX_OPENING}${read.greedy.text}}`;
      if (!read.greedy.closed) {
        // The greedy box holds no number the original rule accepts: decode on, as the paper did, and let
        // its regex look for a later box.
        const written = readout === 'forced' ? this.boxTokens.length : decodedTokens; // tokens of the answer so far
        const rest = await this.decodeGreedy(read.greedy.tokens, box, options.maxNewTokens - written);
        greedyAnswer = `${beforeBox}${BOX_OPENING}${rest}`;
      }
      return this.result(options, {
        greedyAnswer,
        greedyScore: parseBoxedScore(greedyAnswer),
        distribution: read.distribution,
        readout,
        tokens: { prompt: promptIds.length, prefilled, reusedPrefix: reused, decodedBeforeBox: decodedTokens },
        passesBefore,
        started,
      });
    } finally {
      disposeCache(box.cache);
    }
  }

  /** Where a cache cannot be cut (see KvCacheOps.canReshape): the prompt again, without the box. */
  private async prefillAgain(suffix: number[], past: { cache: KvCache; length: number } | null, promptLength: number) {
    const { rows, cache } = await this.decoder.forward(suffix, past, 1);
    return { cache, length: promptLength, row: rows[0]!, tokens: [] };
  }

  /**
   * Greedy decoding from a point in the answer (its cache, which this takes over, and next-token row) until
   * the text ends in `\boxed{` (its KV and next-token row kept) or stops.
   */
  private async decodeUntilBox(
    start: { cache: KvCache; length: number; row: Float32Array; tokens: readonly number[] },
    budget: number,
  ): Promise<{ tokens: number[]; text: string; box: { box: { cache: KvCache; length: number }; rootRow: Float32Array } | null }> {
    let { cache, length, row } = start;
    const tokens = [...start.tokens];
    for (;;) {
      const next = argmax(row);
      if (this.eosTokens.has(next)) break;
      tokens.push(next);
      const text = this.tokenizer.decode(tokens, { skip_special_tokens: false });
      const opensBox = text.endsWith(BOX_OPENING);
      // A box opened inside a merged token has no clean readout point; past the budget, stop.
      if (!opensBox && (text.includes(BOX_OPENING) || tokens.length >= budget)) break;
      const following = await this.decoder.forward([next], { cache, length }, 1);
      disposeCache(cache);
      ({ cache } = following);
      row = following.rows[0]!;
      length++;
      if (opensBox) {
        return { tokens, text: text.slice(0, -BOX_OPENING.length), box: { box: { cache, length }, rootRow: row } };
      }
    }
    disposeCache(cache);
    return { tokens, text: this.tokenizer.decode(tokens, { skip_special_tokens: false }), box: null };
  }

  /** Greedy text from inside the box: `start` tokens then argmax until EOS or the budget. */
  private async decodeGreedy(start: number[], box: { cache: KvCache; length: number }, budget: number): Promise<string> {
    const tokens = [...start];
    let step = await this.decoder.forward(start, box, 1);
    let length = box.length + start.length;
    for (;;) {
      const next = argmax(step.rows[0]!);
      if (this.eosTokens.has(next)) break;
      tokens.push(next);
      if (tokens.length >= budget) break;
      const following = await this.decoder.forward([next], { cache: step.cache, length }, 1);
      disposeCache(step.cache);
      step = following;
      length++;
    }
    disposeCache(step.cache);
    return this.tokenizer.decode(tokens, { skip_special_tokens: false });
  }

  private result(
    options: ScoreOptions,
    parts: Omit<ScoreParts, 'forwardPasses' | 'milliseconds'> & { passesBefore: number; started: number },
  ): ScoreResult {
    const { passesBefore, started, ...rest } = parts;
    const model = { id: this.info.id, revision: this.info.revision, dtype: this.info.dtype, device: this.info.device };
    return buildScoreResult({ ...rest, forwardPasses: this.decoder.forwardPasses - passesBefore, milliseconds: Date.now() - started }, options, model);
  }
}

export interface CompletionOptions {
  readonly maxTokens: number;
  /** How many alternatives to report per generated token (0: none). */
  readonly logprobs: number;
  readonly stop: readonly string[];
  /** Streaming: called with each piece of the answer once no stop string or half a character can change it. */
  readonly onText?: (delta: string) => void;
}

/**
 * Hands `onText` the text past `sent` that is final: all of it at the end; before, not the last characters a
 * stop string could still claim, nor a trailing U+FFFD (a character whose bytes are not all generated yet).
 * Returns how much has been sent.
 */
function streamText(text: string, sent: number, options: CompletionOptions, done: boolean): number {
  if (!options.onText) return sent;
  let safe = text.length;
  if (!done) {
    const longestStop = options.stop.reduce((n, s) => Math.max(n, s.length), 0);
    safe = Math.max(sent, text.length - Math.max(0, longestStop - 1));
    while (safe > sent && text[safe - 1] === '\uFFFD') safe--;
  }
  if (safe > sent) options.onText(text.slice(sent, safe));
  return Math.max(sent, safe);
}

export interface CompletionStep {
  readonly token: number;
  readonly logprob: number;
  /** The most probable tokens at this step, with their log-probabilities, most probable first. */
  readonly top: ReadonlyArray<readonly [number, number]>;
}

export interface Completion {
  readonly tokens: number[];
  readonly text: string;
  readonly steps: CompletionStep[];
  readonly finishReason: 'stop' | 'length';
  readonly promptTokens: number;
}

/** The `count` largest entries of a row, as [index, value], largest first. */
function topTokens(row: Float32Array, count: number): [number, number][] {
  const top: [number, number][] = [];
  if (count <= 0) return top;
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    if (top.length === count && value <= top[count - 1]![1]) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]![1] < value) at--;
    top.splice(at, 0, [i, value]);
    if (top.length > count) top.pop();
  }
  return top;
}

function firstStop(text: string, stops: readonly string[]): number | null {
  let first: number | null = null;
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0 && (first === null || at < first)) first = at;
  }
  return first;
}

function toIdeaError(error: unknown): IdeaError {
  if (error instanceof IdeaRejected) return { code: error.code, message: error.message };
  return { code: 'model-error', message: error instanceof Error ? error.message : String(error) };
}
