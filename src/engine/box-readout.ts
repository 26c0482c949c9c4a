import { isNumberPrefix, parseBoxedScore } from '../scoring/boxed-score';
import { makeDistribution, type ScoreDistribution, type ScoreMass } from '../scoring/score-stats';
import { Tensor } from '@huggingface/transformers';
import { argmax, disposeCache, logSumExp, type Decoder, type KvCache } from './decoder';
import { cacheOfRows, type CacheRow } from './kv-cache-ops';

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

/**
 * What a token's text does inside `\boxed{`: closes the box (`closes`: the digits and dots before the `}`),
 * continues the number (digits and dots only), or neither. The local readout classifies the vocabulary with
 * it; the server readout (src/engine/remote/) classifies the top tokens a server reports.
 */
export function boxTokenRole(text: string): { readonly closes: string } | 'continues' | null {
  if (/^[\d.]+$/.test(text)) return 'continues';
  const close = /^([\d.]*)\}/.exec(text);
  return close ? { closes: close[1]! } : null;
}

/** The score a box holding `inside` then closed by `closer` reads as, or null when the rule reads none. */
export function closedBoxScore(inside: string, closer: string): number | null {
  return parseBoxedScore(`\\boxed{${inside + closer}}`);
}

/** The longest box content read (e.g. "10.000"); longer numbers count as unreadable. */
const MAX_BOX_CHARS = 6;

/** Whether box content can still become a score worth reading (a number prefix, not too long). */
export function isOpenBoxNumber(inside: string): boolean {
  return isNumberPrefix(inside) && inside.length <= MAX_BOX_CHARS;
}

export function buildBoxVocabulary(vocabSize: number, decodeToken: (id: number) => string): BoxVocabulary {
  const continuations: { id: number; text: string }[] = [];
  const closers: { id: number; text: string }[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const text = decodeToken(id);
    const role = boxTokenRole(text);
    if (role === 'continues') continuations.push({ id, text });
    else if (role) closers.push({ id, text: role.closes });
  }
  return { continuations, closers, dot: continuations.find((c) => c.text === '.')?.id ?? null };
}

/** Continuations read in one batched pass at most. */
const MAX_BATCH = 16;

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
  /** The cache that holds this node's text but its last token: the box's (null), or a row of a pass's output. */
  parent: CacheRow | null;
}

/**
 * Reads every score the model can write in the box, level by level: each open number with enough
 * probability is continued by its last token over its parent's cache, and a level's continuations share
 * one batched single-token pass (the weights are read once for all of them, which is what a decode step
 * costs on a GPU). The greedy path is always followed to its end; `maxForwards` bounds the continuations.
 */
export async function readBox(
  decoder: Decoder,
  box: { cache: KvCache; length: number },
  rootRow: Float32Array,
  vocabulary: BoxVocabulary,
  limits: { minProbability: number; maxForwards: number },
): Promise<BoxReadout> {
  const masses: ScoreMass[] = [];
  let open: BoxNode[] = [];
  const greedy = { text: '', closed: false, tokens: [] as number[] };
  let continued = 0;

  const expand = (node: BoxNode, row: Float32Array, cache: CacheRow | null) => {
    const normaliser = logSumExp(row);
    const probability = (id: number) => Math.exp(row[id]! - normaliser);
    for (const { id, text } of vocabulary.closers) {
      const score = closedBoxScore(node.text, text);
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
        parent: cache,
      };
      if (!isOpenBoxNumber(childText)) continue;
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

  expand({ tokens: [], text: '', probability: 1, onGreedyPath: true, parent: null }, rootRow, null);
  // Caches of the level being read, kept until the next level has used them.
  let levelCaches: KvCache[] = [];
  try {
    for (let depth = 1; open.length > 0; depth++) {
      const level = open.sort((a, b) => Number(b.onGreedyPath) - Number(a.onGreedyPath) || b.probability - a.probability);
      open = [];
      const chosen = level.filter((node) => node.onGreedyPath || continued++ < limits.maxForwards);
      const outputs: KvCache[] = [];
      // A cache that cannot be read back cannot be gathered into a batch: one continuation per pass then.
      const batchSize = decoder.kv.canReshape ? MAX_BATCH : 1;
      for (let start = 0; start < chosen.length; start += batchSize) {
        const batch = chosen.slice(start, start + batchSize);
        const past = await cacheOfRows(decoder.kv, batch.map((node) => node.parent ?? { cache: box.cache, row: 0 }));
        try {
          const { rows, cache } = await decoder.forwardBatch(
            batch.map((node) => [node.tokens.at(-1)!]),
            { cache: past.cache, length: box.length + depth - 1 },
            1,
          );
          outputs.push(cache);
          batch.forEach((node, i) => expand(node, rows[i]![0]!, { cache, row: i }));
        } finally {
          if (past.owned) disposeCache(past.cache);
        }
      }
      for (const cache of levelCaches) disposeCache(cache);
      levelCaches = outputs;
    }
  } finally {
    for (const cache of levelCaches) disposeCache(cache);
  }
  return { distribution: makeDistribution(masses), greedy };
}
