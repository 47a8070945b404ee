// Dense float64 linear algebra on row-major Float64Arrays, for the kernel methods (infinite/, bounds/):
//   - gram / matmul: plain triple loops with contiguous inner loops (f64 accumulate);
//   - symmetricEigen: Householder tridiagonalisation, then the implicit QL algorithm with Wilkinson
//     shifts (the EISPACK tred2/tql2 pair), eigenvalues ascending with orthonormal eigenvectors;
//   - cholesky, triangular solves and choleskySolve for symmetric positive-definite systems.
// A matrix [n, m] is a Float64Array of n·m entries, element (i, j) at i·m + j.
import { rangeError, shapeError, TesseraError } from './errors.js';

export function checkSize(op: string, arg: string, a: ArrayLike<number>, n: number, m: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0) throw rangeError(op, 'shape', 'non-negative integer dimensions', [n, m]);
  if (a.length !== n * m) throw shapeError(op, arg, `${n * m} entries ([${n}, ${m}])`, `${a.length} entries`);
}

/** G [n, m] with G[i, j] = A_i · B_j for rows A [n, d] and B [m, d]; symmetric work halved when B is A. */
export function gram(A: Float64Array, n: number, B: Float64Array, m: number, d: number): Float64Array {
  checkSize('gram', 'A', A, n, d);
  checkSize('gram', 'B', B, m, d);
  const same = A === B && n === m;
  const out = new Float64Array(n * m);
  const put = (i: number, j: number, s: number): void => {
    out[i * m + j] = s;
    if (same) out[j * m + i] = s;
  };
  for (let i = 0; i < n; i++) {
    const a0 = i * d;
    let j = same ? i : 0;
    // Four dot products at a time share the loads of row i (about 2× faster than one at a time).
    for (; j + 4 <= m; j += 4) {
      const b0 = j * d, b1 = b0 + d, b2 = b1 + d, b3 = b2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = 0; q < d; q++) {
        const a = A[a0 + q]!;
        s0 += a * B[b0 + q]!;
        s1 += a * B[b1 + q]!;
        s2 += a * B[b2 + q]!;
        s3 += a * B[b3 + q]!;
      }
      put(i, j, s0);
      put(i, j + 1, s1);
      put(i, j + 2, s2);
      put(i, j + 3, s3);
    }
    for (; j < m; j++) {
      const b0 = j * d;
      let s = 0;
      for (let q = 0; q < d; q++) s += A[a0 + q]! * B[b0 + q]!;
      put(i, j, s);
    }
  }
  return out;
}

/** C [n, m] = A [n, k] · B [k, m] (transB: B given as [m, k]). */
export function matmul(A: Float64Array, B: Float64Array, n: number, k: number, m: number, options: { transB?: boolean } = {}): Float64Array {
  if (options.transB) return gram(A, n, B, m, k);
  checkSize('matmul', 'A', A, n, k);
  checkSize('matmul', 'B', B, k, m);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let q = 0; q < k; q++) {
      const a = A[i * k + q]!;
      if (a === 0) continue;
      const b0 = q * m;
      for (let j = 0; j < m; j++) out[o + j]! += a * B[b0 + j]!;
    }
  }
  return out;
}

/** Aᵀ of A [n, m] → [m, n]. */
export function transpose(A: Float64Array, n: number, m: number): Float64Array {
  checkSize('transpose', 'A', A, n, m);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = A[i * m + j]!;
  return out;
}

/** A is [n, n], finite and symmetric to 1e-10 of its largest entry; errors name `op`. */
export function checkSymmetric(op: string, A: Float64Array, n: number): void {
  checkSize(op, 'A', A, n, n);
  let scale = 0;
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) throw new TesseraError('value', op, `A expected finite entries, got ${A[i]} at (${Math.floor(i / n)}, ${i % n})`);
    scale = Math.max(scale, Math.abs(A[i]!));
  }
  // In 64×64 tiles, so the transposed reads stay in cache (a plain row sweep took 1.3 s at n = 10,000).
  const tol = 1e-10 * scale, T = 64;
  for (let i0 = 0; i0 < n; i0 += T) {
    for (let j0 = 0; j0 <= i0; j0 += T) {
      for (let i = i0; i < Math.min(i0 + T, n); i++) {
        for (let j = j0; j < Math.min(j0 + T, i); j++) {
          if (Math.abs(A[i * n + j]! - A[j * n + i]!) > tol) {
            throw new TesseraError('value', op, `A expected a symmetric matrix, got A[${i}, ${j}] = ${A[i * n + j]} ≠ A[${j}, ${i}] = ${A[j * n + i]}`);
          }
        }
      }
    }
  }
}

export interface SymmetricEigen {
  /** Eigenvalues in ascending order [n]. */
  readonly values: Float64Array;
  /** Eigenvectors as rows [n, n]: row k is the unit eigenvector of values[k] (A = Vᵀ diag(λ) V). */
  readonly vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric A [n, n] (only the lower triangle is read after the symmetry
 * check). Householder reduction to tridiagonal form accumulating Q, then implicit QL iterations.
 */
export function symmetricEigen(A: Float64Array, n: number): SymmetricEigen {
  const op = 'symmetricEigen';
  checkSymmetric(op, A, n);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const a = Float64Array.from(A);
  const d = new Float64Array(n), e = new Float64Array(n);
  // Householder: for i = n−1 … 1, annihilate row i left of the subdiagonal; a ends up holding Q.
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k]!);
      if (scale === 0) {
        e[i] = a[i * n + l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          a[i * n + k]! /= scale;
          h += a[i * n + k]! * a[i * n + k]!;
        }
        let f = a[i * n + l]!;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[i * n + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          a[j * n + i] = a[i * n + j]! / h;
          g = 0;
          for (let k = 0; k <= j; k++) g += a[j * n + k]! * a[i * n + k]!;
          for (let k = j + 1; k <= l; k++) g += a[k * n + j]! * a[i * n + k]!;
          e[j] = g / h;
          f += e[j]! * a[i * n + j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = a[i * n + j]!;
          g = e[j]! - hh * f;
          e[j] = g;
          for (let k = 0; k <= j; k++) a[j * n + k]! -= f * e[k]! + g * a[i * n + k]!;
        }
      }
    } else {
      e[i] = a[i * n + l]!;
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  // Accumulate the transformations into Q (stored in a).
  for (let i = 0; i < n; i++) {
    if (d[i] !== 0) {
      for (let j = 0; j < i; j++) {
        let g = 0;
        for (let k = 0; k < i; k++) g += a[i * n + k]! * a[k * n + j]!;
        for (let k = 0; k < i; k++) a[k * n + j]! -= g * a[k * n + i]!;
      }
    }
    d[i] = a[i * n + i]!;
    a[i * n + i] = 1;
    for (let j = 0; j < i; j++) {
      a[j * n + i] = 0;
      a[i * n + j] = 0;
    }
  }
  // z holds Qᵀ: row k is column k of Q, so the QL rotations below touch contiguous rows.
  const z = transpose(a, n, n);
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iterations++ === 100) throw new TesseraError('value', op, `the QL iteration did not converge for eigenvalue ${l} of a ${n}×${n} matrix`);
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!, b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1]! -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const zi = i * n, zi1 = (i + 1) * n;
        for (let k = 0; k < n; k++) {
          const t = z[zi1 + k]!;
          z[zi1 + k] = s * z[zi + k]! + c * t;
          z[zi + k] = c * z[zi + k]! - s * t;
        }
      }
      if (underflow) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  // Sort ascending.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src]!;
    vectors.set(z.subarray(src * n, src * n + n), k * n);
  });
  return { values, vectors };
}

/** V f(λ) Vᵀ for a symmetric eigendecomposition: the matrix function f(A) [n, n]. */
export function eigenFunction(eig: SymmetricEigen, f: (lambda: number) => number): Float64Array {
  const n = eig.values.length;
  const scaled = new Float64Array(n * n); // row k = f(λ_k)·v_k
  for (let k = 0; k < n; k++) {
    const fk = f(eig.values[k]!);
    for (let i = 0; i < n; i++) scaled[k * n + i] = fk * eig.vectors[k * n + i]!;
  }
  // f(A)[i, j] = Σ_k v_k[i] f(λ_k) v_k[j] = (Vᵀ · scaled)[i, j].
  return matmul(transpose(eig.vectors, n, n), scaled, n, n, n);
}

/**
 * Lower-triangular L [n, n] with A = L Lᵀ for a symmetric positive-definite A. A non-positive pivot
 * is an error naming the pivot and suggesting a diagonal regulariser.
 */
export function cholesky(A: Float64Array, n: number, op = 'cholesky'): Float64Array {
  checkSymmetric(op, A, n);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j]!;
    for (let k = 0; k < j; k++) s -= L[j * n + k]! * L[j * n + k]!;
    if (!(s > 0)) {
      throw new TesseraError('value', op, `A expected a positive-definite matrix, got pivot ${s} at row ${j} of ${n}; ` +
        'the kernel matrix is singular or ill-conditioned: add a diagonal regulariser (diagReg > 0)');
    }
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j]!;
      for (let k = 0; k < j; k++) t -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = t / ljj;
    }
  }
  return L;
}

/** X [n, m] solving L X = B for lower-triangular L [n, n] and B [n, m]. */
export function solveLower(L: Float64Array, B: Float64Array, n: number, m: number): Float64Array {
  checkSize('solveLower', 'L', L, n, n);
  checkSize('solveLower', 'B', B, n, m);
  const X = Float64Array.from(B);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k]!;
      if (l === 0) continue;
      for (let j = 0; j < m; j++) X[i * m + j]! -= l * X[k * m + j]!;
    }
    const lii = L[i * n + i]!;
    for (let j = 0; j < m; j++) X[i * m + j]! /= lii;
  }
  return X;
}

/** X [n, m] solving Lᵀ X = B for lower-triangular L [n, n] and B [n, m]. */
export function solveUpperTransposed(L: Float64Array, B: Float64Array, n: number, m: number): Float64Array {
  checkSize('solveUpperTransposed', 'L', L, n, n);
  checkSize('solveUpperTransposed', 'B', B, n, m);
  const X = Float64Array.from(B);
  for (let i = n - 1; i >= 0; i--) {
    const lii = L[i * n + i]!;
    for (let j = 0; j < m; j++) X[i * m + j]! /= lii;
    // Row i of X is final: remove its contribution from the rows above (Lᵀ[k, i] = L[i, k]).
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k]!;
      if (l === 0) continue;
      for (let j = 0; j < m; j++) X[k * m + j]! -= l * X[i * m + j]!;
    }
  }
  return X;
}

/** X [n, m] solving A X = B given the Cholesky factor L of A. */
export function choleskySolve(L: Float64Array, B: Float64Array, n: number, m: number): Float64Array {
  return solveUpperTransposed(L, solveLower(L, B, n, m), n, m);
}
