// gradientDescent (function-space gradient flow for any loss): with the MSE it equals gradientDescentMse's
// closed form (1e-9); with cross-entropy the per-example sum of the outputs is conserved (the gradient
// softmax − y sums to 0 over classes), the loss falls monotonically, and RK4 with 400 and 1600 steps agree;
// a gradient function given by the caller is used as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
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
