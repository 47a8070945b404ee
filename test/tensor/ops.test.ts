// Forward values of ops against closed forms and hand-computed results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { erf, erfc, normalQuantile, normalCdf } from '../../src/core/special.js';
import { assertClose } from '../support/random.js';

test('erf, erfc and the normal quantile match reference values to ~1e-15', () => {
  // Reference values (Abramowitz & Stegun / mpmath).
  assertClose([erf(0.5), erf(1), erf(2), erf(-3), erf(4.5)], [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014, 0.9999999998033839], 1e-14);
  assertClose([erfc(3), erfc(5), erfc(10)], [2.209049699858544e-5, 1.5374597944280349e-12, 2.088487583762545e-45], 1e-13);
  for (const p of [1e-10, 0.01, 0.3, 0.5, 0.9, 1 - 1e-8]) assertClose([normalCdf(normalQuantile(p))], [p], 1e-13);
  assertClose([normalQuantile(0.975)], [1.959963984540054], 1e-14);
});

test('elementwise maps and broadcasting', () => {
  const a = T.tensor([[1, 2, 3], [4, 5, 6]], undefined, 'f64'), b = T.tensor([10, 20, 30], undefined, 'f64');
  assert.deepEqual(T.add(a, b).toArray(), [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(T.sub(T.reshape(b, [3, 1]), T.tensor([1, 2], undefined, 'f64')).toArray(), [9, 8, 19, 18, 29, 28]);
  assert.deepEqual(T.maximum(a, 3.5).toArray(), [3.5, 3.5, 3.5, 4, 5, 6]);
  assert.deepEqual(T.where(T.greater(a, 3), a, T.neg(a)).toArray(), [-1, -2, -3, 4, 5, 6]);
  assertClose(T.gelu(T.tensor([-1, 0, 1.5], undefined, 'f64')).data, [-0.15865525393145707, 0, 1.3997891980967128], 1e-14);
  assertClose(T.softplus(T.tensor([-50, 0, 50], undefined, 'f64')).data, [1.9287498479639178e-22, Math.LN2, 50], 1e-14);
  assert.deepEqual(T.cast(T.tensor([1.7, -1.7, 300], undefined, 'f64'), 'i32').toArray(), [1, -1, 300]);
});

test('reductions, logsumexp and softmax', () => {
  const x = T.tensor([[1, 5, 3], [4, 2, 6]], undefined, 'f64');
  assert.deepEqual(T.sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(T.sum(x, 1, true).shape, [2, 1]);
  assert.deepEqual(T.max(x, 1).toArray(), [5, 6]);
  assert.deepEqual(T.mean(x).toArray(), [3.5]);
  assertClose(T.logsumexp(T.tensor([1000, 1000], undefined, 'f64')).data, [1000 + Math.LN2], 1e-15);
  assert.deepEqual(T.logsumexp(T.tensor([-Infinity, -Infinity], undefined, 'f64')).toArray(), [-Infinity]);
  const s = T.softmax(x, 1).toArray();
  assertClose([s[0]! + s[1]! + s[2]!], [1], 1e-15);
});

test('movement and indexing ops', () => {
  const x = T.tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], undefined, 'f64');
  assert.deepEqual(T.transpose(x).toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual(T.slice(x, [1, -3], [3, undefined], [1, 2]).toArray(), [5, 7, 9, 11]);
  assert.deepEqual(T.pad(T.tensor([1, 2], undefined, 'f64'), [[1, 2]], -1).toArray(), [-1, 1, 2, -1, -1]);
  assert.deepEqual(T.concat([T.slice(x, [0, 0], [3, 1]), T.slice(x, [0, 3], [3, 4])], 1).toArray(), [0, 3, 4, 7, 8, 11]);
  assert.deepEqual(T.take(x, T.tensor([2, 0], [2], 'i32'), 0).toArray(), [8, 9, 10, 11, 0, 1, 2, 3]);
  assert.deepEqual(T.takeAlongAxis(x, T.tensor([[3], [0], [1]], undefined, 'i32'), 1).toArray(), [3, 4, 9]);
  assert.deepEqual(T.scatterAdd(T.zeros([2, 3], 'f64'), T.tensor([[0, 2, 0]], undefined, 'i32'), T.tensor([[1, 2, 3]], undefined, 'f64'), 1).toArray(), [4, 0, 2, 0, 0, 0]);
  assert.deepEqual(T.cumsum(T.tensor([1, 2, 3], undefined, 'f64'), 0).toArray(), [1, 3, 6]);
  assert.deepEqual(T.cumsum(T.tensor([1, 2, 3], undefined, 'f64'), 0, true).toArray(), [6, 5, 3]);
  assert.deepEqual(T.stack([T.tensor([1, 2]), T.tensor([3, 4])], 1).toArray(), [1, 3, 2, 4]);
});

test('conv2d, pooling and fan-in matmul on hand-computed examples', () => {
  // 3×3 image, 2×2 all-ones kernel, padding 0: window sums.
  const img = T.tensor(Array.from({ length: 9 }, (_, i) => i + 1), [1, 1, 3, 3], 'f64');
  assert.deepEqual(T.conv2d(img, T.ones([1, 1, 2, 2], 'f64')).toArray(), [12, 16, 24, 28]);
  assert.deepEqual(T.conv2d(img, T.ones([1, 1, 2, 2], 'f64'), { stride: 2, padding: 1 }).toArray(), [1, 5, 11, 28]);
  assert.deepEqual(T.maxPool2d(img, { kernelSize: 2, stride: 1 }).toArray(), [5, 6, 8, 9]);
  assert.deepEqual(T.avgPool2d(img, { kernelSize: 2, stride: 2, padding: 1 }).toArray(), [0.25, 1.25, 2.75, 7]);
  // y[0, o] = Σ_j values[o, j]·x[indices[o, j]]
  const y = T.fanInMatmul(T.tensor([[1, 10, 100]], undefined, 'f64'), T.tensor([[1, 2], [3, 4]], undefined, 'f64'), T.tensor([[2, 0], [1, 2]], undefined, 'u16'));
  assert.deepEqual(y.toArray(), [102, 430]);
});

test('crossEntropy equals the hand formula, with label smoothing and class weights', () => {
  const logits = T.tensor([[2, 0, -1], [0.5, 0.5, 3]], undefined, 'f64');
  const targets = T.tensor([0, 2], [2], 'i32');
  const lp = (row: number[], c: number) => row[c]! - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const rows = [[2, 0, -1], [0.5, 0.5, 3]];
  const nll = [-lp(rows[0]!, 0), -lp(rows[1]!, 2)];
  assertClose(T.crossEntropy(logits, targets).data, [(nll[0]! + nll[1]!) / 2], 1e-14);
  const w = [2, 1, 0.5];
  assertClose(T.crossEntropy(logits, targets, { weight: T.tensor(w, undefined, 'f64') }).data, [(2 * nll[0]! + 0.5 * nll[1]!) / 2.5], 1e-14);
  const smooth = rows.map((r) => -[0, 1, 2].reduce((s, c) => s + lp(r, c), 0));
  assertClose(T.crossEntropy(logits, targets, { labelSmoothing: 0.1 }).data, [0.9 * (nll[0]! + nll[1]!) / 2 + (0.1 / 3) * (smooth[0]! + smooth[1]!) / 2], 1e-14);
  assertClose(T.crossEntropy(logits, targets, { ignoreIndex: 2 }).data, [nll[0]!], 1e-14);
});
