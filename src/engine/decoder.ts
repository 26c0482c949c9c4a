import { Tensor } from '@huggingface/transformers';
import { asTensors, integerFeeds } from './decoder-feeds';
import { HostKvCacheOps, type KvCache, type KvCacheOps } from './kv-cache-ops';

export type { KvCache };

/** The part of a Transformers.js causal LM the engine drives: one forward pass with explicit inputs. */
export interface CausalLm {
  forward(inputs: Record<string, unknown>): Promise<Record<string, Tensor>>;
  /** Transformers.js's sessions: the decoder's declares the inputs it takes. */
  readonly sessions?: { readonly model?: { readonly inputNames?: readonly string[] } };
}

export interface ForwardResult {
  /** Logits of the last `keep` positions, oldest first. */
  readonly rows: Float32Array[];
  /** KV cache of past + the tokens just fed; the caller owns (and disposes) it. */
  readonly cache: KvCache;
}

/**
 * Forward passes over an explicit KV cache. A past cache is only read, never updated or disposed, so one
 * cache (the instruction prefix, or a prompt) can serve any number of continuations.
 */
export interface ForwardTrace {
  readonly tokens: readonly number[];
  readonly pastLength: number;
  readonly keep: number;
  readonly milliseconds: number;
  /** Sequences in the pass (their tokens concatenated in `tokens`); absent for one. */
  readonly batch?: number;
}

export class Decoder {
  forwardPasses = 0;
  /** When set, every forward pass is recorded here (benchmarks replay them on bare onnxruntime). */
  trace: ForwardTrace[] | null = null;

  /** The inputs the model's session declares (the integer feeds made are those); unknown: all of them. */
  private readonly inputNames: readonly string[] | undefined;

  /** @param kv how caches are cut and gathered into batches here (kv-cache-ops.ts). */
  constructor(
    private readonly model: CausalLm,
    readonly kv: KvCacheOps = new HostKvCacheOps(),
  ) {
    this.inputNames = model.sessions?.model?.inputNames;
  }

  async forward(tokens: readonly number[], past: { cache: KvCache; length: number } | null, keep: number): Promise<ForwardResult> {
    const { rows, cache } = await this.forwardBatch([tokens], past, keep);
    return { rows: rows[0]!, cache };
  }

  /**
   * Several continuations of equal length over one past, as one batch: rows per sequence. The past must
   * already hold one row per sequence (see tileCache); a batch of one may use any cache as it is.
   */
  async forwardBatch(
    sequences: ReadonlyArray<readonly number[]>,
    past: { cache: KvCache; length: number } | null,
    keep: number,
  ): Promise<{ rows: Float32Array[][]; cache: KvCache }> {
    const batch = sequences.length;
    const width = sequences[0]!.length;
    if (sequences.some((s) => s.length !== width)) throw new Error('a batch of continuations must have equal lengths');
    const pastLength = past?.length ?? 0;
    const started = performance.now();
    const integers = asTensors(integerFeeds(batch, pastLength, width, keep, this.inputNames), (f) => new Tensor(f.type, f.data, f.dims));
    const outputs = await this.model.forward({
      input_ids: new Tensor('int64', BigInt64Array.from(sequences.flat(), BigInt), [batch, width]),
      ...integers,
      past_key_values: past?.cache,
    });
    this.forwardPasses++;
    this.trace?.push({ tokens: sequences.flat(), pastLength, keep, milliseconds: performance.now() - started, batch });
    const logits = outputs.logits!;
    const [, kept, vocab] = logits.dims as [number, number, number];
    const data = logits.data as Float32Array;
    const rows = sequences.map((_, b) => Array.from({ length: kept }, (_, i) => data.slice((b * kept + i) * vocab, (b * kept + i + 1) * vocab)));
    logits.dispose();
    const cache: KvCache = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (name.startsWith('present.')) cache[name.replace('present.', 'past_key_values.')] = tensor;
    }
    return { rows, cache };
  }
}

export function disposeCache(cache: KvCache): void {
  for (const tensor of Object.values(cache)) tensor.dispose();
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/**
 * log Σ exp(row), in float64 (onnxruntime's float32 ReduceLogSumExp drifts by ~1e-3 over 152k entries, and
 * onnxruntime-web has no float64 kernels, so this stays here). Logits more than 50 below the maximum add under e^-50 each (below 1e-16 in
 * total for any vocabulary), so they are skipped: one comparison instead of an exp for nearly every token.
 */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  const cutoff = max - 50;
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > cutoff) sum += Math.exp(v - max);
  }
  return max + Math.log(sum);
}
