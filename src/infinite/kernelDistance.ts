// Closed forms for the wide-sparse paper's kernel distance (Golubeva, Neyshabur & Gur-Ari, ICLR 2021, §3, App. F).
//
// Network f(x) = (nd)^{-1/2} vᵀ[ux]_+, u ∈ R^{n×d}, each entry ~ N(0, σ²) with probability p and 0 otherwise,
// σ² = 1/p. Readout ("GP") kernel Θ_GP(x, y) = (1/(nd)) Σ_i [u_i·x]_+[u_i·y]_+, with E[Θ_GP] = K̃_{1,p}/d and
// infinite-width (dense, n → ∞) limit Θ^∞ = K_1/d. The distance is the unnormalised mean square
//
//   D = E_u[(Θ_GP(x, y) − Θ^∞(x, y))²]
//     = (1/d²)[K̃_{1,p} − K_1]²  +  (1/(d²n))[K̃_{2,p} − K̃_{1,p}²]        (Theorem 1: bias² + variance)
//
// and, for x, y ~ N(0, I) and pd ≫ 1,
//
//   D ≈ (1/(4d)) [ ¼(p^{-1/2} − 1)² + (d/n)(1 − 1/π²) ].
//
// With np fixed (a fixed number of first-layer weights n·p·d), the minimum is at p* ≈ sqrt(np/(4d)).
import { rangeError } from '../core/errors.js';
import { arcCosineFromMoments } from './arccos.js';
import { checkDensity, checkPositive, toVector, type VectorLike } from './inputs.js';
import { sparseArcCosineKernels } from './sparseArcCosine.js';

export interface Theorem1Distance {
  /** D = bias2 + variance. */
  readonly distance: number;
  /** (1/d²)[K̃_{1,p} − K_1]²: the squared gap between the sparse mean kernel and the dense limit. */
  readonly bias2: number;
  /** (1/(d²n))[K̃_{2,p} − K̃_{1,p}²]: the variance of Θ_GP over the n hidden units. */
  readonly variance: number;
  /** K̃_{1,p}(x, y); E[Θ_GP] = K̃_{1,p}/d. */
  readonly kTilde1: number;
  /** K̃_{2,p}(x, y). */
  readonly kTilde2: number;
  /** K_1(x, y); Θ^∞ = K_1/d. */
  readonly k1: number;
  readonly d: number;
}

/** Theorem 1's exact D for one input pair (exact enumeration; the joint support of x, y must be ≤ 20). */
export function theorem1Distance(args: { x: VectorLike; y: VectorLike; p: number; n: number }): Theorem1Distance {
  const op = 'theorem1Distance';
  checkDensity(op, args.p);
  checkPositive(op, 'n', args.n);
  const { kTilde1, kTilde2, d } = sparseArcCosineKernels(args, op);
  const x = toVector(op, 'x', args.x), y = toVector(op, 'y', args.y);
  let xx = 0, yy = 0, xy = 0;
  for (let j = 0; j < d; j++) {
    xx += x[j]! * x[j]!;
    yy += y[j]! * y[j]!;
    xy += x[j]! * y[j]!;
  }
  const k1 = arcCosineFromMoments(1, xx, yy, xy);
  const bias2 = (kTilde1 - k1) ** 2 / (d * d);
  const variance = (kTilde2 - kTilde1 * kTilde1) / (d * d * args.n);
  return { distance: bias2 + variance, bias2, variance, kTilde1, kTilde2, k1, d };
}

/** The paper's approximation D(p, n, d) ≈ (1/(4d))[¼(p^{-1/2} − 1)² + (d/n)(1 − 1/π²)] (x, y ~ N(0, I), pd ≫ 1). */
export function approximateDistance(args: { p: number; n: number; d: number }): number {
  const op = 'approximateDistance';
  const { p, n, d } = args;
  checkDensity(op, p);
  checkPositive(op, 'n', n);
  checkPositive(op, 'd', d);
  const sparsityTerm = 0.25 * (1 / Math.sqrt(p) - 1) ** 2;
  const widthTerm = (d / n) * (1 - 1 / (Math.PI * Math.PI));
  return (sparsityTerm + widthTerm) / (4 * d);
}

/**
 * The paper's optimum at a fixed product np (n·p·d first-layer weights): p* = sqrt(np/(4d)), n* = np/p*.
 * From d/dp of the approximation for p ≪ 1 (dropping the −1 and the (1 − 1/π²) factor, as the paper does);
 * p* is capped at 1 (dense) when np > 4d. The exact minimiser of approximateDistance sits somewhat lower
 * (for d = 784, np = 8: p* = 0.0505, n* ≈ 158, while the integer-width minimum is at n = 170; D differs by 0.3%).
 */
export function optimalDensityAtFixedNP(np: number, d: number): { p: number; n: number } {
  const op = 'optimalDensityAtFixedNP';
  checkPositive(op, 'np', np);
  checkPositive(op, 'd', d);
  const p = Math.min(1, Math.sqrt(np / (4 * d)));
  return { p, n: np / p };
}

export interface WidthDistance {
  /** Hidden width n. */
  readonly width: number;
  /** Connection probability p = np / n. */
  readonly p: number;
  /** approximateDistance at (p, n, d). */
  readonly distance: number;
}

/** approximateDistance along widths at a fixed np (p = np/width, which must be ≤ 1), with the best width. */
export function approximateDistanceOverWidths(args: { np: number; d: number; widths: readonly number[] }): { rows: WidthDistance[]; best: WidthDistance } {
  const op = 'approximateDistanceOverWidths';
  const { np, d, widths } = args;
  checkPositive(op, 'np', np);
  checkPositive(op, 'd', d);
  if (widths.length === 0) throw rangeError(op, 'widths', 'at least one width', 'an empty list');
  const rows = widths.map((width, i) => {
    checkPositive(op, `widths[${i}]`, width);
    if (width < np) throw rangeError(op, `widths[${i}]`, `a width ≥ np = ${np} (so that p = np/width ≤ 1)`, width);
    const p = np / width;
    return { width, p, distance: approximateDistance({ p, n: width, d }) };
  });
  const best = rows.reduce((a, b) => (b.distance < a.distance ? b : a));
  return { rows, best };
}
