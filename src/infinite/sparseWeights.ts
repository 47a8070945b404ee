// Bernoulli-sparse Gaussian weights, the wide-sparse paper's Theorem 1 model: each entry of u [n, d] is
// N(0, σ²) with probability p and 0 otherwise, σ² = 1/p, so E[u_ij²] = 1 for every p.
//
// The kept positions are drawn by geometric gaps rather than one uniform per entry: in a Bernoulli(p)
// sequence the number of zeros before the next one is G ~ Geometric(p) on {0, 1, …}, sampled as
// G = floor(log(1 − U) / log(1 − p)) with U uniform in [0, 1). The same distribution as independent
// coin flips, with a cost ∝ the kept entries (p·n·d) instead of n·d — the mask dominates at p ≈ 0.01.
import { foldIn, normalValues, split, uniformValues, type Key } from '../core/random.js';
import { Tensor } from '../tensor/index.js';
import { checkDensity, checkPositive } from './inputs.js';

/** Sorted positions of the ones of a Bernoulli(p) sequence of length `count`, 0 < p < 1. */
export function bernoulliPositions(k: Key, count: number, p: number): Int32Array {
  const logKeepNone = Math.log1p(-p); // log(1 − p) < 0
  const blockSize = Math.max(64, Math.ceil(1.05 * p * count) + 16);
  const positions: number[] = [];
  let position = -1;
  for (let block = 0; ; block++) {
    const u = uniformValues(foldIn(k, block), blockSize, 'f64');
    for (let i = 0; i < blockSize; i++) {
      position += Math.floor(Math.log(1 - u[i]!) / logKeepNone) + 1;
      if (position >= count) return Int32Array.from(positions);
      positions.push(position);
    }
  }
}

/** u [n, d] (f64): entries N(0, 1/p) with probability p, else 0 (p = 1: dense N(0, 1)). */
export function sampleSparseGaussianWeights(k: Key, args: { n: number; d: number; p: number }): Tensor {
  const op = 'sampleSparseGaussianWeights';
  const { n, d, p } = args;
  checkPositive(op, 'n', n, true);
  checkPositive(op, 'd', d, true);
  checkDensity(op, p);
  const count = n * d;
  const [kNormal, kMask] = split(k);
  if (p === 1) return new Tensor(normalValues(kNormal!, count, 'f64'), [n, d]);
  const kept = bernoulliPositions(kMask!, count, p);
  const normals = normalValues(kNormal!, kept.length, 'f64');
  const sigma = 1 / Math.sqrt(p);
  const values = new Float64Array(count);
  for (let i = 0; i < kept.length; i++) values[kept[i]!] = sigma * normals[i]!;
  return new Tensor(values, [n, d]);
}
