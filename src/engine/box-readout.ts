import { isNumberPrefix, parseBoxedScore } from '../core/boxed-score';
import { makeDistribution, type ScoreDistribution, type ScoreMass } from '../core/score-stats';
import { argmax, disposeCache, logSumExp, type Decoder, type KvCache } from './decoder';

/**
 * The vocabulary as seen from inside `\boxed{`: tokens that extend a number (digits, dots) and tokens
 * that close the box (text starting with optional digits/dots then `}`, e.g. `}`, `}\n`, `.}`).
 */
export interface BoxVocabulary {
  readonly continuations: ReadonlyArray<{ id: number; text: string }>;
  readonly closers: ReadonlyArray<{ id: number; text: string }>;
  /** The token for a lone "."; null when the vocabulary has none. */
  readonly dot: number | null;
}

export function buildBoxVocabulary(vocabSize: number, decodeToken: (id: number) => string): BoxVocabulary {
  const continuations: { id: number; text: string }[] = [];
  const closers: { id: number; text: string }[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const text = decodeToken(id);
    if (/^[\d.]+$/.test(text)) continuations.push({ id, text });
    else {
      const close = /^([\d.]*)\}/.exec(text);
      if (close) closers.push({ id, text: close[1]! });
    }
  }
  return { continuations, closers, dot: continuations.find((c) => c.text === '.')?.id ?? null };
}

/** The longest box content read (e.g. "10.000"); longer numbers count as unreadable. */
const MAX_BOX_CHARS = 6;

export interface BoxReadout {
  readonly distribution: ScoreDistribution;
  /** What greedy decoding writes inside the box: its text, and whether it closed the box within the number grammar. */
  readonly greedy: { readonly text: string; readonly closed: boolean; readonly tokens: number[] };
}

interface BoxNode {
  tokens: number[];
  text: string;
  probability: number;
  onGreedyPath: boolean;
}

/**
 * Reads every score the model can write in the box, best-first: each open number with enough probability
 * is continued by one forward pass over the box's KV cache. The greedy path is always followed to its end.
 */
export async function readBox(
  decoder: Decoder,
  box: { cache: KvCache; length: number },
  rootRow: Float32Array,
  vocabulary: BoxVocabulary,
  limits: { minProbability: number; maxForwards: number },
): Promise<BoxReadout> {
  const masses: ScoreMass[] = [];
  const open: BoxNode[] = [];
  const greedy = { text: '', closed: false, tokens: [] as number[] };
  let forwards = 0;

  // The normaliser is computed only for rows that are expanded (a check row or an unused speculation costs nothing).
  const expand = (node: BoxNode, row: Float32Array) => {
    const normaliser = logSumExp(row);
    const probability = (id: number) => Math.exp(row[id]! - normaliser);
    for (const { id, text } of vocabulary.closers) {
      const score = parseBoxedScore(`\\boxed{${node.text + text}}`);
      if (score !== null) masses.push({ score, probability: node.probability * probability(id) });
    }
    const best = argmax(row);
    for (const { id, text } of vocabulary.continuations) {
      const childText = node.text + text;
      const child: BoxNode = {
        tokens: [...node.tokens, id],
        text: childText,
        probability: node.probability * probability(id),
        onGreedyPath: node.onGreedyPath && id === best,
      };
      if (!isNumberPrefix(childText) || childText.length > MAX_BOX_CHARS) continue;
      if (child.onGreedyPath || child.probability >= limits.minProbability) open.push(child);
    }
    if (node.onGreedyPath) {
      greedy.tokens.push(best);
      const closer = vocabulary.closers.find((c) => c.id === best);
      if (closer) {
        greedy.text = node.text + closer.text;
        greedy.closed = true;
      } else {
        greedy.text = node.text;
      }
    }
  };

  expand({ tokens: [], text: '', probability: 1, onGreedyPath: true }, rootRow);
  const speculated = new Map<string, Float32Array>();
  while (open.length > 0) {
    open.sort((a, b) => Number(b.onGreedyPath) - Number(a.onGreedyPath) || b.probability - a.probability);
    const node = open.shift()!;
    let row = speculated.get(node.text);
    if (!row) {
      if (forwards >= limits.maxForwards && !node.onGreedyPath) break;
      // After an integer part the model usually writes "." next: feed it too, and the same pass also
      // gives the decimal digit's distribution (one pass for two levels; unused if no "." follows).
      const speculate = vocabulary.dot !== null && /^\d+$/.test(node.text);
      const fed = speculate ? [...node.tokens, vocabulary.dot!] : node.tokens;
      const { rows, cache } = await decoder.forward(fed, box, speculate ? 2 : 1);
      disposeCache(cache);
      forwards++;
      row = rows[0]!;
      if (speculate) speculated.set(`${node.text}.`, rows[1]!);
    }
    expand(node, row);
  }
  return { distribution: makeDistribution(masses), greedy };
}
