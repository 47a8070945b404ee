// One definition, two meanings: the analytic NNGP/NTK of a stax layer against Monte-Carlo estimates from
// its own finite networks (hidden width 1024), for ReLU, erf and a small conv net. The tolerance is
// computed: 5 standard errors of the Monte-Carlo mean (one hidden layer, so no finite-width bias).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random, tensor, Tensor } from '../../src/tensor/index.js';
import {
  avgPool, conv, dense, empiricalNngp, flatten, empiricalNtk, erf, fanInConcat, fanInProd, fanOut, gaussian, globalAvgPool, parallel, sin, infiniteReadoutKernelGram, kernelFn, monteCarloKernel, readoutKernelGram, relu, serial, StaxNetwork, type Layer,
} from '../../src/infinite/index.js';
import { sgd } from '../../src/optim/index.js';
import { train } from '../../src/train/index.js';
import { mse } from '../../src/tensor/index.js';
import { compareWithMonteCarlo as compare } from '../support/monteCarlo.js';

const WIDTH = 1024;

// One hidden layer: the mean kernel of the finite network equals the infinite-width kernel exactly (the
// pre-activations are exactly Gaussian), so the tolerance is purely statistical: 5 standard errors.
test('ReLU, hidden width 1024: Monte-Carlo NNGP and empirical NTK (autograd) match the analytic kernels', () => {
  const net = (outputs: number) => serial(dense(WIDTH, { wStd: Math.SQRT2, bStd: 0.3 }), relu(), dense(outputs, { wStd: 1.2, bStd: 0.1 }));
  compare(net, tensor([[1, 0, 0.5], [0.2, -1, 0.4], [-0.7, 0.3, 1.1]], undefined, 'f64'), [3], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'relu');
});

test('erf(1.2·erf(0.8·x) + 0.1), hidden width 1024: Monte-Carlo kernels match', () => {
  const net = (outputs: number) => serial(dense(WIDTH, { wStd: 1.5, bStd: 0.2 }), erf(1.2, 0.8, 0.1), dense(outputs, { wStd: 1.1, bStd: 0.2 }));
  compare(net, tensor([[1, 0], [1, 1], [-0.4, 0.9]], undefined, 'f64'), [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'erf');
});

test('sin(1.3·sin(0.9·x + 0.4)) and gaussian(1.1·exp(−0.6·x²)), hidden width 1024: Monte-Carlo kernels match the closed forms', () => {
  const x = tensor([[1, 0], [1, 1], [-0.4, 0.9]], undefined, 'f64');
  const sinNet = (outputs: number) => serial(dense(WIDTH, { wStd: 1.5, bStd: 0.2 }), sin(1.3, 0.9, 0.4), dense(outputs, { wStd: 1.1, bStd: 0.2 }));
  compare(sinNet, x, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'sin');
  const gaussNet = (outputs: number) => serial(dense(WIDTH, { wStd: 1.2, bStd: 0.2 }), gaussian(1.1, -0.6), dense(outputs, { wStd: 1.1, bStd: 0.2 }));
  compare(gaussNet, x, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'gaussian');
});

test('fanInProd and fanInConcat of a relu and an erf branch (width 1024 each): Monte-Carlo kernels match', () => {
  const x = tensor([[1, 0.3], [0.6, 1], [-0.4, 0.9]], undefined, 'f64');
  const branchesOf = () => [fanOut(2), parallel(serial(dense(WIDTH, { wStd: 1.4, bStd: 0.2 }), relu()), serial(dense(WIDTH, { wStd: 1.2, bStd: 0.1 }), erf()))];
  compare((outputs) => serial(...branchesOf(), fanInProd(), dense(outputs, { wStd: 1.3, bStd: 0.1 })), x, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'fanInProd');
  compare((outputs) => serial(...branchesOf(), fanInConcat(), dense(outputs, { wStd: 1.3, bStd: 0.1 })), x, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'fanInConcat');
});

test('conv net (conv 3×3 same with 1024 channels, relu, conv 3×3 valid, global average pooling): Monte-Carlo kernels match', () => {
  const net = (outputs: number) => serial(conv(WIDTH, 3, { wStd: Math.SQRT2, bStd: 0.2 }), relu(), conv(outputs, 3, { wStd: 1.3, bStd: 0.1, padding: 'valid' }), globalAvgPool());
  const x = random.normal(key(11), [3, 1, 5, 5], { dtype: 'f64' });
  compare(net, x, [1, 5, 5], { nngpOutputs: 16, nngpSamples: 48, ntkSamples: 48 }, 'conv');
});

test('conv 3×3 same (1024 channels), relu, 2×2 average pooling, flatten, dense: Monte-Carlo kernels match', () => {
  const net = (outputs: number) => serial(conv(WIDTH, 3, { wStd: Math.SQRT2, bStd: 0.2 }), relu(), avgPool(2), flatten(), dense(outputs, { wStd: 1.3, bStd: 0.1 }));
  const x = random.normal(key(12), [3, 1, 4, 4], { dtype: 'f64' });
  compare(net, x, [1, 4, 4], { nngpOutputs: 16, nngpSamples: 48, ntkSamples: 48 }, 'avgPool');
});

test('circular conv with stride 2 (1024 channels), relu, circular conv, global average pooling: Monte-Carlo kernels match', () => {
  const net = (outputs: number) => serial(conv(WIDTH, 3, { padding: 'circular', stride: 2, wStd: Math.SQRT2, bStd: 0.2 }), relu(), conv(outputs, 3, { padding: 'circular', wStd: 1.3, bStd: 0.1 }), globalAvgPool());
  const x = random.normal(key(13), [3, 1, 6, 6], { dtype: 'f64' });
  compare(net, x, [1, 6, 6], { nngpOutputs: 16, nngpSamples: 48, ntkSamples: 48 }, 'circular stride 2');
});

test('the same definition trains with the training stack: StaxNetwork + sgd + train lowers the MSE, and its NTK is the empirical one', async () => {
  const net = serial(dense(64, { wStd: Math.SQRT2, bStd: 0.1 }), relu(), dense(1, { wStd: 1, bStd: 0.1 }));
  const model = new StaxNetwork(net, key(5), [2]);
  const x = random.normal(key(6), [32, 2], { dtype: 'f64' });
  const y = tensor(Array.from({ length: 32 }, (_, i) => [Math.sin(2 * x.data[2 * i]!) + x.data[2 * i + 1]!]), undefined, 'f64');
  const lossOf = () => mse(model.forward(x), y).data[0]!;
  const before = lossOf();
  const result = await train({ model, optimizer: sgd({ lr: 0.1 }), train: { x, y }, epochs: 30, batchSize: 32, key: key(8), loss: (p, t) => mse(p, t) });
  assert.ok(result.steps === 30);
  const after = lossOf();
  assert.ok(after < 0.5 * before, `MSE ${before} → ${after}`);
  const theta = empiricalNtk(net, model.paramTree(), tensor([[1, 0]], undefined, 'f64'));
  assert.ok(theta.ntk[0]! > 0 && Number.isFinite(theta.ntk[0]!));
  assert.deepEqual(Object.keys(model.namedParameters()).sort(), ['0.bias', '0.weight', '2.bias', '2.weight']);
});

test('wide-sparse readout kernel: the empirical NNGP of serial(dense(n), relu) on given (sparse) weights is Θ_GP, and its infinite-width NNGP is Θ^∞', () => {
  const n = 64, d = 5;
  const layer = serial(dense(n), relu());
  const u = random.normal(key(21), [n, d], { dtype: 'f64' });
  const mask = random.bernoulli(key(22), [n, d], 0.5);
  const sparse = new Tensor(Float64Array.from(u.data, (v, i) => (mask.data[i] ? v * Math.SQRT2 : 0)), [n, d]); // N(0, 1/p) on the mask
  const X = random.normal(key(23), [4, d], { dtype: 'f64' });
  const empirical = empiricalNngp(layer, { 0: { weight: sparse }, 1: {} }, X);
  const reference = readoutKernelGram(sparse, X, X).data;
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(empirical.nngp[i]! - reference[i]!) < 1e-12, `Θ_GP[${i}]`);
  const infinite = kernelFn(layer, X), closed = infiniteReadoutKernelGram(X, X).data;
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(infinite.nngp[i]! - closed[i]!) < 1e-12, `Θ^∞[${i}]`);
});
