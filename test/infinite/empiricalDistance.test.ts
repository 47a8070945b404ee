// Empirical readout kernel and kernel distance: definitions against plain loops, the sparse sampler's
// statistics, E[Θ_GP] = K̃1/d, and the Monte-Carlo distance converging to Theorem 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldIn, key, normalValues, uniformValues } from '../../src/core/random.js';
import { Tensor } from '../../src/tensor/index.js';
import {
  bernoulliPositions, empiricalDistance, infiniteReadoutKernelGram, infiniteReadoutKernelPairs, readoutDistanceOfWeights, readoutKernelGram,
  readoutKernelPairs, sampleSparseGaussianWeights, sparseArcCosineKernels, arcCosineKernel, theorem1Distance,
} from '../../src/infinite/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);
const relu = (v: number) => Math.max(0, v);

/** Θ_GP(x, y) = (1/(nd)) Σ_i [u_i·x]_+[u_i·y]_+ by plain loops. */
function thetaByLoops(u: Tensor, x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [n, d] = u.shape as [number, number];
  let s = 0;
  for (let i = 0; i < n; i++) {
    let ux = 0, uy = 0;
    for (let j = 0; j < d; j++) {
      ux += u.data[i * d + j]! * x[j]!;
      uy += u.data[i * d + j]! * y[j]!;
    }
    s += relu(ux) * relu(uy);
  }
  return s / (n * d);
}

const matrix = (seed: number, rows: number, cols: number) => new Tensor(normalValues(key(seed), rows * cols, 'f64'), [rows, cols]);
const row = (m: Tensor, i: number) => m.data.subarray(i * m.shape[1]!, (i + 1) * m.shape[1]!);

test('readout kernel (pairs and Gram) and Θ^∞ = K1/d match their definitions', () => {
  const u = matrix(1, 13, 5), X = matrix(2, 4, 5), Y = matrix(3, 4, 5);
  const pairs = readoutKernelPairs(u, X, Y);
  const gram = readoutKernelGram(u, X, Y);
  assert.deepEqual(gram.shape, [4, 4]);
  const infinite = infiniteReadoutKernelPairs(X, Y), infiniteGram = infiniteReadoutKernelGram(X, Y);
  for (let i = 0; i < 4; i++) {
    close(pairs[i]!, thetaByLoops(u, row(X, i), row(Y, i)), 1e-13, `Θ_GP pair ${i}`);
    close(infinite[i]!, arcCosineKernel(1, row(X, i), row(Y, i)) / 5, 1e-14, `Θ∞ pair ${i}`);
    for (let j = 0; j < 4; j++) {
      close(gram.data[i * 4 + j]!, thetaByLoops(u, row(X, i), row(Y, j)), 1e-13, `Θ_GP Gram [${i},${j}]`);
      close(infiniteGram.data[i * 4 + j]!, arcCosineKernel(1, row(X, i), row(Y, j)) / 5, 1e-14, `Θ∞ Gram [${i},${j}]`);
    }
  }
});

test('sparse Gaussian weights: kept fraction p, E[u²] = 1, kept entries N(0, 1/p), positions spread evenly', () => {
  for (const p of [0.01, 0.3, 0.9]) {
    const n = 500, d = 400, count = n * d;
    const u = sampleSparseGaussianWeights(key(5), { n, d, p }).data;
    let kept = 0, firstHalf = 0, sq = 0;
    for (let i = 0; i < count; i++) {
      if (u[i] !== 0) {
        kept++;
        if (i < count / 2) firstHalf++;
      }
      sq += u[i]! ** 2;
    }
    const sdKept = Math.sqrt(count * p * (1 - p));
    assert.ok(Math.abs(kept - count * p) < 4 * sdKept, `p=${p}: kept ${kept} of ${count}`);
    assert.ok(Math.abs(firstHalf - kept / 2) < 4 * Math.sqrt(kept / 4), `p=${p}: ${firstHalf} of ${kept} kept entries in the first half`);
    // E[u²] = 1; Var[u²] = 3/p − 1 per entry.
    assert.ok(Math.abs(sq / count - 1) < 4 * Math.sqrt((3 / p - 1) / count), `p=${p}: mean u² ${sq / count}`);
  }
  const positions = bernoulliPositions(key(9), 1000, 0.2);
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i]! > positions[i - 1]!, 'positions strictly increase');
  assert.ok(positions[0]! >= 0 && positions.at(-1)! < 1000);
  assert.deepEqual(sampleSparseGaussianWeights(key(4), { n: 3, d: 4, p: 0.5 }).data, sampleSparseGaussianWeights(key(4), { n: 3, d: 4, p: 0.5 }).data);
});

test('E[Θ_GP] = K̃1/d for sparse weights (distinguishable from the dense K1/d), = K1/d for dense weights', () => {
  const d = 6;
  const x = normalValues(key(21), d, 'f64'), y = normalValues(key(22), d, 'f64');
  for (const [p, n] of [[0.2, 400_000], [1, 100_000]] as const) {
    const theta = readoutKernelPairs(sampleSparseGaussianWeights(key(23), { n, d, p }), [x], [y])[0]!;
    const { kTilde1, kTilde2 } = sparseArcCosineKernels({ x, y, p });
    const sd = Math.sqrt((kTilde2 - kTilde1 ** 2) / (d * d * n)); // Theorem 1's variance term
    assert.ok(Math.abs(theta - kTilde1 / d) < 4 * sd, `p=${p}: Θ_GP ${theta}, K̃1/d ${kTilde1 / d} ± ${sd}`);
    if (p < 1) {
      const k1 = arcCosineKernel(1, x, y);
      assert.ok(Math.abs(kTilde1 - k1) / d > 10 * sd, `p=${p}: the sparse mean K̃1/d ${kTilde1 / d} is resolved from K1/d ${k1 / d}`);
    }
  }
});

test('empirical distance converges to Theorem 1 (d=2 check case, D = 0.031927): error within 4 standard errors, shrinking as 1/sqrt(draws)', () => {
  const args = { x: [1, 0], y: [0.6, 0.8], p: 0.5, n: 10 };
  const exact = theorem1Distance(args).distance;
  const estimates = [1_000, 10_000, 100_000].map((draws) => empiricalDistance({ ...args, key: key(0), draws }));
  for (const e of estimates) {
    assert.ok(Math.abs(e.distance - exact) < 4 * e.standardError, `${e.perDraw.length} draws: ${e.distance} ± ${e.standardError} vs ${exact}`);
  }
  const ratio = estimates[0]!.standardError / estimates[2]!.standardError; // 10 for 100× more draws
  assert.ok(ratio > 7 && ratio < 14, `standard error ratio ${ratio}`);
  const best = estimates[2]!;
  assert.ok(best.standardError / exact < 0.01, `relative standard error at 1e5 draws ${best.standardError / exact}`);
  assert.ok(Math.abs(best.distance / exact - 1) < 0.03, `1e5 draws: ${best.distance} vs ${exact}`);
  // The root-mean-square error over 8 independent runs shrinks about sqrt(10)× from 1e3 to 1e4 draws.
  const rms = (draws: number) => Math.sqrt([...Array(8).keys()].reduce((s, i) => s + (empiricalDistance({ ...args, key: foldIn(key(1), i), draws }).distance - exact) ** 2, 0) / 8);
  const rms3 = rms(1_000), rms4 = rms(10_000);
  assert.ok(rms4 < rms3 / 1.5, `RMS error ${rms3} (1e3 draws) → ${rms4} (1e4 draws)`);
});

test('empirical distance averages over pairs: equals the mean of per-pair Theorem 1 distances (d = 5, p = 0.3, n = 8)', () => {
  const X = matrix(31, 3, 5), Y = matrix(32, 3, 5);
  const exact = [0, 1, 2].reduce((s, i) => s + theorem1Distance({ x: row(X, i), y: row(Y, i), p: 0.3, n: 8 }).distance, 0) / 3;
  const e = empiricalDistance({ x: X, y: Y, p: 0.3, n: 8, key: key(3), draws: 20_000 });
  assert.equal(e.pairs, 3);
  assert.ok(Math.abs(e.distance - exact) < 4 * e.standardError && e.standardError < 0.03 * exact, `${e.distance} ± ${e.standardError} vs ${exact}`);
  const asPairs = empiricalDistance({ pairs: [0, 1, 2].map((i) => [row(X, i), row(Y, i)] as const), p: 0.3, n: 8, key: key(3), draws: 50 });
  assert.equal(asPairs.distance, empiricalDistance({ x: X, y: Y, p: 0.3, n: 8, key: key(3), draws: 50 }).distance);
});

test('distance of given weights: the definition, masks and scale, f32 weights, several initialisations', () => {
  const X = matrix(41, 6, 7), Y = matrix(42, 6, 7);
  const u = matrix(43, 9, 7);
  const direct = (w: Tensor) => {
    let s = 0;
    for (let i = 0; i < 6; i++) s += (thetaByLoops(w, row(X, i), row(Y, i)) - arcCosineKernel(1, row(X, i), row(Y, i)) / 7) ** 2;
    return s / 6;
  };
  close(readoutDistanceOfWeights({ weights: u, x: X, y: Y }).distance, direct(u), 1e-14, 'one matrix');
  const mask = new Tensor(Uint8Array.from(uniformValues(key(44), 63, 'f64'), (v) => (v < 0.4 ? 1 : 0)), [9, 7]);
  const w = new Tensor(Float32Array.from(u.data), [9, 7]);
  const masked = new Tensor(Float64Array.from(w.data, (v, i) => 2.5 * v * mask.data[i]!), [9, 7]);
  close(readoutDistanceOfWeights({ weights: w, masks: mask, scale: 2.5, x: X, y: Y }).distance, direct(masked), 1e-14, 'mask and scale');
  const several = readoutDistanceOfWeights({ weights: [u, masked], x: X, y: Y });
  close(several.distance, (direct(u) + direct(masked)) / 2, 1e-14, 'mean over initialisations');
  assert.equal(several.perDraw.length, 2);
  assert.ok(several.standardError > 0);
});

test('bad input for the empirical distances', () => {
  const X = matrix(51, 2, 3);
  assert.throws(() => empiricalDistance({ x: X, y: matrix(52, 2, 4), p: 0.5, n: 4, key: key(0), draws: 10 }), /empiricalDistance: y expected \[2, 3\] \(the shape of x\), got \[2, 4\]/);
  assert.throws(() => empiricalDistance({ x: X, y: X, p: 1.2, n: 4, key: key(0), draws: 10 }), /empiricalDistance: p expected a connection probability in \(0, 1\], got 1.2/);
  assert.throws(() => empiricalDistance({ x: X, y: X, p: 0.5, n: 4, key: key(0), draws: 0 }), /draws expected a positive integer, got 0/);
  assert.throws(() => empiricalDistance({ x: X, y: X, p: 0.5, n: 2.5, key: key(0), draws: 3 }), /n expected a positive integer, got 2.5/);
  assert.throws(() => readoutDistanceOfWeights({ weights: matrix(53, 4, 5), x: X, y: X }), /readoutDistanceOfWeights: weights expected \[n, 3\] \(d = the input dimension\), got \[4, 5\]/);
  assert.throws(() => readoutDistanceOfWeights({ weights: matrix(53, 4, 3), masks: matrix(54, 3, 3), x: X, y: X }), /masks expected \[4, 3\] \(the shape of weights\), got \[3, 3\]/);
  assert.throws(() => readoutDistanceOfWeights({ weights: [], x: X, y: X }), /weights expected at least one weight matrix/);
  assert.throws(() => readoutKernelPairs(matrix(53, 4, 3), X, matrix(55, 3, 3)), /readoutKernelPairs: Y expected \[2, 3\]/);
});
