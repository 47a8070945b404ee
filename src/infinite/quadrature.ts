// Gauss–Hermite quadrature for Gaussian expectations (Golub–Welsch: the nodes are the eigenvalues of
// the Hermite Jacobi matrix, the weights the squared first components of its eigenvectors).
//   E_{z ~ N(0,1)}[f(z)] ≈ Σ_i w_i f(z_i)  with probabilists' nodes z_i and Σ w_i = 1, exact for
//   polynomials of degree ≤ 2·deg − 1.
// The rules are cached, so the eigendecomposition stays on the core/linalg reference rather than the active
// backend: a rule (≤ 200 points, computed once) must not depend on which backend happened to build it first.
import { valueError } from '../core/errors.js';
import { symmetricEigen } from '../core/linalg.js';

export interface GaussHermite {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const cache = new Map<number, GaussHermite>();

/** Probabilists' Gauss–Hermite rule of `deg` points (nodes ascending, weights summing to 1). */
export function gaussHermite(deg: number): GaussHermite {
  if (!Number.isInteger(deg) || deg < 1 || deg > 200) throw valueError('gaussHermite', 'deg', 'an integer in [1, 200]', deg);
  const hit = cache.get(deg);
  if (hit) return hit;
  // Probabilists' Hermite recurrence: z·He_k = He_{k+1} + k·He_{k−1} → Jacobi off-diagonal √k.
  const J = new Float64Array(deg * deg);
  for (let k = 1; k < deg; k++) {
    J[k * deg + k - 1] = Math.sqrt(k);
    J[(k - 1) * deg + k] = Math.sqrt(k);
  }
  const { values, vectors } = symmetricEigen(J, deg);
  const weights = new Float64Array(deg);
  for (let i = 0; i < deg; i++) weights[i] = vectors[i * deg]! ** 2;
  const rule = { nodes: values, weights };
  cache.set(deg, rule);
  return rule;
}
