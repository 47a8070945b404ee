// Arc-cosine kernels of order l = 1, 2 (Cho & Saul 2009), normalised as Gaussian expectations:
//
//   K_l(x, y) = E_{w ~ N(0, I_d)} [ [w·x]_+^l [w·y]_+^l ] = (1/2π) |x|^l |y|^l J_l(θ),
//   cos θ = x·y / (|x||y|),
//   J_1(θ) = sin θ + (π − θ) cos θ,
//   J_2(θ) = 3 sin θ cos θ + (π − θ)(1 + 2 cos²θ).
//
// So K_1(x, x) = |x|²/2, K_1 at θ = π/2 is |x||y|/(2π), K_2(x, x) = 3|x|⁴/2 (E[relu(z)⁴] = 3/2).
// K_1 is the ReLU NNGP map of neural-tangents (sqrt(K11 K22)/2π)(sin θ + (π−θ) cos θ) with
// (K11, K22, K12) = (|x|², |y|², x·y); the moment form below is the building block for that recursion.
// Cho & Saul's k_l is twice this (their integral carries a factor 2).
import { shapeError, valueError } from '../core/errors.js';
import { matmul, Tensor } from '../tensor/index.js';
import { rowSquaredNorms, rowsTensor, toRows, toVector, type MatrixLike, type VectorLike } from './inputs.js';

export type ArcCosineOrder = 1 | 2;

function checkOrder(op: string, order: number): asserts order is ArcCosineOrder {
  if (order !== 1 && order !== 2) throw valueError(op, 'order', '1 or 2', order);
}

/** J_l(θ) for θ ∈ [0, π], given cos θ (sin θ = sqrt(1 − cos²θ) ≥ 0 there). */
export function arcCosineJ(order: ArcCosineOrder, cosTheta: number): number {
  const c = Math.min(1, Math.max(-1, cosTheta));
  const theta = Math.acos(c);
  const s = Math.sqrt(Math.max(0, 1 - c * c));
  return order === 1 ? s + (Math.PI - theta) * c : 3 * s * c + (Math.PI - theta) * (1 + 2 * c * c);
}

/**
 * K_l from the second moments (|x|², |y|², x·y) = (xx, yy, xy):
 * (1/2π)(xx·yy)^{l/2} J_l(θ) with cos θ = xy / sqrt(xx·yy) clamped into [−1, 1]; 0 when x or y is 0.
 */
export function arcCosineFromMoments(order: ArcCosineOrder, xx: number, yy: number, xy: number): number {
  const normProduct = Math.sqrt(xx * yy);
  if (!(normProduct > 0)) return 0;
  const scale = order === 1 ? normProduct : normProduct * normProduct;
  return (scale / (2 * Math.PI)) * arcCosineJ(order, xy / normProduct);
}

/** K_l(x, y) for two vectors of the same length. */
export function arcCosineKernel(order: ArcCosineOrder, x: VectorLike, y: VectorLike): number {
  const op = 'arcCosineKernel';
  checkOrder(op, order);
  const a = toVector(op, 'x', x), b = toVector(op, 'y', y);
  if (a.length !== b.length) throw shapeError(op, 'y', `length ${a.length} (the length of x)`, `length ${b.length}`);
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < a.length; i++) {
    xx += a[i]! * a[i]!;
    yy += b[i]! * b[i]!;
    xy += a[i]! * b[i]!;
  }
  return arcCosineFromMoments(order, xx, yy, xy);
}

/** The Gram matrix G[i, j] = K_l(X_i, Y_j) for rows X [n, d] and Y [m, d] → f64 [n, m]; X·Yᵀ is one GEMM. */
export function arcCosineGram(order: ArcCosineOrder, X: MatrixLike, Y: MatrixLike): Tensor {
  const op = 'arcCosineGram';
  checkOrder(op, order);
  const a = toRows(op, 'X', X), b = toRows(op, 'Y', Y);
  if (a.d !== b.d) throw shapeError(op, 'Y', `rows of length ${a.d} (the row length of X)`, `rows of length ${b.d}`);
  const dots = matmul(rowsTensor(a), rowsTensor(b), { transB: true }).data as Float64Array;
  const xx = rowSquaredNorms(a), yy = rowSquaredNorms(b);
  const out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) out[i * b.rows + j] = arcCosineFromMoments(order, xx[i]!, yy[j]!, dots[i * b.rows + j]!);
  }
  return new Tensor(out, [a.rows, b.rows]);
}

/** Row-paired kernels k[i] = K_l(X_i, Y_i) for X, Y [P, d] → Float64Array [P]. */
export function arcCosinePairs(order: ArcCosineOrder, X: MatrixLike, Y: MatrixLike): Float64Array {
  const op = 'arcCosinePairs';
  checkOrder(op, order);
  const a = toRows(op, 'X', X), b = toRows(op, 'Y', Y);
  if (a.rows !== b.rows || a.d !== b.d) throw shapeError(op, 'Y', `[${a.rows}, ${a.d}] (the shape of X)`, [b.rows, b.d]);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let xx = 0, yy = 0, xy = 0;
    for (let j = 0; j < a.d; j++) {
      const u = a.data[i * a.d + j]!, v = b.data[i * a.d + j]!;
      xx += u * u;
      yy += v * v;
      xy += u * v;
    }
    out[i] = arcCosineFromMoments(order, xx, yy, xy);
  }
  return out;
}
