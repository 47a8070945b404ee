// gradientDescentMseEnsemble against the predict check of research/kernels-bounds.md §C (to 1e-6),
// closed forms on the training set, t → ∞ consistency between the eigen and Cholesky paths, diag_reg,
// full vs diagonal covariance, and clear errors — each on every engine backend (the linear algebra runs on
// the active one); and the backend-routed path against the reference formulas computed with core/linalg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';
import * as ref from '../../src/core/linalg.js';
import { key } from '../../src/core/random.js';
import { random } from '../../src/tensor/index.js';
import { dense, erf, gradientDescentMseEnsemble, kernelFn, relu, serial } from '../../src/infinite/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);
const s2 = Math.SQRT2;
const reluNet = serial(dense(512, { wStd: s2, bStd: 0 }), relu(), dense(1, { wStd: s2, bStd: 0 }));

function oneTrainPoint() {
  const tr = kernelFn(reluNet, [[1, 0]]), te = kernelFn(reluNet, [[1, 1]], [[1, 0]]), tt = kernelFn(reluNet, [[1, 1]]);
  const predict = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 1 });
  return { predict, te, tt };
}

const backends = await engineBackends();

for (const backend of backends) test(`[${backend.name}] §C predict check: train {(1,0) → 1}, test (1,1): NTK and NNGP mean/var at t = 1 and t = ∞, train var at t = 1`, () => withBackend(backend, () => {
  const { predict, te, tt } = oneTrainPoint();
  const at = (t: number | null, get: 'nngp' | 'ntk') => predict({ t, get, testTrain: te, testTestNngp: tt.nngp, cov: 'full' });
  const cases: [number | null, 'nngp' | 'ntk', number, number][] = [
    [1, 'ntk', 0.786114, 0.938348], [1, 'nngp', 0.675301, 1.013170], [null, 'ntk', 0.909155, 0.884044], [Infinity, 'nngp', 1.068310, 0.858714],
  ];
  for (const [t, get, mean, variance] of cases) {
    const p = at(t, get);
    close(p.mean[0]!, mean, 1e-6, `${get} t=${t} mean`);
    close(p.cov![0]!, variance, 1e-6, `${get} t=${t} var`);
  }
  close(predict({ t: 1, get: 'ntk', cov: 'full' }).cov![0]!, 0.018316, 1e-6, 'NTK train var t=1');
  close(predict({ t: 1, get: 'nngp', cov: 'full' }).cov![0]!, 0.135335, 1e-6, 'NNGP train var t=1');
}));

for (const backend of backends) test(`[${backend.name}] training set: NTK mean (I − e^{−Θτ})Y and cov e^{−Θτ}Ke^{−Θτ}; eigen path at large t meets the Cholesky path; diag vs full cov`, () => withBackend(backend, () => {
  const X = random.normal(key(1), [9, 4], { dtype: 'f64' });
  const Xt = random.normal(key(2), [5, 4], { dtype: 'f64' });
  const net = serial(dense(8, { wStd: 1.5, bStd: 0.2 }), erf(), dense(8, { wStd: 1.5, bStd: 0.2 }), relu(), dense(1, { wStd: 1.5, bStd: 0.2 }));
  const tr = kernelFn(net, X), te = kernelFn(net, Xt, X), tt = kernelFn(net, Xt);
  const Y = random.normal(key(3), [9, 2], { dtype: 'f64' }).data as Float64Array;
  const predict = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Y, n: 9, outputs: 2, learningRate: 0.5 });
  // With one eigenpair direction at a time: e^{−Θτ} via a fresh eigendecomposition in the test.
  const late = predict({ t: 1e7, get: 'ntk', testTrain: te, testTestNngp: tt.nngp, cov: 'full' });
  const inf = predict({ t: null, get: 'ntk', testTrain: te, testTestNngp: tt.nngp, cov: 'full' });
  for (let i = 0; i < late.mean.length; i++) close(late.mean[i]!, inf.mean[i]!, 1e-7, 'mean t → ∞');
  for (let i = 0; i < late.cov!.length; i++) close(late.cov![i]!, inf.cov![i]!, 1e-7, 'cov t → ∞');
  for (const get of ['ntk', 'nngp'] as const) {
    const f = predict({ t: 3, get, testTrain: te, testTestNngp: tt.nngp, cov: 'full' });
    const d = predict({ t: 3, get, testTrain: te, testTestNngp: tt.nngpDiag1, cov: 'diagonal' });
    for (let i = 0; i < 5; i++) close(d.cov![i]!, f.cov![i * 6]!, 1e-10, `${get} diagonal cov`);
    for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) close(f.cov![i * 5 + j]!, f.cov![j * 5 + i]!, 1e-10, 'symmetric');
  }
  // Train-set t = ∞ NTK: the mean interpolates Y and the variance collapses to 0 (diag_reg = 0).
  const end = predict({ t: null, get: 'ntk', cov: 'diagonal' });
  for (let i = 0; i < 18; i++) close(end.mean[i]!, Y[i]!, 1e-8, 'interpolation');
  for (let i = 0; i < 9; i++) close(end.cov![i]!, 0, 1e-8, 'collapse');
  // Time normalisation: τ = lr·t/(N·C), so (lr, t) and (2·lr, t/2) agree.
  const a = predict({ t: 2, get: 'nngp', testTrain: te }), b = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Y, n: 9, outputs: 2, learningRate: 1 })({ t: 1, get: 'nngp', testTrain: te });
  for (let i = 0; i < a.mean.length; i++) close(a.mean[i]!, b.mean[i]!, 1e-12, 'lr·t');
}));

for (const backend of backends) test(`[${backend.name}] diag_reg is relative to the mean trace (absolute on request) and regularises the inverted kernel`, () => withBackend(backend, () => {
  const tr = kernelFn(reluNet, [[1, 0]]); // Θ = 2, K = 1
  const reg = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 1, diagReg: 0.5 });
  close(reg({ t: null, get: 'ntk' }).mean[0]!, 2 / 3, 1e-12, 'Θ/(Θ + 0.5·Θ)');
  const abs = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 1, diagReg: 0.5, diagRegAbsoluteScale: true });
  close(abs({ t: null, get: 'ntk' }).mean[0]!, 2 / 2.5, 1e-12, 'Θ/(Θ + 0.5)');
}));

for (const backend of backends) test(`[${backend.name}] bad input: singular train kernel at t = ∞, wrong shapes, negative t, missing test NNGP`, () => withBackend(backend, () => {
  const tr = kernelFn(reluNet, [[1, 0], [2, 0]]); // parallel inputs: rank-1 ReLU kernel
  const p = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1, 2]), n: 2 });
  assert.throws(() => p({ t: null, get: 'nngp' }), /positive-definite.*diagReg/);
  assert.throws(() => p({ t: -1, get: 'nngp' }), /t expected a time ≥ 0/);
  assert.throws(() => gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 2 }), /yTrain expected \[2, 1\]/);
  const te = kernelFn(reluNet, [[1, 1]], [[1, 0], [2, 0]]);
  assert.throws(() => p({ t: 1, get: 'ntk', testTrain: te, cov: 'diagonal' }), /testTestNngp expected the test NNGP/);
  assert.ok(Number.isFinite(p({ t: 1, get: 'ntk', testTrain: te }).mean[0]!), 'finite t works on a singular kernel');
}));

/** max |a − b| ≤ tol · max |b|. */
function near(a: Float64Array, b: Float64Array, tol: number, what: string): void {
  let scale = 0, worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(a.length === b.length && worst <= tol * scale, `${what}: max difference ${worst} > ${tol} × ${scale}`);
}

test('backend-routed kernels and predictions equal the reference path (cpu kernels, core/linalg formulas) on every backend', () => {
  const N = 40, M = 7, C = 3, d = 12, reg = 1e-3;
  const X = random.normal(key(11), [N, d], { dtype: 'f64' }), Xt = random.normal(key(12), [M, d], { dtype: 'f64' });
  const net = serial(dense(8, { wStd: 1.4, bStd: 0.1 }), relu(), dense(8, { wStd: 1.4, bStd: 0.1 }), erf(), dense(1, { wStd: 1.4, bStd: 0.1 }));
  const Y = random.normal(key(13), [N, C], { dtype: 'f64' }).data as Float64Array;
  // The reference: kernels on cpu, then the closed forms with core/linalg (Cholesky at t = ∞, V f(Λ) Vᵀ at finite t).
  const tr = kernelFn(net, X, null, { batchSize: 16 }), te = kernelFn(net, Xt, X), tt = kernelFn(net, Xt);
  const regularised = (K: Float64Array) => {
    let trace = 0;
    for (let i = 0; i < N; i++) trace += K[i * N + i]!;
    const out = K.slice();
    for (let i = 0; i < N; i++) out[i * N + i]! += (reg * trace) / N;
    return out;
  };
  const solve = (K: Float64Array, B: Float64Array, m: number) => ref.choleskySolve(ref.cholesky(regularised(K), N), B, N, m);
  const tau = 2 / (N * C); // t = 2, learning rate 1
  const fn = (K: Float64Array, s: number) => ref.eigenFunction(ref.symmetricEigen(regularised(K), N), (l) => (l > 0 ? -Math.expm1(-l * s * tau) / l : s * tau));
  const kDt = ref.transpose(te.nngp, M, N), tDt = ref.transpose(te.ntk, M, N);
  const expected = {
    ntkInfMean: ref.matmul(te.ntk, solve(tr.ntk, Y, C), M, N, C),
    nngpInfCov: tt.nngp.map((v, i) => v - ref.matmul(te.nngp, solve(tr.nngp, kDt, M), M, N, M)[i]!),
    ntkMean: ref.matmul(te.ntk, ref.matmul(fn(tr.ntk, 1), Y, N, N, C), M, N, C),
    nngpMean: ref.matmul(te.nngp, ref.matmul(fn(tr.nngp, 1), Y, N, N, C), M, N, C),
  };
  // NTK covariance at t: K_tt + ZᵀK_dd Z − (ZᵀK_dt + transpose), Z = Θ⁻¹(I − e^{−Θτ}) Θ_dt.
  const Z = ref.matmul(fn(tr.ntk, 1), tDt, N, N, M), Zt = ref.transpose(Z, N, M);
  const ZtKZ = ref.matmul(Zt, ref.matmul(tr.nngp, Z, N, N, M), M, N, M), ZtKdt = ref.matmul(Zt, kDt, M, N, M);
  const ntkCov = tt.nngp.map((v, at) => v + ZtKZ[at]! - ZtKdt[at]! - ZtKdt[(at % M) * M + Math.floor(at / M)]!);
  for (const backend of backends) {
    withBackend(backend, () => {
      const b = backend.name;
      const btr = kernelFn(net, X, null, { batchSize: 16 }), bte = kernelFn(net, Xt, X);
      for (const [got, want, what] of [[btr.nngp, tr.nngp, 'train NNGP'], [btr.ntk, tr.ntk, 'train NTK'], [bte.nngp, te.nngp, 'test NNGP'], [bte.ntk, te.ntk, 'test NTK']] as const) {
        for (let i = 0; i < want.length; i++) close(got[i]!, want[i]!, 1e-12 * Math.abs(want[i]!), `[${b}] ${what}[${i}]`);
      }
      const predict = gradientDescentMseEnsemble({ trainTrain: btr, yTrain: Y, n: N, outputs: C, diagReg: reg });
      near(predict({ t: null, get: 'ntk', testTrain: bte }).mean, expected.ntkInfMean, 1e-9, `[${b}] NTK mean t = ∞`);
      near(predict({ t: null, get: 'nngp', testTrain: bte, testTestNngp: tt.nngp, cov: 'full' }).cov!, expected.nngpInfCov, 1e-9, `[${b}] NNGP cov t = ∞`);
      near(predict({ t: 2, get: 'nngp', testTrain: bte }).mean, expected.nngpMean, 1e-9, `[${b}] NNGP mean t = 2`);
      const ntk = predict({ t: 2, get: 'ntk', testTrain: bte, testTestNngp: tt.nngp, cov: 'full' });
      near(ntk.mean, expected.ntkMean, 1e-9, `[${b}] NTK mean t = 2`);
      near(ntk.cov!, ntkCov, 1e-9, `[${b}] NTK cov t = 2`);
    });
  }
});
