// The backend-routed float64 linear algebra of the kernel methods (src/infinite/linalg.ts) against the
// core/linalg reference on every engine backend, on odd sizes: GEMM with each transpose, Gram matrices
// (selfGram exactly symmetric), batched block Grams, Cholesky solves, and eigendecompositions compared by
// what is sign-invariant (reconstruction Vᵀ diag(λ) V, orthonormality), never by raw eigenvectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBackend } from '../../src/backend/registry.js';
import * as ref from '../../src/core/linalg.js';
import { key, normalValues } from '../../src/core/random.js';
import { blockGrams, cholesky, choleskySolve, eigh, gram, matmul, selfGram } from '../../src/infinite/linalg.js';
import { engineBackends } from '../support/backends.js';

const backends = await engineBackends();
const SIZES = [1, 31, 33, 64];

/** max |a − b| ≤ tol · max(1, max |b|). */
function near(a: Float64Array, b: Float64Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1, worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst <= tol * scale, `${what}: max difference ${worst} > ${tol} × ${scale}`);
}

/** A well-conditioned SPD matrix X Xᵀ/d + I [n, n]. */
function spd(n: number, seed: number): Float64Array {
  const d = n + 3, X = normalValues(key(seed), n * d, 'f64');
  const A = ref.gram(X, n, X, n, d);
  for (let i = 0; i < n * n; i++) A[i]! /= d;
  for (let i = 0; i < n; i++) A[i * n + i]! += 1;
  return A;
}

for (const backend of backends) {
  test(`[${backend.name}] matmul (all transposes), gram and selfGram equal the reference to 1e-12`, () => withBackend(backend, () => {
    for (const m of SIZES) for (const k of [1, 33]) for (const n of [1, 31]) {
      const A = normalValues(key(m * 7 + k), m * k, 'f64'), B = normalValues(key(n * 11 + k), k * n, 'f64');
      const C = ref.matmul(A, B, m, k, n);
      near(matmul(A, B, m, k, n), C, 1e-12, `matmul ${m}×${k}×${n}`);
      near(matmul(ref.transpose(A, m, k), B, m, k, n, { transA: true }), C, 1e-12, 'transA');
      near(matmul(A, ref.transpose(B, k, n), m, k, n, { transB: true }), C, 1e-12, 'transB');
      near(matmul(ref.transpose(A, m, k), ref.transpose(B, k, n), m, k, n, { transA: true, transB: true }), C, 1e-12, 'transA transB');
      near(gram(A, m, ref.transpose(B, k, n), n, k), C, 1e-12, 'gram');
      const S = selfGram(A, m, k);
      near(S, ref.gram(A, m, A, m, k), 1e-12, 'selfGram');
      for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) assert.equal(S[i * m + j], S[j * m + i], 'selfGram exactly symmetric');
    }
    assert.deepEqual(Array.from(matmul(new Float64Array(0), new Float64Array(0), 3, 0, 2)), [0, 0, 0, 0, 0, 0], 'k = 0 gives zeros');
    assert.throws(() => matmul(new Float64Array(5), new Float64Array(6), 2, 3, 2), /matmul.*A expected 6 entries/);
  }));

  test(`[${backend.name}] blockGrams: X_i X_iᵀ of each [P, C] block equals the per-block reference`, () => withBackend(backend, () => {
    for (const [count, P, C] of [[1, 1, 1], [5, 1, 33], [3, 9, 4], [7, 4, 31]] as const) {
      const X = normalValues(key(count + P + C), count * P * C, 'f64');
      const expected = new Float64Array(count * P * P);
      for (let i = 0; i < count; i++) {
        const rows = X.subarray(i * P * C, (i + 1) * P * C);
        expected.set(ref.gram(rows, P, rows, P, C), i * P * P);
      }
      near(blockGrams(X, count, P, C), expected, 1e-12, `blockGrams ${count}×[${P}, ${C}]`);
    }
    assert.throws(() => blockGrams(new Float64Array(5), 2, 1, 3), /blockGrams.*X expected 6 entries/);
  }));

  test(`[${backend.name}] cholesky and choleskySolve equal the reference; a singular matrix is a clear error`, () => withBackend(backend, () => {
    for (const n of SIZES) {
      const A = spd(n, n), B = normalValues(key(n + 100), n * 3, 'f64');
      const L = cholesky(A, n);
      near(L, ref.cholesky(A, n), 1e-12, `cholesky ${n}`);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L[i * n + j], 0, 'lower triangular');
      const X = choleskySolve(L, B, n, 3);
      near(X, ref.choleskySolve(ref.cholesky(A, n), B, n, 3), 1e-10, `choleskySolve ${n}`);
      near(ref.matmul(A, X, n, n, 3), B, 1e-10, 'A X = B');
    }
    assert.throws(() => cholesky(Float64Array.from([1, 1, 1, 1]), 2, 'myOp'), /myOp.*positive-definite.*diagReg/);
  }));

  test(`[${backend.name}] eigh: ascending eigenvalues equal the reference, Vᵀ diag(λ) V = A and V Vᵀ = I (signs may differ)`, () => withBackend(backend, () => {
    for (const n of SIZES) {
      const A = spd(n, n + 1);
      for (let i = 0; i < n; i++) A[i * n + i]! -= 1.5; // indefinite too
      const { values, vectors } = eigh(A, n);
      near(values, ref.symmetricEigen(A, n).values, 1e-12, `eigenvalues ${n}`);
      for (let k = 1; k < n; k++) assert.ok(values[k]! >= values[k - 1]!, 'ascending');
      near(ref.eigenFunction({ values, vectors }, (l) => l), A, 1e-12, `reconstruction ${n}`);
      const eye = new Float64Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      near(ref.matmul(vectors, ref.transpose(vectors, n, n), n, n, n), eye, 1e-12, `orthonormal ${n}`);
    }
  }));
}
