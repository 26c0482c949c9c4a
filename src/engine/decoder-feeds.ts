/** An integer input of one forward pass, before it is wrapped in a runtime's Tensor class. */
export interface IntegerFeed {
  readonly type: 'int64' | 'int32';
  readonly data: BigInt64Array | Int32Array;
  readonly dims: number[];
}

/**
 * The integer inputs of a forward pass over `pastLength` cached tokens plus `width` new tokens in each of
 * `batch` rows, keeping the logits of the last `keep` positions (0: all), in every form a decoder build may
 * declare. Referee's builds (src/builder/decoder-graph.ts) take GroupQueryAttention's `seqlens_k` and
 * `total_sequence_length` and Slice's `logits_slice_start` as they are, so no integer arithmetic runs in the
 * graph; builds from elsewhere, and Referee's builds before them, take an `attention_mask` and
 * `num_logits_to_keep`. Callers pass a session only the names it declares (`pickFeeds`).
 */
export function integerFeeds(batch: number, pastLength: number, width: number, keep: number): Record<string, IntegerFeed> {
  const total = pastLength + width;
  return {
    seqlens_k: { type: 'int32', data: new Int32Array(batch).fill(total - 1), dims: [batch] },
    total_sequence_length: { type: 'int32', data: Int32Array.of(total), dims: [] },
    logits_slice_start: { type: 'int64', data: BigInt64Array.of(BigInt(-keep)), dims: [1] },
    attention_mask: { type: 'int64', data: new BigInt64Array(batch * total).fill(1n), dims: [batch, total] },
    num_logits_to_keep: { type: 'int64', data: BigInt64Array.of(BigInt(keep)), dims: [] },
  };
}

/** The feeds a session declares, wrapped by `tensor` (a runtime's Tensor constructor). */
export function pickFeeds<T>(feeds: Record<string, IntegerFeed>, inputNames: readonly string[], tensor: (feed: IntegerFeed) => T): Record<string, T> {
  const picked: Record<string, T> = {};
  for (const name of inputNames) if (feeds[name]) picked[name] = tensor(feeds[name]!);
  return picked;
}
