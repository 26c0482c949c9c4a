import { describe, expect, it } from 'vitest';
import { asTensors, integerFeeds } from './decoder-feeds';

describe('the integer inputs of a forward pass', () => {
  it('give GroupQueryAttention each row’s last index and the total length, and Slice the start of the kept logits', () => {
    const feeds = integerFeeds(2, 5, 3, 1);
    expect(Array.from(feeds.seqlens_k!.data as Int32Array)).toEqual([7, 7]);
    expect(feeds.seqlens_k!.dims).toEqual([2]);
    expect(Array.from(feeds.total_sequence_length!.data as Int32Array)).toEqual([8]);
    expect(feeds.total_sequence_length!.dims).toEqual([]);
    expect(Array.from(feeds.logits_slice_start!.data as BigInt64Array)).toEqual([-1n]);
    expect(Array.from(integerFeeds(1, 0, 4, 0).logits_slice_start!.data as BigInt64Array)).toEqual([0n]);
    // Builds with separate rotary nodes: each new token's position, per row.
    expect(feeds.position_ids!.dims).toEqual([2, 3]);
    expect(Array.from(feeds.position_ids!.data as BigInt64Array)).toEqual([5n, 6n, 7n, 5n, 6n, 7n]);
  });

  it('keep the attention-mask form for builds that declare it, and make for a session only what it declares', () => {
    const feeds = integerFeeds(2, 5, 3, 4);
    expect(feeds.attention_mask!.dims).toEqual([2, 8]);
    expect((feeds.attention_mask!.data as BigInt64Array).every((v) => v === 1n)).toBe(true);
    expect(Array.from(feeds.num_logits_to_keep!.data as BigInt64Array)).toEqual([4n]);
    const picked = asTensors(integerFeeds(2, 5, 3, 4, ['input_ids', 'seqlens_k', 'total_sequence_length', 'past_key_values.0.key']), (f) => f.dims);
    expect(picked).toEqual({ seqlens_k: [2], total_sequence_length: [] });
  });
});
