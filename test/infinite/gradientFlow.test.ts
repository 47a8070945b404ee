// gradientDescent (function-space gradient flow for any loss): with the MSE it equals gradientDescentMse's
// closed form (1e-9); with cross-entropy the per-example sum of the outputs is conserved (the gradient
// softmax − y sums to 0 over classes), the loss falls monotonically, and RK4 with 400 and 1600 steps agree;
// a gradient function given by the caller is used as is. Momentum (neural-tangents' ODE f'' + (1 − m)f' = −lr·Θ·∇L in
// steps): with the MSE it equals the damped-oscillator closed form per eigenmode of Θ (1e-8), test rows follow
// f_test − f_test0 = Θ_td Θ⁻¹ (f_train − f_train0); it is the limit of the discrete heavy-ball recursion on the
// linearised model (error ∝ √lr at fixed (1 − m)/√lr); momentum 0 tends to the plain flow as lr·Θ → 0 (error ∝ lr).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { symmetricEigen } from '../../src/core/linalg.js';
import { random } from '../../src/tensor/index.js';
import { dense, erf, gradientDescent, gradientDescentMse, kernelFn, relu, serial } from '../../src/infinite/index.js';

const N = 8, M = 3, C = 3;
const net = serial(dense(16, { wStd: 1.4, bStd: 0.1 }), relu(), dense(16, { wStd: 1.4, bStd: 0.1 }), erf(), dense(1, { wStd: 1.4, bStd: 0.1 }));
const X = random.normal(key(1), [N, 4], { dtype: 'f64' }), Xt = random.normal(key(2), [M, 4], { dtype: 'f64' });
const tr = kernelFn(net, X), te = kernelFn(net, Xt, X);
const f0 = random.normal(key(3), [N, C], { dtype: 'f64' }).data as Float64Array, ft0 = random.normal(key(4), [M, C], { dtype: 'f64' }).data as Float64Array;
const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('gradientDescent with the MSE equals the closed form of gradientDescentMse; a caller gradient is used as given', () => {
  const Y = random.normal(key(5), [N, C], { dtype: 'f64' }).data as Float64Array;
  const flow = gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.8 });
  const closed = gradientDescentMse({ ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.8 });
  const a = flow({ t: 4, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk }), b = closed({ t: 4, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk });
  near(a.train, b.train, 1e-9, 'train');
  near(a.test!, b.test!, 1e-9, 'test');
  const custom = gradientDescent({ loss: (f, y) => f.map((v, i) => (v - y[i]!) / (N * C)), ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.8 });
  assert.deepEqual(Array.from(custom({ t: 4, fxTrain0: f0 }).train), Array.from(flow({ t: 4, fxTrain0: f0 }).train));
  assert.throws(() => flow({ t: Infinity }), /finite time/);
});

test('gradientDescent with cross-entropy: per-example output sums conserved, the loss falls, RK4 converged', () => {
  const labels = Array.from({ length: N }, (_, i) => i % C);
  const Y = Float64Array.from({ length: N * C }, (_, j) => (labels[Math.floor(j / C)] === j % C ? 1 : 0));
  const flow = gradientDescent({ loss: 'cross-entropy', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 2 });
  const ce = (f: Float64Array) => {
    let total = 0;
    for (let i = 0; i < N; i++) {
      const row = f.subarray(i * C, (i + 1) * C), max = Math.max(...row);
      total += -(row[labels[i]!]! - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)));
    }
    return total / N;
  };
  let last = ce(f0);
  for (const t of [0.5, 1, 2, 4]) {
    const r = flow({ t, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk, steps: 400 });
    const loss = ce(r.train);
    assert.ok(loss < last, `t = ${t}: loss ${loss} < ${last}`);
    last = loss;
    for (let i = 0; i < N; i++) near([r.train.subarray(i * C, (i + 1) * C).reduce((s, v) => s + v, 0)], [f0.subarray(i * C, (i + 1) * C).reduce((s, v) => s + v, 0)], 1e-12, `train row sum ${i}`);
    for (let i = 0; i < M; i++) near([r.test!.subarray(i * C, (i + 1) * C).reduce((s, v) => s + v, 0)], [ft0.subarray(i * C, (i + 1) * C).reduce((s, v) => s + v, 0)], 1e-12, `test row sum ${i}`);
  }
  const coarse = flow({ t: 4, fxTrain0: f0, steps: 400 }), fine = flow({ t: 4, fxTrain0: f0, steps: 1600 });
  near(coarse.train, fine.train, 1e-8, 'RK4 400 vs 1600 steps');
});

test('momentum with the MSE equals the damped-oscillator closed form per eigenmode of Θ (under- and over-damped modes), test rows included', () => {
  const Y = random.normal(key(6), [N, C], { dtype: 'f64' }).data as Float64Array;
  const lr = 0.5, m = 0.55; // γ²/4 ≈ 0.1 splits the modes ω_k ∈ [0.019, 0.41]
  const flow = gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: lr, momentum: m });
  const t = 30;
  const r = flow({ t, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk, steps: 3000 });
  // e = f − y per eigenmode k of Θ: e'' + γe' + ω_k e = 0 in τ = √lr·t, γ = (1 − m)/√lr, ω_k = λ_k/(N·C), e′(0) = 0
  const { values, vectors } = symmetricEigen(tr.ntk, N);
  const gamma = (1 - m) / Math.sqrt(lr), tau = Math.sqrt(lr) * t;
  let under = 0, over = 0;
  const factor = Array.from(values, (lambda) => {
    const w = lambda / (N * C), disc = gamma * gamma / 4 - w;
    if (disc < 0) under++; else over++;
    const root = Math.sqrt(Math.abs(disc));
    const [c, sOverRoot] = disc < 0 ? [Math.cos(root * tau), Math.sin(root * tau) / root] : [Math.cosh(root * tau), root > 0 ? Math.sinh(root * tau) / root : tau];
    return Math.exp(-gamma * tau / 2) * (c + (gamma / 2) * sOverRoot);
  });
  assert.ok(under > 0 && over > 0, `both regimes present (${under} under-, ${over} over-damped modes)`);
  const want = new Float64Array(N * C);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < N; k++) {
      let proj = 0;
      for (let i = 0; i < N; i++) proj += vectors[k * N + i]! * (f0[i * C + c]! - Y[i * C + c]!);
      for (let i = 0; i < N; i++) want[i * C + c]! += vectors[k * N + i]! * factor[k]! * proj;
    }
  }
  for (let i = 0; i < N * C; i++) want[i]! += Y[i]!;
  near(r.train, want, 1e-8, 'momentum train');
  // test rows: f_test − f_test0 = Θ_td Θ⁻¹ (f_train − f_train0) (the same linear ODE, zero initial velocities)
  const inv = (v: number[]) => { // Θ⁻¹ v by the eigenbasis
    const out = new Float64Array(N);
    for (let k = 0; k < N; k++) {
      let p = 0;
      for (let i = 0; i < N; i++) p += vectors[k * N + i]! * v[i]!;
      for (let i = 0; i < N; i++) out[i]! += vectors[k * N + i]! * p / values[k]!;
    }
    return out;
  };
  for (let c = 0; c < C; c++) {
    const a = inv(Array.from({ length: N }, (_, i) => r.train[i * C + c]! - f0[i * C + c]!));
    for (let j = 0; j < M; j++) {
      let v = ft0[j * C + c]!;
      for (let i = 0; i < N; i++) v += te.ntk[j * N + i]! * a[i]!;
      near([r.test![j * C + c]!], [v], 1e-8, `momentum test ${j}${c}`);
    }
  }
  assert.ok(r.qxTrain && r.qxTest, 'velocities are returned');
  // resuming from the returned state continues the trajectory: 30 + 30 steps = 60 steps
  const resumed = flow({ t, fxTrain0: r.train, fxTest0: r.test!, qxTrain0: r.qxTrain!, qxTest0: r.qxTest!, ntkTestTrain: te.ntk, steps: 3000 });
  near(resumed.train, flow({ t: 2 * t, fxTrain0: f0, fxTest0: ft0, ntkTestTrain: te.ntk, steps: 6000 }).train, 1e-9, 'resumed');
  assert.throws(() => gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, momentum: Number.NaN }), /momentum/);
  assert.throws(() => gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C })({ t: 1, qxTrain0: new Float64Array(N * C) }), /without momentum/);
});

test('momentum is the continuum limit of the heavy-ball recursion on the linearised model (cross-entropy): error ∝ √lr at fixed (1 − m)/√lr', () => {
  const labels = Array.from({ length: N }, (_, i) => (i * 2) % C);
  const Y = Float64Array.from({ length: N * C }, (_, j) => (labels[Math.floor(j / C)] === j % C ? 1 : 0));
  const grad = (f: Float64Array) => { // ∇ of mean_i −log softmax(f_i)[y_i]
    const g = new Float64Array(N * C);
    for (let i = 0; i < N; i++) {
      const row = f.subarray(i * C, (i + 1) * C), max = Math.max(...row), z = row.reduce((s, v) => s + Math.exp(v - max), 0);
      for (let c = 0; c < C; c++) g[i * C + c] = (Math.exp(row[c]! - max) / z - Y[i * C + c]!) / N;
    }
    return g;
  };
  const gamma = 1.5, tau = 3;
  const errorAt = (eps: number) => {
    const lr = eps * eps, m = 1 - gamma * eps, steps = Math.round(tau / eps);
    // f_{k+1} = f_k + m (f_k − f_{k−1}) − lr·Θ·∇L(f_k), from rest (f_{−1} = f_0)
    let prev = Float64Array.from(f0), cur = Float64Array.from(f0);
    for (let k = 0; k < steps; k++) {
      const g = grad(cur), next = new Float64Array(N * C);
      for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += tr.ntk[i * N + j]! * g[j * C + c]!;
        next[i * C + c] = cur[i * C + c]! + m * (cur[i * C + c]! - prev[i * C + c]!) - lr * s;
      }
      [prev, cur] = [cur, next];
    }
    const ode = gradientDescent({ loss: 'cross-entropy', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: lr, momentum: m })({ t: steps, fxTrain0: f0, steps: 2000 }).train;
    let err = 0, moved = 0;
    for (let i = 0; i < N * C; i++) {
      err = Math.max(err, Math.abs(ode[i]! - cur[i]!));
      moved = Math.max(moved, Math.abs(ode[i]! - f0[i]!));
    }
    return { err, moved };
  };
  const coarse = errorAt(0.02), fine = errorAt(0.005);
  assert.ok(fine.moved > 0.1, `the outputs move (${fine.moved})`);
  assert.ok(fine.err < 0.01 * fine.moved, `heavy ball vs ODE at ε = 0.005: ${fine.err}`);
  const ratio = coarse.err / fine.err;
  assert.ok(ratio > 3 && ratio < 5.5, `first-order convergence in ε = √lr: error ratio ${ratio} for ε ÷ 4`);
});

test('momentum 0 is not the plain flow (it keeps the inertia f″) but tends to it as lr → 0 (error ∝ lr); momentum undefined is the plain flow', () => {
  const Y = random.normal(key(7), [N, C], { dtype: 'f64' }).data as Float64Array;
  const gap = (lr: number) => {
    const t = 3 / lr; // the same lr·t, so the plain flow reaches the same point
    const plain = gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: lr })({ t, fxTrain0: f0, steps: 400 }).train;
    const zero = gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: lr, momentum: 0 })({ t, fxTrain0: f0, steps: Math.round(4 * t) }).train;
    return Math.max(...plain.map((v, i) => Math.abs(v - zero[i]!)));
  };
  const big = gap(0.1), small = gap(0.01);
  assert.ok(big > 1e-4, `momentum 0 differs from the plain flow at lr = 0.1 (${big})`);
  const ratio = big / small;
  assert.ok(ratio > 7 && ratio < 13, `the gap shrinks ∝ lr: ratio ${ratio} for lr ÷ 10`);
  const closed = gradientDescentMse({ ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.8 })({ t: 4, fxTrain0: f0 });
  const none = gradientDescent({ loss: 'mse', ntkTrainTrain: tr.ntk, yTrain: Y, n: N, outputs: C, learningRate: 0.8, momentum: undefined })({ t: 4, fxTrain0: f0 });
  near(none.train, closed.train, 1e-9, 'momentum undefined = closed-form plain flow');
  assert.equal(none.qxTrain, null);
});
