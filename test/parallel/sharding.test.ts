// Sequence and weight shards: zigzag pairs an early and a late chunk, shards tile the sequence and
// the weights exactly once, and uneven cuts are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatheredPositions, headShardSpecs, sequenceShard } from '../../src/parallel/sharding.js';

test('zigzag: rank i holds chunks i and 2D-1-i; all shards tile the sequence once', () => {
  assert.deepEqual(sequenceShard(16, 4, 0, 'zigzag', 't'), [0, 1, 14, 15]);
  assert.deepEqual(sequenceShard(16, 4, 3, 'zigzag', 't'), [6, 7, 8, 9]);
  assert.deepEqual(sequenceShard(12, 3, 1, 'contiguous', 't'), [4, 5, 6, 7]);
  for (const order of ['zigzag', 'contiguous'] as const) {
    const all = gatheredPositions(48, 4, order, 't');
    assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: 48 }, (_, i) => i));
  }
  // causal work (keys visible) per zigzag shard is balanced: Σ (p + 1) is equal across ranks
  const work = [0, 1, 2, 3].map((r) => sequenceShard(32, 4, r, 'zigzag', 't').reduce((s, p) => s + p + 1, 0));
  assert.ok(work.every((w) => w === work[0]), String(work));
  assert.throws(() => sequenceShard(12, 4, 0, 'zigzag', 'tsp'), /tsp: seq expected a multiple of 8/);
});

test('head shards: column/row ranges tile every weight', () => {
  const cfg = { batch: 1, seq: 8, hidden: 16, heads: 8, kvHeads: 4, ffn: 12, dtype: 'f32' as const };
  const specs = [0, 1, 2, 3].map((r) => headShardSpecs(cfg, 4, r, 't'));
  assert.deepEqual(specs[1]!.map((s) => [s.name, s.axis, s.lo, s.hi]), [['wq', 1, 4, 8], ['wk', 1, 2, 4], ['wv', 1, 2, 4], ['wo', 0, 4, 8], ['wg', 1, 3, 6], ['wu', 1, 3, 6], ['wd', 0, 3, 6]]);
  assert.throws(() => headShardSpecs({ ...cfg, kvHeads: 2 }, 4, 0, 'tsp'), /tsp: kvHeads expected a multiple of 4/);
});
