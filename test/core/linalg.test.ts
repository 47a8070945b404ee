// Float64 linear algebra against NumPy fixtures (scripts/fixtures/linalg_golden.py) and closed forms:
// eigenvalues, A = Vᵀ diag(λ) V with orthonormal V, Cholesky factors, solves, matrix functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cholesky, choleskySolve, eigenFunction, gram, matmul, solveLower, symmetricEigen, transpose } from '../../src/core/linalg.js';
import { TesseraError } from '../../src/core/errors.js';

interface Case { name: string; n: number; A: number[]; eigenvalues: number[]; L?: number[]; B?: number[]; X?: number[] }
const fixtures = JSON.parse(readFileSync(new URL('../../../test/fixtures/linalg-golden.json', import.meta.url), 'utf8')) as { cases: Case[] };

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

for (const c of fixtures.cases) {
  test(`symmetricEigen ${c.name}: eigenvalues match numpy.eigh, V orthonormal, Vᵀ diag(λ) V = A`, () => {
    const A = Float64Array.from(c.A), n = c.n;
    const { values, vectors } = symmetricEigen(A, n);
    const scale = Math.max(1, ...c.eigenvalues.map(Math.abs));
    assert.ok(maxDiff(values, c.eigenvalues) < 1e-12 * scale, `${c.name}: eigenvalues ${values} vs ${c.eigenvalues}`);
    const VVt = matmul(vectors, vectors, n, n, n, { transB: true });
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(VVt[i * n + j]! - (i === j ? 1 : 0)) < 1e-12, 'orthonormal rows');
    assert.ok(maxDiff(eigenFunction({ values, vectors }, (l) => l), A) < 1e-12 * scale, 'reconstruction');
  });
  if (c.L) {
    test(`cholesky ${c.name}: L and A⁻¹B match numpy`, () => {
      const A = Float64Array.from(c.A), n = c.n;
      const L = cholesky(A, n);
      assert.ok(maxDiff(L, c.L!) < 1e-12 * Math.sqrt(n), 'L');
      const X = choleskySolve(L, Float64Array.from(c.B!), n, 3);
      assert.ok(maxDiff(X, c.X!) < 1e-12, 'solve');
    });
  }
}

test('closed forms: 2×2 eigenvalues (a ± b), exp via eigenFunction, gram = X·Xᵀ, triangular solve', () => {
  const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  assert.deepEqual(Array.from(values, (v) => Math.round(v * 1e12) / 1e12), [1, 3]);
  assert.ok(Math.abs(Math.abs(vectors[2]!) - Math.SQRT1_2) < 1e-14, 'eigenvector (1,1)/√2');
  // exp([[2,1],[1,2]]) = e²·[[cosh 1, sinh 1], [sinh 1, cosh 1]].
  const E = eigenFunction({ values, vectors }, Math.exp);
  const e2 = Math.exp(2);
  assert.ok(maxDiff(E, [e2 * Math.cosh(1), e2 * Math.sinh(1), e2 * Math.sinh(1), e2 * Math.cosh(1)]) < 1e-12);
  const X = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(gram(X, 2, X, 2, 3)), [14, 32, 32, 77]);
  assert.deepEqual(Array.from(transpose(X, 2, 3)), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(solveLower(Float64Array.from([2, 0, 1, 4]), Float64Array.from([2, 9]), 2, 1)), [1, 2]);
  // Diagonal and zero matrices: no iterations needed.
  assert.deepEqual(Array.from(symmetricEigen(Float64Array.from([3, 0, 0, -1]), 2).values), [-1, 3]);
  assert.deepEqual(Array.from(symmetricEigen(new Float64Array(9), 3).values), [0, 0, 0]);
});

test('bad input: non-symmetric, NaN, wrong size, singular Cholesky give clear errors', () => {
  assert.throws(() => symmetricEigen(Float64Array.from([1, 2, 3, 4]), 2), (e: unknown) => e instanceof TesseraError && /symmetric/.test(e.message));
  assert.throws(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 4]), 2), /finite/);
  assert.throws(() => cholesky(Float64Array.from([1, 2, 3]), 2), /4 entries/);
  assert.throws(() => cholesky(Float64Array.from([1, 1, 1, 1]), 2), /positive-definite.*diagReg/);
});
