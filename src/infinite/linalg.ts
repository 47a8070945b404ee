// Float64 dense linear algebra of the kernel methods, through the active backend (getBackend()): cpu runs
// the core/linalg reference (and its plain-loop GEMM), wasm delegates float64 to cpu, native calls
// OpenBLAS/LAPACK (dgemm, dpotrf, dtrsm, dsyevd). Row-major as core/linalg: a matrix [n, m] is n·m entries.
//   matmul(A, B, m, k, n, {transA, transB})   C [m, n] = op(A) · op(B), op(A) [m, k], op(B) [k, n]
//   gram(A, n, B, m, d)                        G [n, m] = A Bᵀ for rows A [n, d], B [m, d]
//   selfGram(A, n, d)                          G [n, n] = A Aᵀ, exactly symmetric (upper triangle mirrored)
//   blockGrams(X, count, P, C)                 X_i X_iᵀ [count, P, P] for blocks X_i [P, C] (one batched GEMM)
//   cholesky(A, n), choleskySolve(L, B, n, m), eigh(A, n)
// Eigenvectors from LAPACK may differ in sign from the reference's; callers use only sign-invariant
// products (V f(Λ) Vᵀ).
import { getBackend } from '../backend/registry.js';
import { checkSize, type SymmetricEigen } from '../core/linalg.js';
import { rangeError } from '../core/errors.js';

const FIRST = new Int32Array(1); // batch offsets of a single GEMM (read only)

/** C [m, n] = op(A) · op(B): A is [m, k] (or [k, m] with transA), B is [k, n] (or [n, k] with transB). */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, o: { transA?: boolean; transB?: boolean } = {}): Float64Array {
  const transA = o.transA ?? false, transB = o.transB ?? false;
  checkSize('matmul', 'A', A, transA ? k : m, transA ? m : k);
  checkSize('matmul', 'B', B, transB ? n : k, transB ? k : n);
  const C = new Float64Array(m * n);
  if (m === 0 || n === 0 || k === 0) return C;
  getBackend().gemm({ m, n, k, transA, transB, batch: 1, aOffsets: FIRST, bOffsets: FIRST }, A, B, C);
  return C;
}

/** G [n, m] with G[i, j] = A_i · B_j for rows A [n, d] and B [m, d]. */
export const gram = (A: Float64Array, n: number, B: Float64Array, m: number, d: number): Float64Array => matmul(A, B, n, d, m, { transB: true });

/**
 * G [n, n] = A Aᵀ with G[j, i] set to G[i, j] (i < j), so the matrix is exactly symmetric whatever
 * order a fast GEMM sums in, and its diagonal is the rows' own squared norms as the off-diagonal sees them.
 */
export function selfGram(A: Float64Array, n: number, d: number): Float64Array {
  const G = gram(A, n, A, n, d);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) G[j * n + i] = G[i * n + j]!;
  return G;
}

/** X_i X_iᵀ for count consecutive blocks X_i [P, C] of X [count·P, C] → [count, P, P]. */
export function blockGrams(X: Float64Array, count: number, P: number, C: number): Float64Array {
  checkSize('blockGrams', 'X', X, count * P, C);
  const out = new Float64Array(count * P * P);
  if (count === 0 || P === 0 || C === 0) return out;
  if ((count - 1) * P * C > 0x7fffffff) throw rangeError('blockGrams', 'X', 'at most 2³¹ entries before the last block (32-bit GEMM batch offsets)', count * P * C);
  const offsets = Int32Array.from({ length: count }, (_, i) => i * P * C);
  getBackend().gemm({ m: P, n: P, k: C, transA: false, transB: true, batch: count, aOffsets: offsets, bOffsets: offsets }, X, X, out);
  return out;
}

/** Lower-triangular L [n, n] with A = L Lᵀ (a non-positive-definite A is an error naming `op`). */
export const cholesky = (A: Float64Array, n: number, op = 'cholesky'): Float64Array => getBackend().cholesky(A, n, op);

/** X [n, m] solving A X = B given the Cholesky factor L of A: L Y = B, then Lᵀ X = Y. */
export function choleskySolve(L: Float64Array, B: Float64Array, n: number, m: number): Float64Array {
  const b = getBackend();
  return b.solveTriangular(L, b.solveTriangular(L, B, n, m, false), n, m, true);
}

/** Eigenvalues ascending and unit eigenvectors as rows (A = Vᵀ diag(λ) V) of a symmetric A [n, n]. */
export const eigh = (A: Float64Array, n: number): SymmetricEigen => getBackend().eighSym(A, n);
