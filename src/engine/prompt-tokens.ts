import { escapeRegExp } from '../scoring/gaming-signals';
import { PROMPT_PROFILES, scoringMessages, type ChatMessage, type PromptProfileId } from '../scoring/prompt-profiles';

/** The part of Transformers.js's tokenizer the engine uses. */
export interface ChatTokenizer {
  apply_chat_template(messages: { role: string; content: string }[], options: Record<string, unknown>): unknown;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

const TITLE_SENTINEL = '\u0000referee-title\u0000';
const TEXT_SENTINEL = '\u0000referee-text\u0000';

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

/** The rendered prompt in order: the template's text, and the idea's title and text where it puts them. */
export interface PromptPart {
  readonly text: string;
  readonly fromIdea: boolean;
}

/** The prompt of `promptText`, cut where the idea's title and text go (found by rendering sentinels). */
export function promptParts(tokenizer: ChatTokenizer, profile: PromptProfileId, idea: { title?: string; text: string }): PromptPart[] {
  const rendered = promptText(tokenizer, profile, { title: TITLE_SENTINEL, text: TEXT_SENTINEL });
  const [before, afterTitle, ...more] = rendered.split(TITLE_SENTINEL);
  const [between, after, ...extra] = (afterTitle ?? '').split(TEXT_SENTINEL);
  if (before === undefined || afterTitle === undefined || more.length > 0 || between === undefined || after === undefined || extra.length > 0) {
    throw new Error('the chat template must place the idea’s title and text exactly once');
  }
  return [
    { text: before, fromIdea: false },
    { text: idea.title ?? '', fromIdea: true },
    { text: between, fromIdea: false },
    { text: idea.text, fromIdea: true },
    { text: after, fromIdea: false },
  ];
}

/**
 * Any conversation through the model's own chat template, with a generation prompt, cut where each message's
 * content goes (found by rendering sentinels), so that PromptEncoder gives control tokens only to the template:
 * a message cannot close its own turn. Throws when the template drops or repeats a message.
 */
export function chatParts(tokenizer: ChatTokenizer, messages: readonly ChatMessage[]): PromptPart[] {
  const sentinel = (i: number) => `\u0000referee-message-${i}\u0000`;
  const rendered = tokenizer.apply_chat_template(
    messages.map((m, i) => ({ role: m.role, content: sentinel(i) })),
    { tokenize: false, add_generation_prompt: true },
  ) as string;
  const parts: PromptPart[] = [];
  let rest = rendered;
  for (const [i, message] of messages.entries()) {
    const pieces = rest.split(sentinel(i));
    if (pieces.length !== 2) throw new Error(`the chat template ${pieces.length < 2 ? 'drops' : 'repeats'} message ${i + 1} (${message.role})`);
    parts.push({ text: pieces[0]!, fromIdea: false }, { text: message.content, fromIdea: true });
    rest = pieces[1]!;
  }
  parts.push({ text: rest, fromIdea: false });
  return parts;
}

/**
 * Encodes prompts so that control tokens come only from the chat template. The tokenizer cuts its input at
 * every added-token string (`<|im_end|>`, `<|im_start|>`, `<|endoftext|>`, …) wherever it appears, so an idea
 * holding one could close the user's turn and write the reviewer's answer itself. Here the template's parts
 * are cut at those strings as the tokenizer would cut them, and every run of text between two template
 * control tokens (template text and idea text together) is encoded by a copy of the tokenizer that knows no
 * added tokens: idea text that holds no control string encodes exactly as before, token for token.
 */
export class PromptEncoder {
  private readonly controlPattern: RegExp | null;

  constructor(
    private readonly tokenizer: ChatTokenizer,
    private readonly textOnly: ChatTokenizer,
    /** Every added-token string with its id. */
    private readonly controls: ReadonlyMap<string, number>,
  ) {
    const strings = [...controls.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.controlPattern = strings.length > 0 ? new RegExp(`(${strings.join('|')})`) : null;
  }

  /** From a Transformers.js tokenizer: its copy without added tokens is built from the same tokenizer.json. */
  static for(tokenizer: ChatTokenizer): PromptEncoder {
    const t = tokenizer as ChatTokenizer & { _tokenizerJSON?: { added_tokens?: { content: string; id: number }[] }; _tokenizerConfig?: unknown };
    const json = t._tokenizerJSON;
    if (!json || !Array.isArray(json.added_tokens)) throw new Error('the tokenizer does not expose its tokenizer.json');
    const Tokenizer = tokenizer.constructor as new (json: unknown, config: unknown) => ChatTokenizer;
    const textOnly = new Tokenizer({ ...json, added_tokens: [] }, t._tokenizerConfig);
    return new PromptEncoder(tokenizer, textOnly, new Map(json.added_tokens.map((a) => [a.content, a.id])));
  }

  /** The control-token strings the tokenizer knows, longest first. */
  get controlStrings(): string[] {
    return [...this.controls.keys()].sort((a, b) => b.length - a.length);
  }

  /** Token ids of the prompt; `specialsInIdea` encodes control strings in the idea as control tokens (the original scripts' behaviour). */
  encodePrompt(parts: readonly PromptPart[], specialsInIdea = false): number[] {
    if (specialsInIdea) return encode(this.tokenizer, parts.map((p) => p.text).join(''));
    const ids: number[] = [];
    let run = '';
    const flush = () => {
      if (run) ids.push(...encode(this.textOnly, run));
      run = '';
    };
    for (const part of parts) {
      if (part.fromIdea || !this.controlPattern) {
        run += part.text;
        continue;
      }
      for (const [i, piece] of part.text.split(this.controlPattern).entries()) {
        if (i % 2 === 0) {
          run += piece;
        } else {
          flush();
          ids.push(this.controls.get(piece)!);
        }
      }
    }
    flush();
    return ids;
  }
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
