/** An integer input of one forward pass, before it is wrapped in a runtime's Tensor class. */
export interface IntegerFeed {
  readonly type: 'int64' | 'int32';
  readonly data: BigInt64Array | Int32Array;
  readonly dims: number[];
}

/** How each integer input is made for `batch` rows of `width` new tokens after `pastLength`, keeping `keep` logits. */
const FEEDS: Record<string, (batch: number, pastLength: number, width: number, keep: number) => IntegerFeed> = {
  seqlens_k: (batch, pastLength, width) => ({ type: 'int32', data: new Int32Array(batch).fill(pastLength + width - 1), dims: [batch] }),
  total_sequence_length: (_batch, pastLength, width) => ({ type: 'int32', data: Int32Array.of(pastLength + width), dims: [] }),
  logits_slice_start: (_batch, _pastLength, _width, keep) => ({ type: 'int64', data: BigInt64Array.of(BigInt(-keep)), dims: [1] }),
  attention_mask: (batch, pastLength, width) => ({ type: 'int64', data: new BigInt64Array(batch * (pastLength + width)).fill(1n), dims: [batch, pastLength + width] }),
  num_logits_to_keep: (_batch, _pastLength, _width, keep) => ({ type: 'int64', data: BigInt64Array.of(BigInt(keep)), dims: [] }),
  // Builds with separate RotaryEmbedding nodes (`--separate-rotary`): each new token's position, per row.
  position_ids: (batch, pastLength, width) => ({
    type: 'int64',
    data: BigInt64Array.from({ length: batch * width }, (_, i) => BigInt(pastLength + (i % width))),
    dims: [batch, width],
  }),
};

/**
 * The integer inputs of a forward pass over `pastLength` cached tokens plus `width` new tokens in each of
 * `batch` rows, keeping the logits of the last `keep` positions (0: all), in every form a decoder build may
 * declare. Referee's builds (src/builder/decoder-graph.ts) take GroupQueryAttention's `seqlens_k` and
 * `total_sequence_length` and Slice's `logits_slice_start` as they are, so no integer arithmetic runs in the
 * graph; builds from elsewhere, and Referee's builds before them, take an `attention_mask` and
 * `num_logits_to_keep`. Given a session's input names, only those it declares are made (no mask built on
 * every pass for a build that has none); without, all of them.
 */
export function integerFeeds(batch: number, pastLength: number, width: number, keep: number, names: readonly string[] = Object.keys(FEEDS)): Record<string, IntegerFeed> {
  const feeds: Record<string, IntegerFeed> = {};
  for (const name of names) if (Object.hasOwn(FEEDS, name)) feeds[name] = FEEDS[name]!(batch, pastLength, width, keep);
  return feeds;
}

/** The feeds wrapped by `tensor` (a runtime's Tensor constructor). */
export function asTensors<T>(feeds: Record<string, IntegerFeed>, tensor: (feed: IntegerFeed) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(feeds).map(([name, feed]) => [name, tensor(feed)]));
}
