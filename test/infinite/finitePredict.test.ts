// gradientDescentMse, gpInference and maxLearningRate against the cases they generalise and against
// integration: f_0 = 0 is the ensemble's NTK mean; the closed form equals an RK4 integration of the linear
// ODE; t = ∞ interpolates the targets; a width-1024 network trained by full-batch gradient descent follows
// its linearisation; gpInference with the NNGP is the ensemble at t = ∞; gradient descent on the
// linearised model converges just below maxLearningRate and diverges just above (with and without momentum).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { mse, mul, random, tensor } from '../../src/tensor/index.js';
import {
  dense, empiricalNtk, erf, gpInference, gradientDescentMse, gradientDescentMseEnsemble, kernelFn, maxLearningRate, relu, serial, StaxNetwork,
} from '../../src/infinite/index.js';
import { sgd } from '../../src/optim/index.js';
import { train } from '../../src/train/index.js';

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  let worst = 0, scale = 1e-300;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(a.length === b.length && worst <= tol * scale, `${what}: max difference ${worst} > ${tol} × ${scale}`);
};

const N = 8, M = 3, C = 2;
const net = serial(dense(16, { wStd: 1.4, bStd: 0.1 }), relu(), dense(16, { wStd: 1.4, bStd: 0.1 }), erf(), dense(1, { wStd: 1.4, bStd: 0.1 }));
const X = random.normal(key(1), [N, 4], { dtype: 'f64' }), Xt = random.normal(key(2), [M, 4], { dtype: 'f64' });
const Y = random.normal(key(3), [N, C], { dtype: 'f64' }).data as Float64Array;
const tr = kernelFn(net, X), te = kernelFn(net, Xt, X), tt = kernelFn(net, Xt);

test('gradientDescentMse: f_0 = 0 is the ensemble NTK mean (t = 1.5 and ∞); t = ∞ interpolates; the closed form equals RK4 of the linear ODE', () => {
  const ens = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Y, n: N, outputs: C, learningRate: 0.7 });
  const gd = gradientDescentMse({ ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.7 });
  for (const t of [1.5, null]) {
    const p = gd({ t, ntkTestTrain: te.ntk });
    near(p.test!, ens({ t, get: 'ntk', testTrain: te }).mean, 1e-10, `test mean t = ${t}`);
    near(p.train, ens({ t, get: 'ntk' }).mean, 1e-10, `train mean t = ${t}`);
  }
  near(gd({ t: null }).train, Y, 1e-9, 't = ∞ fits the targets');
  // d f_train/dt = −(lr/NC)·Θ_dd (f_train − y), d f_test/dt = −(lr/NC)·Θ_td (f_train − y), from random f_0.
  const f0 = random.normal(key(4), [N, C], { dtype: 'f64' }).data as Float64Array, ft0 = random.normal(key(5), [M, C], { dtype: 'f64' }).data as Float64Array;
  const rate = 0.7 / (N * C), T = 3, steps = 3000, h = T / steps;
  const deriv = (f: Float64Array) => {
    const d = new Float64Array((N + M) * C);
    for (let i = 0; i < N + M; i++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += (i < N ? tr.ntk[i * N + j]! : te.ntk[(i - N) * N + j]!) * (f[j * C + c]! - Y[j * C + c]!);
        d[i * C + c] = -rate * s;
      }
    }
    return d;
  };
  let f = Float64Array.from([...f0, ...ft0]);
  for (let s = 0; s < steps; s++) {
    const k1 = deriv(f), k2 = deriv(f.map((v, i) => v + (h / 2) * k1[i]!)), k3 = deriv(f.map((v, i) => v + (h / 2) * k2[i]!)), k4 = deriv(f.map((v, i) => v + h * k3[i]!));
    f = f.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  }
  const p = gd({ t: T, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk });
  near(p.train, f.subarray(0, N * C), 1e-9, 'train vs RK4');
  near(p.test!, f.subarray(N * C), 1e-9, 'test vs RK4');
  assert.throws(() => gd({ t: 1, fxTest0: ft0 }), /ntkTestTrain/);
  assert.throws(() => gd({ t: -1 }), /time/);
});

test('gradientDescentMse follows a width-1024 network trained by full-batch gradient descent on ½·MSE (its empirical NTK and initial outputs)', async () => {
  const wide = serial(dense(1024, { wStd: 1.5, bStd: 0.2 }), relu(), dense(1, { wStd: 1.2, bStd: 0.1 }));
  const model = new StaxNetwork(wide, key(9), [3]);
  const x = random.normal(key(10), [6, 3], { dtype: 'f64' }), xt = random.normal(key(11), [2, 3], { dtype: 'f64' });
  const y = tensor([[0.5], [-0.3], [1], [0.2], [-0.8], [0.4]], undefined, 'f64');
  const theta = empiricalNtk(wide, model.paramTree(), x).ntk, thetaTd = empiricalNtk(wide, model.paramTree(), xt, x).ntk;
  const fx0 = model.forward(x).data as Float64Array, ft0 = model.forward(xt).data as Float64Array;
  const lr = 0.01, steps = 200; // small steps (lr·λ_max/N ≪ 1): continuous-time prediction vs discrete descent
  await train({ model, optimizer: sgd({ lr }), train: { x, y }, epochs: steps, batchSize: 6, key: key(12), loss: (p, t) => mul(mse(p, t), 0.5) });
  const predicted = gradientDescentMse({ ntkTrainTrain: theta, yTrain: y.data as Float64Array, n: 6 })({ t: lr * steps, fxTrain0: fx0, fxTest0: ft0, ntkTestTrain: thetaTd });
  near(model.forward(x).data, predicted.train, 0.01, 'train outputs after training vs the linearised prediction');
  near(model.forward(xt).data, predicted.test!, 0.01, 'test outputs after training vs the linearised prediction');
});

test('gpInference: the NNGP posterior is the ensemble at t = ∞ (mean and covariance); the NTK as a GP prior uses its own test-test kernel', () => {
  const gp = gpInference({ trainTrain: tr, yTrain: Y, n: N, outputs: C, diagReg: 1e-6 });
  const ens = gradientDescentMseEnsemble({ trainTrain: tr, yTrain: Y, n: N, outputs: C, diagReg: 1e-6 });
  const a = gp({ get: 'nngp', testTrain: te, testTest: tt, cov: 'full' }), b = ens({ t: null, get: 'nngp', testTrain: te, testTestNngp: tt.nngp, cov: 'full' });
  near(a.mean, b.mean, 1e-10, 'NNGP mean');
  near(a.cov!, b.cov!, 1e-10, 'NNGP cov');
  const n = gp({ get: 'ntk', testTrain: te, testTest: tt, cov: 'full' });
  near(n.mean, ens({ t: null, get: 'ntk', testTrain: te }).mean, 1e-10, 'NTK mean');
  for (let i = 0; i < M; i++) assert.ok(n.cov![i * M + i]! >= -1e-9 && n.cov![i * M + i]! <= tt.ntk[i * M + i]! + 1e-12, 'posterior variances within [0, prior]');
  assert.throws(() => gp({ get: 'nngp', testTrain: te, cov: 'full' }), /testTest/);
});

test('maxLearningRate: gradient descent on the linearised model converges at 0.98× and diverges at 1.02×, with momentum 0 and 0.5', () => {
  for (const momentum of [0, 0.5]) {
    const lrMax = maxLearningRate(tr.ntk, N, { outputs: C, momentum });
    const run = (lr: number) => {
      let f = new Float64Array(N * C), v = new Float64Array(N * C);
      for (let s = 0; s < 3000; s++) {
        const g = new Float64Array(N * C);
        for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) for (let j = 0; j < N; j++) g[i * C + c]! += (tr.ntk[i * N + j]! * (f[j * C + c]! - Y[j * C + c]!)) / (N * C);
        v = v.map((vi, i) => momentum * vi - lr * g[i]!);
        f = f.map((fi, i) => fi + v[i]!);
      }
      return Math.max(...f.map((fi, i) => Math.abs(fi - Y[i]!)));
    };
    assert.ok(run(0.98 * lrMax) < 1e-3, `momentum ${momentum}: converges below the maximum`);
    assert.ok(run(1.02 * lrMax) > 1e3, `momentum ${momentum}: diverges above it`);
  }
  assert.throws(() => maxLearningRate(tr.ntk, N, { momentum: 1 }), /momentum/);
});
