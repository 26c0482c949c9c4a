/**
 * Signs that an idea's text is written at the reviewer rather than about research: a score already in a
 * `\boxed{}`, chat-template or other control-token strings, instructions aimed at the reviewer, and a length
 * far outside what the model was trained on (ICLR abstracts). Each signal names the span it found. Signals
 * warn; they never change a score. Pure: the engine, the CLI, the page and the tests share it.
 */

export type SignalKind = 'boxed-score' | 'control-token' | 'reviewer-instruction' | 'length';

export interface SignalSpan {
  readonly field: 'title' | 'text';
  readonly start: number;
  readonly end: number;
}

export interface GamingSignal {
  readonly kind: SignalKind;
  /** What was found, in words (the pattern's name, or the length). */
  readonly label: string;
  /** The text found (as text: it is never rendered as HTML). */
  readonly excerpt: string;
  /** Where it is; null for signals about the whole idea (length). */
  readonly span: SignalSpan | null;
}

/**
 * Chat-template and control strings of the common model families: Qwen/ChatML, Llama 2 and 3, Mistral,
 * Gemma, Phi, and generic `<|…|>` tokens. The tokenizer's own added tokens are checked as well.
 */
const CONTROL_PATTERNS: readonly { label: string; pattern: RegExp }[] = [
  { label: 'a <|…|> control token', pattern: /<\|[A-Za-z_][\w.-]{0,40}\|>/g },
  { label: 'a Llama/Mistral [INST] marker', pattern: /\[\/?INST\]|<<\/?SYS>>/g },
  { label: 'a Gemma turn marker', pattern: /<(?:start|end)_of_turn>/g },
  { label: 'a sequence marker <s> or </s>', pattern: /<\/?s>/g },
];

/**
 * Text aimed at the reviewer (the model), not at the research. Each pattern is tested with ordinary ICLR
 * abstracts that use "score", "rating" or "reviewer" in a technical sense (src/scoring/gaming-signals.test.ts).
 */
export const REVIEWER_INSTRUCTION_PATTERNS: readonly { label: string; pattern: RegExp }[] = [
  { label: 'ignore previous instructions', pattern: /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|preceding|your)\s+(?:instructions?|prompts?|rules?|guidelines?|criteria)/gi },
  {
    label: 'a request to rate this work highly',
    pattern:
      /\b(?:please\s+)?(?:rate|score|grade|give|assign|award)\s+(?:this|the|my|our)\s+(?:idea|proposal|paper|submission|work|abstract)\s+(?:a\s+|an\s+)?(?:score\s+of\s+|rating\s+of\s+)?(?:\d{1,2}|high(?:ly)?|(?:very\s+)?well|perfect|maximum|top|full)/gi,
  },
  { label: 'a perfect score written out (10/10)', pattern: /\b10\s*\/\s*10\b|\b(?:10|ten)\s+out\s+of\s+(?:10|ten)\b/gi },
  { label: 'addressing the reviewer', pattern: /\b(?:as\s+(?:a|the|an)\s+(?:expert\s+)?reviewer|dear\s+reviewers?|note\s+to\s+(?:the\s+)?(?:reviewer|model|ai|assistant)|(?:reviewer|assistant|model)\s*:\s*(?:give|rate|score|assign))/gi },
  { label: 'an instruction about the score', pattern: /\b(?:you\s+(?:must|should|will)\s+(?:give|assign|output|write|rate)|(?:the\s+)?(?:correct|right|final|true)\s+score\s+(?:is|should\s+be)\s+\d{1,2}(?:\.\d)?)\b/gi },
  { label: 'a role-play or system override', pattern: /\b(?:system\s+prompt|you\s+are\s+now|new\s+instructions?)\s*[:\-]/gi },
];

/** A `\boxed{…}` anywhere: the model's own answer format. */
const BOXED = /\\boxed\s*\{[^}]{0,40}\}?/g;

/** Words of ICLR abstracts: most lie between 120 and 300; outside these bounds a score says little. */
export const LENGTH_BOUNDS = { minWords: 20, maxWords: 1500 } as const;

function spansOf(field: 'title' | 'text', value: string, pattern: RegExp): { start: number; end: number; excerpt: string }[] {
  const found: { start: number; end: number; excerpt: string }[] = [];
  for (const match of value.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
    const start = match.index ?? 0;
    found.push({ start, end: start + match[0].length, excerpt: match[0] });
  }
  return found;
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spans of one field the signals name, in reading order. */
export function fieldSpans(signals: readonly GamingSignal[], field: 'title' | 'text'): SignalSpan[] {
  return signals.flatMap((s) => (s.span && s.span.field === field ? [s.span] : [])).sort((a, b) => a.start - b.start);
}

/**
 * The signals of one idea. `controlStrings`: the tokenizer's own added-token strings, when known (the engine
 * passes them), found in addition to the common families' patterns.
 */
export function gamingSignals(idea: { readonly title?: string; readonly text: string }, controlStrings: readonly string[] = []): GamingSignal[] {
  const signals: GamingSignal[] = [];
  const fields: ['title' | 'text', string][] = [
    ['title', idea.title ?? ''],
    ['text', idea.text],
  ];
  const tokenizerControls = controlStrings.length > 0 ? new RegExp(controlStrings.map(escapeRegExp).join('|'), 'g') : null;
  for (const [field, value] of fields) {
    if (!value) continue;
    for (const s of spansOf(field, value, BOXED)) signals.push({ kind: 'boxed-score', label: 'a \\boxed{} answer', excerpt: s.excerpt, span: { field, start: s.start, end: s.end } });
    const controls = new Map<number, GamingSignal>();
    const patterns = [...(tokenizerControls ? [{ label: 'a control token of this model', pattern: tokenizerControls }] : []), ...CONTROL_PATTERNS];
    for (const { label, pattern } of patterns) {
      for (const s of spansOf(field, value, pattern)) {
        // One signal per place, named by the most specific pattern (the model's own tokens first).
        if (![...controls.values()].some((c) => c.span!.start < s.end && s.start < c.span!.end)) {
          controls.set(s.start, { kind: 'control-token', label, excerpt: s.excerpt, span: { field, start: s.start, end: s.end } });
        }
      }
    }
    signals.push(...[...controls.values()].sort((a, b) => a.span!.start - b.span!.start));
    for (const { label, pattern } of REVIEWER_INSTRUCTION_PATTERNS) {
      for (const s of spansOf(field, value, pattern)) signals.push({ kind: 'reviewer-instruction', label, excerpt: s.excerpt, span: { field, start: s.start, end: s.end } });
    }
  }
  const words = `${idea.title ?? ''} ${idea.text}`.trim().split(/\s+/).filter(Boolean).length;
  if (words < LENGTH_BOUNDS.minWords) {
    signals.push({ kind: 'length', label: `very short: ${words} words (ICLR abstracts run 120–300)`, excerpt: '', span: null });
  } else if (words > LENGTH_BOUNDS.maxWords) {
    signals.push({ kind: 'length', label: `very long: ${words} words (ICLR abstracts run 120–300)`, excerpt: '', span: null });
  }
  return signals;
}

/** The idea with every flagged span removed (length signals remove nothing): what the counterfactual check scores. */
export function withoutFlaggedSpans(idea: { readonly title?: string; readonly text: string }, signals: readonly GamingSignal[]): { title?: string; text: string } {
  const cut = (field: 'title' | 'text', value: string) => {
    const spans = fieldSpans(signals, field);
    let out = '';
    let at = 0;
    for (const span of spans) {
      if (span.start > at) out += value.slice(at, span.start);
      at = Math.max(at, span.end);
    }
    return (out + value.slice(at)).replace(/[ \t]{2,}/g, ' ').trim();
  };
  const title = idea.title === undefined ? undefined : cut('title', idea.title);
  return { ...(title ? { title } : {}), text: cut('text', idea.text) };
}

/** Whether any signal names a span (something the counterfactual check can remove). */
export function hasFlaggedSpans(signals: readonly GamingSignal[]): boolean {
  return signals.some((s) => s.span !== null);
}
