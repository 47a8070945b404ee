// Empirical kernel distance D = mean over input pairs and weight draws of (Θ_GP(x, y) − Θ^∞(x, y))²
// (readoutKernel.ts), as the wide-sparse paper measures it (10^4 test pairs × 10 initialisations):
//   - empiricalDistance: Monte Carlo over Bernoulli-sparse Gaussian weights, an unbiased estimate of
//     Theorem 1's D (kernelDistance.ts) for every pair, with its standard error over draws;
//   - readoutDistanceOfWeights: the distance of given first-layer weight matrices (a real model's masked
//     weights at initialisation, e.g. with exact-count masks).
// Both use one GEMM per side for a whole batch of draws: [U Xᵀ]_+ with U the stacked draws [B·n, d]
// (U on the left, where the reference GEMM skips zeros, so the cost scales with the non-zero weights).
import { shapeError, valueError } from '../core/errors.js';
import { foldIn, type Key } from '../core/random.js';
import { mul, reshape, sum, Tensor } from '../tensor/index.js';
import { checkDensity, checkPositive, columnsTensor, rowsTensor, toRows, type MatrixLike, type Rows, type VectorLike } from './inputs.js';
import { hiddenActivations, infiniteReadoutKernelPairs, weightsAsF64 } from './readoutKernel.js';
import { sampleSparseGaussianWeights } from './sparseWeights.js';

/** Input pairs: row-paired matrices X, Y [P, d] (or two vectors), or a list of [x, y] pairs. */
export type PairInput =
  | { readonly x: MatrixLike | VectorLike; readonly y: MatrixLike | VectorLike }
  | { readonly pairs: readonly (readonly [VectorLike, VectorLike])[] };

/** Elements per hidden-activation intermediate [pairs, B·n] (8 MiB of f64). */
const BATCH_ELEMENTS = 1 << 20;
/** Draws sampled together from one key: block k holds draws 64k … 64k + 63 and uses key foldIn(key, k). */
const DRAWS_PER_BLOCK = 64;

function pairRows(op: string, input: PairInput): { X: Rows; Y: Rows } {
  const [X, Y] = 'pairs' in input
    ? [toRows(op, 'pairs[·][0]', input.pairs.map((p) => p[0])), toRows(op, 'pairs[·][1]', input.pairs.map((p) => p[1]))]
    : [toRows(op, 'x', input.x), toRows(op, 'y', input.y)];
  if (X.rows === 0) throw valueError(op, 'pairs', 'at least one input pair', 0);
  if (X.rows !== Y.rows || X.d !== Y.d) throw shapeError(op, 'y', `[${X.rows}, ${X.d}] (the shape of x)`, [Y.rows, Y.d]);
  return { X, Y };
}

/**
 * Mean over the P pairs of (Θ_GP − Θ^∞)² for each of the B weight matrices stacked in U [B·n, d] → [B]:
 * nd·Θ_GP[b, i] = Σ_{units j of draw b} [U_j·X_i]_+ [U_j·Y_i]_+, from one GEMM per side, U·Xᵀ [B·n, pairs].
 * Pairs are processed in chunks so that each hidden-activation intermediate stays ≤ BATCH_ELEMENTS.
 */
function squaredDeviationsPerDraw(U: Tensor, n: number, X: Rows, Y: Rows, infinite: Float64Array): Float64Array {
  const draws = U.shape[0]! / n, P = X.rows;
  const out = new Float64Array(draws);
  const scale = 1 / (n * X.d);
  const chunk = Math.max(1, Math.floor(BATCH_ELEMENTS / (draws * n)));
  for (let start = 0; start < P; start += chunk) {
    const rows = Math.min(chunk, P - start);
    const hx = hiddenActivations(U, columnsTensor(X, start, rows)), hy = hiddenActivations(U, columnsTensor(Y, start, rows));
    const theta = sum(reshape(mul(hx, hy), [draws, n, rows]), 1).data as Float64Array; // nd·Θ_GP [B, rows]
    for (let b = 0; b < draws; b++) {
      for (let i = 0; i < rows; i++) out[b]! += (theta[b * rows + i]! * scale - infinite[start + i]!) ** 2 / P;
    }
  }
  return out;
}

export interface DistanceEstimate {
  /** Mean over pairs and draws of (Θ_GP − Θ^∞)². */
  readonly distance: number;
  /** Standard error of `distance` over the draws (sample std of the per-draw pair means / sqrt(draws)). */
  readonly standardError: number;
  /** The per-draw pair means of (Θ_GP − Θ^∞)². */
  readonly perDraw: Float64Array;
  readonly pairs: number;
  readonly d: number;
}

function summarise(perDraw: Float64Array, pairs: number, d: number): DistanceEstimate {
  const B = perDraw.length;
  const mean = perDraw.reduce((s, v) => s + v, 0) / B;
  const variance = B > 1 ? perDraw.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1) : NaN;
  return { distance: mean, standardError: Math.sqrt(variance / B), perDraw, pairs, d };
}


/**
 * Monte-Carlo D for a network of width n and connection probability p over `draws` independent weight
 * matrices u [n, d] (entries N(0, 1/p) with probability p, else 0), sampled in blocks of 64 draws, block k
 * from foldIn(key, k). Converges to theorem1Distance (averaged over the pairs) as draws grows.
 */
export function empiricalDistance(args: PairInput & { p: number; n: number; key: Key; draws: number }): DistanceEstimate {
  const op = 'empiricalDistance';
  const { p, n, key, draws } = args;
  checkDensity(op, p);
  checkPositive(op, 'n', n, true);
  checkPositive(op, 'draws', draws, true);
  const { X, Y } = pairRows(op, args);
  const infinite = infiniteReadoutKernelPairs(rowsTensor(X), rowsTensor(Y));
  const perDraw = new Float64Array(draws);
  for (let block = 0; block * DRAWS_PER_BLOCK < draws; block++) {
    const count = Math.min(DRAWS_PER_BLOCK, draws - block * DRAWS_PER_BLOCK);
    const U = sampleSparseGaussianWeights(foldIn(key, block), { n: count * n, d: X.d, p }); // [count·n, d], i.i.d. entries
    perDraw.set(squaredDeviationsPerDraw(U, n, X, Y, infinite), block * DRAWS_PER_BLOCK);
  }
  return summarise(perDraw, X.rows, X.d);
}

/**
 * D of given first-layer weights: one matrix u [n, d] or several (independent initialisations), each
 * optionally multiplied by its mask (same shape, 0/1) and by `scale`. The convention is E[u_ij²] = 1
 * (NTK parameterisation, N(0, 1/p) on the mask); rescale other initialisations to it with `scale`, e.g.
 * sqrt(d) for N(0, 1/(d·p)) and sqrt(3d) for U(±1/sqrt(d·p)) (PyTorch-style sparse re-initialisation).
 * `perDraw` holds one value per matrix; the standard error is over matrices (NaN for one).
 */
export function readoutDistanceOfWeights(args: PairInput & { weights: Tensor | readonly Tensor[]; masks?: Tensor | readonly Tensor[]; scale?: number }): DistanceEstimate {
  const op = 'readoutDistanceOfWeights';
  const { X, Y } = pairRows(op, args);
  const weights = args.weights instanceof Tensor ? [args.weights] : args.weights;
  const masks = args.masks === undefined ? undefined : args.masks instanceof Tensor ? [args.masks] : args.masks;
  const scale = args.scale ?? 1;
  checkPositive(op, 'scale', scale);
  if (weights.length === 0) throw valueError(op, 'weights', 'at least one weight matrix', 0);
  if (masks !== undefined && masks.length !== weights.length) throw shapeError(op, 'masks', `${weights.length} masks (one per weight matrix)`, masks.length);
  const infinite = infiniteReadoutKernelPairs(rowsTensor(X), rowsTensor(Y));
  const perDraw = new Float64Array(weights.length);
  weights.forEach((w, i) => {
    const arg = weights.length > 1 ? `weights[${i}]` : 'weights';
    let u = weightsAsF64(op, arg, w, X.d);
    const mask = masks?.[i];
    if (mask !== undefined) {
      if (mask.shape.length !== 2 || mask.shape[0] !== u.shape[0] || mask.shape[1] !== u.shape[1]) {
        throw shapeError(op, masks!.length > 1 ? `masks[${i}]` : 'masks', `[${u.shape.join(', ')}] (the shape of ${arg})`, mask.shape);
      }
      u = mul(u, weightsAsF64(op, 'mask', mask));
    }
    if (scale !== 1) u = mul(u, scale);
    perDraw[i] = squaredDeviationsPerDraw(u, u.shape[0]!, X, Y, infinite)[0]!;
  });
  return summarise(perDraw, X.rows, X.d);
}
