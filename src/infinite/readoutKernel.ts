// The readout ("GP") kernel of a one-hidden-layer ReLU network f(x) = (nd)^{-1/2} vᵀ[ux]_+ (no biases,
// NTK parameterisation), i.e. the last-layer NTK ∇_v f(x)·∇_v f(y):
//
//   Θ_GP(x, y) = (1/(nd)) Σ_i [u_i·x]_+ [u_i·y]_+          (u [n, d]: rows u_i are hidden units)
//
// Its infinite-width limit for dense u_ij ~ N(0, 1) is Θ^∞(x, y) = K_1(x, y)/d (arccos.ts), because
// E[[w·x]_+[w·y]_+] = K_1(x, y) for w ~ N(0, I). The weight convention is E[u_ij²] = 1: dense N(0, 1), or
// N(0, 1/p) on a fraction p of the entries (the paper's σ² = 1/p).
import { shapeError } from '../core/errors.js';
import { matmul, mul, relu, sum, Tensor } from '../tensor/index.js';
import { arcCosineGram, arcCosinePairs } from './arccos.js';
import { columnsTensor, rowsTensor, toRows, type MatrixLike } from './inputs.js';

/** Hidden activations H = [u Xᵀ]_+ → [n, rows] for u [n, d] and the inputs as columns Xᵀ [d, rows] (both f64). */
export function hiddenActivations(u: Tensor, columns: Tensor): Tensor {
  return relu(matmul(u, columns));
}

/** u as f64 [n, d] after checking its shape against the input dimension d. */
export function weightsAsF64(op: string, arg: string, u: Tensor, d?: number): Tensor {
  if (u.rank !== 2) throw shapeError(op, arg, 'a weight matrix [n, d] (hidden units × inputs)', u.shape);
  if (d !== undefined && u.shape[1] !== d) throw shapeError(op, arg, `[n, ${d}] (d = the input dimension)`, u.shape);
  return u.dtype === 'f64' ? u : new Tensor(Float64Array.from(u.data), u.shape);
}

/** Θ_GP for each row pair (X_i, Y_i) → Float64Array [P]: one GEMM per side, then columnwise dot products. */
export function readoutKernelPairs(u: Tensor, X: MatrixLike, Y: MatrixLike): Float64Array {
  const op = 'readoutKernelPairs';
  const a = toRows(op, 'X', X), b = toRows(op, 'Y', Y);
  if (a.rows !== b.rows || a.d !== b.d) throw shapeError(op, 'Y', `[${a.rows}, ${a.d}] (the shape of X)`, [b.rows, b.d]);
  const w = weightsAsF64(op, 'u', u, a.d);
  const products = sum(mul(hiddenActivations(w, columnsTensor(a)), hiddenActivations(w, columnsTensor(b))), 0);
  return mul(products, 1 / (w.shape[0]! * a.d)).data as Float64Array;
}

/** Θ_GP Gram matrix G[i, j] = Θ_GP(X_i, Y_j) → f64 [P, Q] = [u Xᵀ]_+ᵀ [u Yᵀ]_+ / (nd). */
export function readoutKernelGram(u: Tensor, X: MatrixLike, Y: MatrixLike): Tensor {
  const op = 'readoutKernelGram';
  const a = toRows(op, 'X', X), b = toRows(op, 'Y', Y);
  if (a.d !== b.d) throw shapeError(op, 'Y', `rows of length ${a.d} (the row length of X)`, `rows of length ${b.d}`);
  const w = weightsAsF64(op, 'u', u, a.d);
  const hx = hiddenActivations(w, columnsTensor(a)), hy = hiddenActivations(w, columnsTensor(b));
  return mul(matmul(hx, hy, { transA: true }), 1 / (w.shape[0]! * a.d));
}

/** Θ^∞(X_i, Y_i) = K_1(X_i, Y_i)/d for each row pair → Float64Array [P]. */
export function infiniteReadoutKernelPairs(X: MatrixLike, Y: MatrixLike): Float64Array {
  const a = toRows('infiniteReadoutKernelPairs', 'X', X), b = toRows('infiniteReadoutKernelPairs', 'Y', Y);
  return arcCosinePairs(1, rowsTensor(a), rowsTensor(b)).map((k) => k / a.d);
}

/** Θ^∞ Gram matrix K_1(X_i, Y_j)/d → f64 [P, Q]. */
export function infiniteReadoutKernelGram(X: MatrixLike, Y: MatrixLike): Tensor {
  const a = toRows('infiniteReadoutKernelGram', 'X', X);
  return mul(arcCosineGram(1, rowsTensor(a), Y), 1 / a.d);
}
