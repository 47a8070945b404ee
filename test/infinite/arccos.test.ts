// Arc-cosine kernels: known values, the neural-tangents ReLU NNGP table (research/kernels-bounds.md §C),
// Gram/pair/vector agreement, and Monte Carlo E[[w·x]_+^l [w·y]_+^l] = K_l for w ~ N(0, I).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, normalValues } from '../../src/core/random.js';
import { Tensor } from '../../src/tensor/index.js';
import { arcCosineFromMoments, arcCosineGram, arcCosineKernel, arcCosinePairs, hiddenActivations } from '../../src/infinite/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);

test('known values: K1(x,x) = |x|²/2, θ = π/2 gives |x||y|/2π, θ = π gives 0, K2(x,x) = 3|x|⁴/2, zero vectors give 0', () => {
  const x = [1, 2, -2]; // |x|² = 9
  close(arcCosineKernel(1, x, x), 4.5, 1e-12, 'K1(x,x)');
  close(arcCosineKernel(2, x, x), 1.5 * 81, 1e-10, 'K2(x,x)');
  close(arcCosineKernel(1, [3, 0], [0, 2]), 6 / (2 * Math.PI), 1e-12, 'K1 orthogonal');
  close(arcCosineKernel(2, [3, 0], [0, 2]), (36 / (2 * Math.PI)) * (Math.PI / 2), 1e-12, 'K2 orthogonal: J2(π/2) = π/2');
  close(arcCosineKernel(1, [1, 1], [-2, -2]), 0, 1e-12, 'K1 antiparallel');
  close(arcCosineKernel(2, [1, 1], [-2, -2]), 0, 1e-12, 'K2 antiparallel');
  assert.equal(arcCosineKernel(1, [0, 0], [1, 2]), 0);
  assert.equal(arcCosineKernel(2, [1, 2], [0, 0]), 0);
  // Rounding can push cos θ just above 1: clamped, no NaN.
  const v = [0.1, 0.7, 0.3];
  const k = arcCosineFromMoments(1, 0.59, 0.59, 0.59 * (1 + 1e-15));
  assert.ok(Number.isFinite(k) && Math.abs(k - 0.295) < 1e-12);
  close(arcCosineKernel(1, v, v.map((a) => 3 * a)), 3 * 0.59 / 2, 1e-12, 'K1 parallel');
});

test('K1 from moments is the ReLU NNGP map: the §C table for serial(Dense(√2), Relu, Dense(√2)) to 1e-6', () => {
  // Input kernel x·y/d, then σ_w² = 2 before and after the ReLU: NNGP = 2·K1(2·xx/d, 2·yy/d, 2·xy/d).
  const nngp = (x: number[], y: number[]) => {
    const m = (a: number[], b: number[]) => (2 * (a[0]! * b[0]! + a[1]! * b[1]!)) / 2;
    return 2 * arcCosineFromMoments(1, m(x, x), m(y, y), m(x, y));
  };
  close(nngp([1, 0], [0, 1]), 0.318310, 1e-6, '(1,0),(0,1)');
  close(nngp([1, 0], [1, 1]), 1.068310, 1e-6, '(1,0),(1,1)');
  close(nngp([1, 0], [0.6, 0.8]), 0.677548, 1e-6, '(1,0),(0.6,0.8)');
  close(nngp([1, 2], [3, -1]), 2.773336, 1e-6, '(1,2),(3,-1)');
  close(nngp([1, 2], [1, 2]), 5, 1e-12, 'diagonal (1,2)');
});

test('Gram, pairs and vector forms agree', () => {
  const X = [[1, 2, 0], [0.5, -1, 3], [0, 0, 0]];
  const Y = [[2, -1, 1], [1, 1, 1]];
  for (const order of [1, 2] as const) {
    const g = arcCosineGram(order, X, new Tensor(Float64Array.from(Y.flat()), [2, 3]));
    assert.deepEqual(g.shape, [3, 2]);
    assert.equal(g.dtype, 'f64');
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) close(g.data[i * 2 + j]!, arcCosineKernel(order, X[i]!, Y[j]!), 1e-12, `G[${i},${j}]`);
    const pairs = arcCosinePairs(order, X.slice(0, 2), Y);
    for (let i = 0; i < 2; i++) close(pairs[i]!, arcCosineKernel(order, X[i]!, Y[i]!), 1e-12, `pair ${i}`);
  }
});

test('Monte Carlo: E[[w·x]_+[w·y]_+] = K1 and E[[w·x]_+²[w·y]_+²] = K2 for w ~ N(0, I) (within 4 standard errors)', () => {
  const d = 3, samples = 200_000;
  const x = [1, -0.5, 0.3], y = [0.2, 0.9, -1.1];
  const w = new Tensor(normalValues(key(11), samples * d, 'f64'), [samples, d]);
  const cols = new Tensor(Float64Array.from([x[0]!, y[0]!, x[1]!, y[1]!, x[2]!, y[2]!]), [d, 2]);
  const h = hiddenActivations(w, cols).data; // [samples, 2]: ([w·x]_+, [w·y]_+)
  for (const order of [1, 2] as const) {
    let s = 0, s2 = 0;
    for (let i = 0; i < samples; i++) {
      const v = (h[2 * i]! * h[2 * i + 1]!) ** order;
      s += v;
      s2 += v * v;
    }
    const mean = s / samples, se = Math.sqrt((s2 / samples - mean * mean) / samples);
    const k = arcCosineKernel(order, x, y);
    assert.ok(Math.abs(mean - k) < 4 * se, `K${order}: MC ${mean} ± ${se}, closed form ${k}`);
    assert.ok(se < 0.02 * Math.abs(k), `K${order}: the MC is precise enough to test (se ${se})`);
  }
});

test('bad input: order, length mismatch, non-finite entries', () => {
  assert.throws(() => arcCosineKernel(3 as 1, [1], [1]), /arcCosineKernel: order expected 1 or 2, got 3/);
  assert.throws(() => arcCosineKernel(1, [1, 2], [1, 2, 3]), /arcCosineKernel: y expected length 2 \(the length of x\), got length 3/);
  assert.throws(() => arcCosineKernel(1, [1, NaN], [1, 2]), /x\[1\] expected a finite number, got NaN/);
  assert.throws(() => arcCosineGram(1, [[1, 2]], [[1, 2, 3]]), /arcCosineGram: Y expected rows of length 2/);
  assert.throws(() => arcCosinePairs(1, [[1, 2], [1, 1]], [[1, 2]]), /arcCosinePairs: Y expected \[2, 2\]/);
  assert.throws(() => arcCosineGram(1, new Tensor(new Float64Array(8), [2, 2, 2]), [[1, 2]]), /X expected a matrix \[rows, d\]/);
});
