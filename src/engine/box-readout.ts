import { isNumberPrefix, parseBoxedScore } from '../scoring/boxed-score';
import { makeDistribution, type ScoreDistribution, type ScoreMass } from '../scoring/score-stats';
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
function closedBoxScore(inside: string, closer: string): number | null {
  return parseBoxedScore(`\\boxed{${inside + closer}}`);
}

/** The longest box content read (e.g. "10.000"); longer numbers count as unreadable. */
const MAX_BOX_CHARS = 6;

/** Whether box content can still become a score worth reading (a number prefix, not too long). */
function isOpenBoxNumber(inside: string): boolean {
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

/** A point in the readout tree: the box's content so far, and how probable it is. */
export interface ReadoutNode<Handle> {
  readonly tokens: readonly number[];
  readonly text: string;
  readonly probability: number;
  readonly onGreedyPath: boolean;
  /** What the next-token source needs to continue from this node's parent (a KV cache row, say); null at the root. */
  readonly parent: Handle | null;
}

/** A token the box may be followed by: one that closes it (with the digits before its `}`) or continues the number. */
export interface ReadoutCandidate {
  /** Its id; negative when it cannot be continued as one token (a server's top entry that encodes to several). */
  readonly token: number;
  /** Closes the box (the digits and dots before its `}`), or continues the number (the token's text). */
  readonly role: { readonly closes: string } | { readonly continues: string };
  readonly probability: number;
}

/** The next-token distribution after one node, as the walker reads it. */
export interface ReadoutStep<Handle> {
  readonly candidates: Iterable<ReadoutCandidate>;
  /** The most probable next token's id (any token, not only a candidate). */
  readonly best: number;
  /** What this node's children continue from. */
  readonly handle: Handle | null;
}

/**
 * Where next-token distributions come from: the model here (KV rows, batched passes: `readBox`) or a
 * completions server (top-20 requests: src/engine/remote/remote-scorer.ts). `next` reads one level of the tree.
 */
export type NextTokenSource<Handle> = (level: ReadonlyArray<ReadoutNode<Handle>>) => Promise<ReadoutStep<Handle>[]>;

/**
 * Reads every score the model can write in the box, level by level, from the root (the box just opened): the
 * open numbers of a level, most probable first and the greedy path always, are read in one call of `next`;
 * each closer adds a score's mass, each continuation that can still become a score and is probable enough
 * (or greedy) is a node of the next level. `maxForwards` bounds the nodes read off the greedy path.
 */
export async function walkBox<Handle>(next: NextTokenSource<Handle>, limits: { minProbability: number; maxForwards: number }): Promise<BoxReadout> {
  const masses: ScoreMass[] = [];
  const greedy = { text: '', closed: false, tokens: [] as number[] };
  let open: ReadoutNode<Handle>[] = [{ tokens: [], text: '', probability: 1, onGreedyPath: true, parent: null }];
  let continued = 0;
  while (open.length > 0) {
    const level = open.sort((a, b) => Number(b.onGreedyPath) - Number(a.onGreedyPath) || b.probability - a.probability);
    const chosen = level.filter((node) => node.onGreedyPath || continued++ < limits.maxForwards);
    // The greedy path closed earlier and the budget is spent: nothing of this level is read.
    if (chosen.length === 0) break;
    open = [];
    const steps = await next(chosen);
    chosen.forEach((node, i) => {
      const { candidates, best, handle } = steps[i]!;
      let bestCloses: string | null = null;
      for (const { token, role, probability } of candidates) {
        const mass = node.probability * probability;
        if ('closes' in role) {
          if (token === best) bestCloses = role.closes;
          const score = closedBoxScore(node.text, role.closes);
          if (score !== null) masses.push({ score, probability: mass });
          continue;
        }
        const text = node.text + role.continues;
        const onGreedyPath = node.onGreedyPath && token === best;
        if (token < 0 || !isOpenBoxNumber(text)) continue;
        if (onGreedyPath || mass >= limits.minProbability) open.push({ tokens: [...node.tokens, token], text, probability: mass, onGreedyPath, parent: handle });
      }
      if (node.onGreedyPath) {
        greedy.tokens.push(best);
        greedy.text = bestCloses === null ? node.text : node.text + bestCloses;
        greedy.closed = bestCloses !== null;
      }
    });
  }
  return { distribution: makeDistribution(masses), greedy };
}

/** The vocabulary's closers and continuations after one node, with their probabilities from its logits row. */
function* vocabularyCandidates(vocabulary: BoxVocabulary, row: Float32Array): Generator<ReadoutCandidate> {
  const normaliser = logSumExp(row);
  for (const { id, text } of vocabulary.closers) yield { token: id, role: { closes: text }, probability: Math.exp(row[id]! - normaliser) };
  for (const { id, text } of vocabulary.continuations) yield { token: id, role: { continues: text }, probability: Math.exp(row[id]! - normaliser) };
}

/**
 * The readout on the model here: the root's row is the box's own (no pass), and each level's continuations
 * go on from their parents' KV rows in batched single-token passes (the weights are read once for all of a
 * batch, which is what a decode step costs on a GPU). A level's caches are kept until the next level used them.
 */
export async function readBox(
  decoder: Decoder,
  box: { cache: KvCache; length: number },
  rootRow: Float32Array,
  vocabulary: BoxVocabulary,
  limits: { minProbability: number; maxForwards: number },
): Promise<BoxReadout> {
  const stepOf = (row: Float32Array, handle: CacheRow | null): ReadoutStep<CacheRow> => ({ candidates: vocabularyCandidates(vocabulary, row), best: argmax(row), handle });
  let levelCaches: KvCache[] = [];
  try {
    return await walkBox<CacheRow>(async (level) => {
      const depth = level[0]!.tokens.length;
      if (depth === 0) return [stepOf(rootRow, null)];
      const steps: ReadoutStep<CacheRow>[] = [];
      const outputs: KvCache[] = [];
      // A cache that cannot be read back cannot be gathered into a batch: one continuation per pass then.
      const batchSize = decoder.kv.canReshape ? MAX_BATCH : 1;
      try {
        for (let start = 0; start < level.length; start += batchSize) {
          const batch = level.slice(start, start + batchSize);
          const past = await cacheOfRows(decoder.kv, batch.map((node) => node.parent ?? { cache: box.cache, row: 0 }));
          try {
            const { rows, cache } = await decoder.forwardBatch(
              batch.map((node) => [node.tokens.at(-1)!]),
              { cache: past.cache, length: box.length + depth - 1 },
              1,
            );
            outputs.push(cache);
            batch.forEach((_, i) => steps.push(stepOf(rows[i]![0]!, { cache, row: i })));
          } finally {
            if (past.owned) disposeCache(past.cache);
          }
        }
      } catch (error) {
        // A pass that failed mid-level: the level's finished caches are released with the earlier ones.
        for (const cache of outputs) disposeCache(cache);
        throw error;
      }
      for (const cache of levelCaches) disposeCache(cache);
      levelCaches = outputs;
      return steps;
    }, limits);
  } finally {
    for (const cache of levelCaches) disposeCache(cache);
  }
}
