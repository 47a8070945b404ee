// Arc-cosine kernels of a Bernoulli-sparse Gaussian weight vector (wide-sparse paper, Theorem 1):
//
//   K̃_{l,p}(x, y) = σ^{2l} Σ_{s ∈ {0,1}^d} p^{|s|} (1 − p)^{d − |s|} K_l(x_s, y_s),   σ² = 1/p,
//
// where x_s is x with the coordinates where s = 0 zeroed. This is E_u[[u·x]_+^l [u·y]_+^l] for u_j = s_j·σ·w_j,
// s_j ~ Bernoulli(p), w_j ~ N(0, 1): given s, u·x = σ w·x_s, so the inner expectation is σ^{2l} K_l(x_s, y_s).
// p = 1 gives K_l itself. Exact enumeration of the 2^d masks: coordinates where x_j = y_j = 0 leave
// (x_s, y_s) unchanged and their weights sum to p + (1 − p) = 1, so only the joint support is enumerated.
import { rangeError, shapeError } from '../core/errors.js';
import { arcCosineFromMoments } from './arccos.js';
import { checkDensity, toVector, type VectorLike } from './inputs.js';

/** The largest joint support (coordinates where x or y is non-zero) enumerated exactly: 2^20 masks. */
export const MAX_EXACT_SUPPORT = 20;

export interface SparseArcCosineKernels {
  /** K̃_{1,p}(x, y). */
  readonly kTilde1: number;
  /** K̃_{2,p}(x, y). */
  readonly kTilde2: number;
  /** The input dimension d (the length of x). */
  readonly d: number;
  /** How many coordinates were enumerated (the joint support of x and y). */
  readonly support: number;
}

/** K̃_{1,p} and K̃_{2,p} by exact enumeration over the masks of the joint support of x and y. */
export function sparseArcCosineKernels(args: { x: VectorLike; y: VectorLike; p: number }, op = 'sparseArcCosineKernels'): SparseArcCosineKernels {
  const { p } = args;
  checkDensity(op, p);
  const x = toVector(op, 'x', args.x), y = toVector(op, 'y', args.y);
  if (x.length !== y.length) throw shapeError(op, 'y', `length ${x.length} (the length of x)`, `length ${y.length}`);
  const d = x.length;
  const coords: number[] = [];
  for (let j = 0; j < d; j++) if (x[j] !== 0 || y[j] !== 0) coords.push(j);
  if (coords.length > MAX_EXACT_SUPPORT) {
    throw rangeError(op, 'x, y', `at most ${MAX_EXACT_SUPPORT} coordinates where x or y is non-zero for exact enumeration over 2^d masks ` +
      '(for larger d use approximateDistance, valid for pd ≫ 1, or the Monte-Carlo empiricalDistance)', `${coords.length} (d = ${d})`);
  }
  let sum1 = 0, sum2 = 0;
  // Depth-first over the support: keep coordinate coords[k] (probability p) or drop it (1 − p),
  // carrying the second moments |x_s|², |y_s|², x_s·y_s and the mask probability.
  const visit = (k: number, xx: number, yy: number, xy: number, prob: number): void => {
    if (k === coords.length) {
      sum1 += prob * arcCosineFromMoments(1, xx, yy, xy);
      sum2 += prob * arcCosineFromMoments(2, xx, yy, xy);
      return;
    }
    const j = coords[k]!, a = x[j]!, b = y[j]!;
    visit(k + 1, xx + a * a, yy + b * b, xy + a * b, prob * p);
    if (p < 1) visit(k + 1, xx, yy, xy, prob * (1 - p));
  };
  visit(0, 0, 0, 0, 1);
  const sigma2 = 1 / p;
  return { kTilde1: sigma2 * sum1, kTilde2: sigma2 * sigma2 * sum2, d, support: coords.length };
}
