// Closed-form kernel distances of the wide-sparse paper: Theorem 1 (exact enumeration) and the
// approximation D(p, n, d) with its optimum, against research/kernels-bounds.md "Checks".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, normalValues } from '../../src/core/random.js';
import {
  approximateDistance, approximateDistanceOverWidths, arcCosineKernel, optimalDensityAtFixedNP, sparseArcCosineKernels, theorem1Distance,
} from '../../src/infinite/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);

test('Theorem 1 check case d=2, x=(1,0), y=(0.6,0.8), p=0.5, n=10: K̃1, K̃2, K1 and D to 1e-6', () => {
  const r = theorem1Distance({ x: [1, 0], y: [0.6, 0.8], p: 0.5, n: 10 });
  close(r.kTilde1, 0.319387, 1e-6, 'K̃1');
  close(r.kTilde2, 1.375339, 1e-6, 'K̃2');
  close(r.k1, 0.338774, 1e-6, 'K1');
  close(r.distance, 0.031927, 1e-6, 'D');
  close(r.bias2 + r.variance, r.distance, 1e-15, 'D = bias² + variance');
  close(r.bias2, (0.319387 - 0.338774) ** 2 / 4, 1e-8, 'bias² = (K̃1 − K1)²/d²');
});

test('p = 1 is the dense network: K̃ = K, no bias, D = (K2 − K1²)/(d²n)', () => {
  const x = [0.3, -1, 2, 0.5], y = [1, 1, -0.5, 0.2];
  const r = theorem1Distance({ x, y, p: 1, n: 7 });
  const k1 = arcCosineKernel(1, x, y), k2 = arcCosineKernel(2, x, y);
  close(r.kTilde1, k1, 1e-13, 'K̃1');
  close(r.kTilde2, k2, 1e-12, 'K̃2');
  assert.equal(r.bias2, 0);
  close(r.distance, (k2 - k1 * k1) / (16 * 7), 1e-14, 'D');
});

test('K̃ enumerates only the joint support: zero-padded inputs give the same kernels, and d > 20 is fine when the support is small', () => {
  const x = [0.4, -1.2, 0.7], y = [1, 0.1, -0.3];
  const small = sparseArcCosineKernels({ x, y, p: 0.3 });
  const padded = sparseArcCosineKernels({ x: [...x, ...Array(40).fill(0)], y: [...y, ...Array(40).fill(0)], p: 0.3 });
  close(padded.kTilde1, small.kTilde1, 1e-14, 'K̃1');
  close(padded.kTilde2, small.kTilde2, 1e-13, 'K̃2');
  assert.equal(padded.support, 3);
  assert.equal(padded.d, 43);
  // K̃1 by a direct sum over the 8 masks.
  let direct = 0;
  for (let s = 0; s < 8; s++) {
    const keep = [0, 1, 2].map((j) => (s >> j) & 1);
    const prob = keep.reduce((q, b) => q * (b ? 0.3 : 0.7), 1);
    direct += (prob / 0.3) * arcCosineKernel(1, x.map((v, j) => v * keep[j]!), y.map((v, j) => v * keep[j]!));
  }
  close(small.kTilde1, direct, 1e-14, 'K̃1 by direct mask sum');
});

test('approximate D for d = 784, np = 8 matches the note\'s table to 1e-6', () => {
  const table: [number, number][] = [[8, 0.028084], [32, 0.007101], [128, 0.002473], [158, 0.002368], [216, 0.002444], [512, 0.004345], [635, 0.005341]];
  for (const [w, expected] of table) close(approximateDistance({ p: 8 / w, n: w, d: 784 }), expected, 1e-6, `D(w=${w})`);
  const { rows, best } = approximateDistanceOverWidths({ np: 8, d: 784, widths: table.map(([w]) => w) });
  assert.deepEqual(rows.map((r) => r.width), table.map(([w]) => w));
  assert.equal(best.width, 158);
  close(best.p, 8 / 158, 1e-15, 'p at the best width');
});

test('optimum at fixed np: p* = sqrt(np/4d) ≈ 0.0505, n* ≈ 158; the integer-width minimum of the approximation (170) is within 0.5%', () => {
  const { p, n } = optimalDensityAtFixedNP(8, 784);
  close(p, 0.0505, 1e-4, 'p*');
  close(n, 158.4, 0.1, 'n*');
  const widths = Array.from({ length: 784 - 8 + 1 }, (_, i) => 8 + i);
  const { best } = approximateDistanceOverWidths({ np: 8, d: 784, widths });
  assert.equal(best.width, 170); // the −1 in (p^{-1/2} − 1) and the (1 − 1/π²) factor move the exact minimum
  const atPStar = approximateDistance({ p: 8 / 158, n: 158, d: 784 });
  assert.ok(atPStar / best.distance - 1 < 0.005, `D(158) = ${atPStar} vs min ${best.distance}`);
  assert.deepEqual(optimalDensityAtFixedNP(5000, 784), { p: 1, n: 5000 }); // np > 4d: dense is optimal, p capped at 1
});

test('bad input: p outside (0, 1], n, d, dimension mismatch, support too large for exact enumeration', () => {
  for (const p of [0, -0.1, 1.5, NaN]) {
    assert.throws(() => theorem1Distance({ x: [1, 0], y: [0, 1], p, n: 10 }), /theorem1Distance: p expected a connection probability in \(0, 1\]/);
    assert.throws(() => approximateDistance({ p, n: 10, d: 784 }), /approximateDistance: p expected a connection probability in \(0, 1\]/);
  }
  assert.throws(() => theorem1Distance({ x: [1, 0], y: [0, 1], p: 0.5, n: 0 }), /theorem1Distance: n expected a positive finite number, got 0/);
  assert.throws(() => approximateDistance({ p: 0.5, n: 10, d: -1 }), /approximateDistance: d expected a positive finite number/);
  assert.throws(() => theorem1Distance({ x: [1, 0, 2], y: [0, 1], p: 0.5, n: 10 }), /theorem1Distance: y expected length 3 \(the length of x\), got length 2/);
  const x = normalValues(key(1), 21, 'f64'), y = normalValues(key(2), 21, 'f64');
  assert.throws(() => theorem1Distance({ x, y, p: 0.5, n: 10 }), (e: Error) =>
    e.name === 'TesseraRangeError' && /at most 20 coordinates/.test(e.message) && /approximateDistance/.test(e.message) && /empiricalDistance/.test(e.message) && /got 21 \(d = 21\)/.test(e.message));
  assert.throws(() => approximateDistanceOverWidths({ np: 8, d: 784, widths: [16, 4] }), /widths\[1\] expected a width ≥ np = 8/);
  assert.throws(() => approximateDistanceOverWidths({ np: 8, d: 784, widths: [] }), /widths expected at least one width/);
  assert.throws(() => optimalDensityAtFixedNP(0, 784), /optimalDensityAtFixedNP: np expected a positive finite number/);
});
