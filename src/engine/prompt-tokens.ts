import { PROMPT_PROFILES, scoringMessages, type PromptProfileId } from '../scoring/prompt-profiles';

/** The part of Transformers.js's tokenizer the engine uses. */
export interface ChatTokenizer {
  apply_chat_template(messages: { role: string; content: string }[], options: Record<string, unknown>): unknown;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

const TITLE_SENTINEL = '\u0000referee-title\u0000';

export function promptText(tokenizer: ChatTokenizer, profile: PromptProfileId, idea: { title?: string; text: string }): string {
  return tokenizer.apply_chat_template(scoringMessages(PROMPT_PROFILES[profile], idea), {
    tokenize: false,
    add_generation_prompt: true,
  }) as string;
}

/**
 * The chat-templated text before the idea: system turn and fixed instructions, identical for every idea of
 * a profile. Found by rendering a sentinel title, so it follows whatever template the model carries.
 */
export function instructionPrefixText(tokenizer: ChatTokenizer, profile: PromptProfileId): string {
  const rendered = promptText(tokenizer, profile, { title: TITLE_SENTINEL, text: '' });
  const at = rendered.indexOf(TITLE_SENTINEL);
  if (at < 0) throw new Error('the chat template dropped the idea text');
  return rendered.slice(0, at);
}

export function encode(tokenizer: ChatTokenizer, text: string): number[] {
  return tokenizer.encode(text, { add_special_tokens: false });
}

/** Whether `prefix` is a token prefix of `ids` (BPE may merge across the boundary; then it is not). */
export function startsWithTokens(ids: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}

/**
 * The prefix tokens that every prompt of a profile shares whatever the idea: the instruction prefix ends in
 * punctuation and newlines ("**idea**:\n\n"), which byte-level BPE merges with whatever follows (an idea
 * with no title adds "\n"), so the cached prefix stops at the last token that ends in a letter or digit.
 */
export function stablePrefixTokens(tokenizer: ChatTokenizer, prefixTokens: readonly number[]): number[] {
  let end = prefixTokens.length;
  while (end > 0 && !/[\p{L}\p{N}]$/u.test(tokenizer.decode(prefixTokens.slice(0, end) as number[]))) end--;
  return prefixTokens.slice(0, end);
}
