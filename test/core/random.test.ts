// PRNG: Threefry-2x32 known-answer vectors, key splitting, determinism, and distribution moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as r from '../../src/core/random.js';
import { random as R, tensor } from '../../src/tensor/index.js';

test('threefry2x32-20 matches the Random123 known-answer vectors', () => {
  assert.deepEqual(r.threefry2x32(0, 0, 0, 0), [0x6b200159, 0x99ba4efe]);
  assert.deepEqual(r.threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), [0x1cb996fc, 0xbb002be7]);
  assert.deepEqual(r.threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3), [0xc4923a9c, 0x483df7a0]);
});

test('key(seed) and split follow jax.random (PRNGKey(0) splits to JAX\'s published keys)', () => {
  assert.deepEqual(r.key(0), [0, 0]);
  assert.deepEqual(r.key(2 ** 32 + 5), [1, 5]);
  // jax.random.split(PRNGKey(0)) == [[4146024105, 967050713], [2718843009, 1272950319]]
  assert.deepEqual(r.split(r.key(0), 2), [[4146024105, 967050713], [2718843009, 1272950319]]);
});

test('the same key gives the same numbers; different keys differ', () => {
  const k = r.key(42);
  assert.deepEqual(R.normal(k, [100]).toArray(), R.normal(k, [100]).toArray());
  assert.notDeepEqual(R.normal(r.split(k)[0]!, [100]).toArray(), R.normal(r.split(k)[1]!, [100]).toArray());
  assert.deepEqual(r.foldIn(k, 3), r.foldIn(k, 3));
  assert.notDeepEqual(r.foldIn(k, 3), r.foldIn(k, 4));
});

test('uniform, normal and truncated normal have the right moments and support', () => {
  const n = 200_000;
  const u = R.uniform(r.key(1), [n], { dtype: 'f64', minval: -1, maxval: 3 }).data;
  const z = R.normal(r.key(2), [n], { dtype: 'f64' }).data;
  const t = R.truncatedNormal(r.key(3), [n], { dtype: 'f64', lower: -1, upper: 1 }).data;
  const stats = (xs: ArrayLike<number>) => {
    let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < xs.length; i++) { s += xs[i]!; s2 += xs[i]! ** 2; lo = Math.min(lo, xs[i]!); hi = Math.max(hi, xs[i]!); }
    const mean = s / xs.length;
    return { mean, variance: s2 / xs.length - mean ** 2, lo, hi };
  };
  const su = stats(u), sz = stats(z), st = stats(t);
  assert.ok(Math.abs(su.mean - 1) < 0.02 && Math.abs(su.variance - 16 / 12) < 0.02 && su.lo >= -1 && su.hi < 3, JSON.stringify(su));
  assert.ok(Math.abs(sz.mean) < 0.01 && Math.abs(sz.variance - 1) < 0.015, JSON.stringify(sz));
  // Variance of N(0,1) truncated to [-1, 1]: 1 − 2φ(1)/(Φ(1) − Φ(−1)) = 0.29112
  assert.ok(Math.abs(st.mean) < 0.01 && Math.abs(st.variance - 0.29112) < 0.005 && st.lo >= -1 && st.hi <= 1, JSON.stringify(st));
});

test('bernoulli, permutation, randint and categorical', () => {
  const b = R.bernoulli(r.key(4), [100_000], 0.3).data;
  const ones = Array.from(b).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(ones / b.length - 0.3) < 0.01);
  const p = R.permutation(r.key(5), 1000).toArray();
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(p, Array.from({ length: 1000 }, (_, i) => i));
  const ri = R.randint(r.key(6), [10_000], -3, 4).toArray();
  assert.ok(ri.every((v) => v >= -3 && v < 4) && new Set(ri).size === 7);
  // Categorical frequencies follow softmax(logits) = [0.0900, 0.2447, 0.6652].
  const logits = tensor(Array.from({ length: 30_000 }, (_, i) => [1, 2, 3][i % 3]!), [10_000, 3], 'f64');
  const c = R.categorical(r.key(7), logits).toArray();
  const freq = [0, 1, 2].map((k) => c.filter((v) => v === k).length / c.length);
  [0.09003, 0.24473, 0.66524].forEach((e, k) => assert.ok(Math.abs(freq[k]! - e) < 0.015, `class ${k}: ${freq[k]} vs ${e}`));
});

test('random helpers reject bad arguments with clear errors', () => {
  assert.throws(() => r.key(-1), /random\.key: seed expected an integer/);
  assert.throws(() => R.bernoulli(r.key(0), [2], 1.5), /random\.bernoulli: p expected a probability/);
  assert.throws(() => R.randint(r.key(0), [2], 3, 3), /random\.randint: range expected integers low < high/);
});
