// gradientDescentMseEnsemble against the predict check of research/kernels-bounds.md §C (to 1e-6),
// closed forms on the training set, t → ∞ consistency between the eigen and Cholesky paths, diag_reg,
// full vs diagonal covariance, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('§C predict check: train {(1,0) → 1}, test (1,1): NTK and NNGP mean/var at t = 1 and t = ∞, train var at t = 1', () => {
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
});

test('training set: NTK mean (I − e^{−Θτ})Y and cov e^{−Θτ}Ke^{−Θτ}; eigen path at large t meets the Cholesky path; diag vs full cov', () => {
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
});

test('diag_reg is relative to the mean trace (absolute on request) and regularises the inverted kernel', () => {
  const tr = kernelFn(reluNet, [[1, 0]]); // Θ = 2, K = 1
  const reg = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 1, diagReg: 0.5 });
  close(reg({ t: null, get: 'ntk' }).mean[0]!, 2 / 3, 1e-12, 'Θ/(Θ + 0.5·Θ)');
  const abs = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 1, diagReg: 0.5, diagRegAbsoluteScale: true });
  close(abs({ t: null, get: 'ntk' }).mean[0]!, 2 / 2.5, 1e-12, 'Θ/(Θ + 0.5)');
});

test('bad input: singular train kernel at t = ∞, wrong shapes, negative t, missing test NNGP', () => {
  const tr = kernelFn(reluNet, [[1, 0], [2, 0]]); // parallel inputs: rank-1 ReLU kernel
  const p = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1, 2]), n: 2 });
  assert.throws(() => p({ t: null, get: 'nngp' }), /positive-definite.*diagReg/);
  assert.throws(() => p({ t: -1, get: 'nngp' }), /t expected a time ≥ 0/);
  assert.throws(() => gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Float64Array.from([1]), n: 2 }), /yTrain expected \[2, 1\]/);
  const te = kernelFn(reluNet, [[1, 1]], [[1, 0], [2, 0]]);
  assert.throws(() => p({ t: 1, get: 'ntk', testTrain: te, cov: 'diagonal' }), /testTestNngp expected the test NNGP/);
  assert.ok(Number.isFinite(p({ t: 1, get: 'ntk', testTrain: te }).mean[0]!), 'finite t works on a singular kernel');
});
