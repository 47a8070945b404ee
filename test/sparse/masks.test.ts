// Random masks: exact counts, key dependence, uniform positions, whole-kernel removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldIn, key } from '../../src/core/random.js';
import { randomMask } from '../../src/sparse/index.js';

const ones = (m: { data: ArrayLike<number> }): number => Array.from(m.data).reduce((a, b) => a + b, 0);

test('a mask has exactly size − removeCount ones, is u8 of the weight shape, and depends on the key only', () => {
  for (const [shape, r] of [[[30, 20], 0], [[30, 20], 1], [[30, 20], 599], [[30, 20], 600], [[7, 3, 3, 3], 100]] as const) {
    const m = randomMask(key(1), shape, r);
    assert.equal(m.dtype, 'u8');
    assert.deepEqual(m.shape, shape);
    assert.equal(ones(m), m.size - r);
  }
  const a = randomMask(key(1), [30, 20], 300), b = randomMask(key(2), [30, 20], 300);
  assert.notDeepEqual(Array.from(a.data), Array.from(b.data));
  assert.deepEqual(Array.from(randomMask(key(1), [30, 20], 300).data), Array.from(a.data));
});

test('removal positions are uniform: each of 10 positions is removed with frequency 3/10', () => {
  const n = 4000, counts = new Array(10).fill(0);
  for (let s = 0; s < n; s++) randomMask(foldIn(key(3), s), [10], 3).data.forEach((v, i) => (counts[i] += 1 - v));
  // binomial sd √(n·0.3·0.7) ≈ 29: allow 5 sd
  for (const c of counts) assert.ok(Math.abs(c - 0.3 * n) < 145, `count ${c} vs ${0.3 * n}`);
});

test('ioOnly removes whole kh×kw kernels of a conv weight', () => {
  const shape = [6, 4, 3, 3], k = 9;
  const m = randomMask(key(4), shape, 5 * k, { ioOnly: true });
  assert.equal(ones(m), m.size - 45);
  let zeroKernels = 0;
  for (let u = 0; u < 24; u++) {
    const block = Array.from(m.data.subarray(u * k, (u + 1) * k));
    const s = block.reduce((a, b) => a + b, 0);
    assert.ok(s === 0 || s === k, `kernel ${u} partly masked: ${block}`);
    if (s === 0) zeroKernels++;
  }
  assert.equal(zeroKernels, 5);
  // Linear weights under ioOnly are masked element-wise.
  assert.equal(ones(randomMask(key(5), [4, 5], 7, { ioOnly: true })), 13);
});

test('bad counts and shapes are named', () => {
  assert.throws(() => randomMask(key(0), [4, 5], 21), /randomMask: removeCount expected an integer in \[0, 20\] for shape \[4, 5\], got 21/);
  assert.throws(() => randomMask(key(0), [4, 5], -1), /removeCount expected an integer in \[0, 20\]/);
  assert.throws(() => randomMask(key(0), [2, 2, 3, 3], 10, { ioOnly: true }), /removeCount expected a multiple of the kernel size 9/);
  assert.throws(() => randomMask(key(0), [2, 3, 4], 3, { ioOnly: true }), /shape expected a linear \[out, in\] or conv/);
});
