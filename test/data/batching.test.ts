// Shuffling and batching: permutations are seeded, batches partition the samples, gathers copy rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { batches, gatherBatch, gatherRows, shuffleIndices } from '../../src/data/index.js';

test('shuffleIndices: a permutation, identical for the same key, different for another', () => {
  const a = shuffleIndices(1000, key(1));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(shuffleIndices(1000, key(1)), a);
  assert.notDeepEqual(shuffleIndices(1000, key(2)), a);
  assert.notDeepEqual(Array.from(a), Array.from({ length: 1000 }, (_, i) => i));
});

test('batches partition 0..n-1; the last is partial unless dropLast; no key means in order', () => {
  const ordered = batches(10, 4);
  assert.deepEqual(ordered.map((b) => Array.from(b)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(batches(10, 4, { dropLast: true }).map((b) => b.length), [4, 4]);
  assert.deepEqual(batches(8, 4, { dropLast: true }).length, 2);
  const shuffled = batches(103, 10, { key: key(9) });
  assert.deepEqual(shuffled.map((b) => b.length), [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
  assert.deepEqual(shuffled.flatMap((b) => Array.from(b)).sort((x, y) => x - y), Array.from({ length: 103 }, (_, i) => i));
  assert.deepEqual(batches(103, 10, { key: key(9) }), shuffled);
  assert.deepEqual(batches(0, 5), []);
  assert.throws(() => batches(10, 0), /batchSize expected a positive integer, got 0/);
});

test('gatherBatch copies whole rows of x [N, C, H, W] and y [N]', () => {
  const x = new Tensor(Float32Array.from({ length: 5 * 2 * 3 }, (_, i) => i), [5, 1, 2, 3]);
  const y = new Tensor(Int32Array.from([10, 11, 12, 13, 14]), [5]);
  const { x: bx, y: by } = gatherBatch(x, y, Int32Array.from([4, 0, 4]));
  assert.deepEqual(bx.shape, [3, 1, 2, 3]);
  assert.equal(bx.dtype, 'f32');
  assert.deepEqual(bx.toArray(), [24, 25, 26, 27, 28, 29, 0, 1, 2, 3, 4, 5, 24, 25, 26, 27, 28, 29]);
  assert.deepEqual([by.dtype, by.toArray()], ['i32', [14, 10, 14]]);
  assert.deepEqual(gatherRows(new Tensor(new Float64Array([1, 2, 3]), [3]), [2, 1]).toArray(), [3, 2]);
  assert.throws(() => gatherBatch(x, y, [5]), /gatherBatch: indices\[0\] expected a row in 0\.\.4, got 5/);
  assert.throws(() => gatherBatch(x, new Tensor(new Int32Array(4), [4]), [0]), /gatherBatch: y expected 5 rows like x \[5, 1, 2, 3\], got \[4\]/);
});
