// dropout (neural-tangents Dropout(rate, mode), rate = keep probability): 'test' mode is the identity; 'train' mode
// multiplies the kernel's diagonal (same input, same position: the same mask) by 1/rate and leaves the rest, in
// blocks and for explicit x2 = x1 alike; the finite layer keeps a fraction `rate`, scaled by 1/rate, and needs a key;
// Monte Carlo against finite networks of width 1024 (dense and conv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random, tensor } from '../../src/tensor/index.js';
import { conv, dense, dropout, globalAvgPool, inputKernel, kernelFn, relu, serial, StaxNetwork, toInputs, type Kernel } from '../../src/infinite/index.js';
import { compareWithMonteCarlo } from '../support/monteCarlo.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e}`);
const x = [[1, 2], [-0.5, 0.7], [0, 0.1], [2, -1], [0.3, 0.3]];
const hidden = () => [dense(6, { wStd: 1.4, bStd: 0.2 }), relu()];

test("'test' mode is the identity (kernel and finite layer, no key needed)", () => {
  const a = kernelFn(serial(...hidden(), dense(1)), x), b = kernelFn(serial(...hidden(), dropout(0.5, 'test'), dense(1)), x);
  assert.deepEqual(Array.from(b.nngp), Array.from(a.nngp));
  assert.deepEqual(Array.from(b.ntk), Array.from(a.ntk));
  const X = tensor(x, undefined, 'f64');
  assert.equal(dropout(0.5, 'test').apply({}, X), X);
});

test("'train' mode: diagonal × 1/rate, off-diagonal unchanged; the same in blocks of 2 and with x2 = x1 passed explicitly; no factor between distinct inputs", () => {
  const rate = 0.7;
  const pre = kernelFn(serial(...hidden()), x), drop = kernelFn(serial(...hidden(), dropout(rate)), x);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) {
    const f = i === j ? 1 / rate : 1;
    close(drop.nngp[i * 5 + j]!, f * pre.nngp[i * 5 + j]!, 1e-14, `NNGP ${i}${j}`);
    close(drop.ntk[i * 5 + j]!, f * pre.ntk[i * 5 + j]!, 1e-14, `NTK ${i}${j}`);
  }
  for (let i = 0; i < 5; i++) close(drop.nngpDiag1[i]!, pre.nngpDiag1[i]! / rate, 1e-14, `self-covariance ${i}`);
  const net = serial(...hidden(), dropout(rate), dense(1, { wStd: 1.1, bStd: 0.1 }));
  const whole = kernelFn(net, x), blocks = kernelFn(net, x, null, { batchSize: 2 }), twice = kernelFn(net, x, x);
  for (let t = 0; t < 25; t++) {
    close(blocks.nngp[t]!, whole.nngp[t]!, 1e-14, `blocked NNGP ${t}`);
    close(blocks.ntk[t]!, whole.ntk[t]!, 1e-14, `blocked NTK ${t}`);
    close(twice.ntk[t]!, whole.ntk[t]!, 1e-14, `x2 = x1 NTK ${t}`);
  }
  // distinct test inputs (even one equal to a training row): independent masks, no factor off the self-covariances
  const xt = [[1, 2], [9, 9]];
  const cross = kernelFn(serial(...hidden(), dropout(rate)), xt, x), preCross = kernelFn(serial(...hidden()), xt, x);
  for (let t = 0; t < 10; t++) close(cross.nngp[t]!, preCross.nngp[t]!, 1e-14, `cross NNGP ${t}`);
  close(cross.nngpDiag1[0]!, preCross.nngpDiag1[0]! / rate, 1e-14, 'cross self-covariance');
});

test("'train' mode on images scales only equal positions of one input; the finite layer keeps ≈ rate of the units at 1/rate and needs a key", () => {
  const imgs = random.normal(key(1), [2, 1, 3, 3], { dtype: 'f64' });
  const k0 = inputKernel(toInputs('test', 'x', imgs), null);
  const c = conv(4, 3, { wStd: 1.2, bStd: 0.1 });
  const pre = serial(c, relu()).kernel(k0) as Kernel, drop = serial(c, relu(), dropout(0.5)).kernel(k0) as Kernel;
  const P = 9;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) {
    const at = ((i * 2 + j) * P + p) * P + q;
    close(drop.nngp[at]!, (i === j && p === q ? 2 : 1) * pre.nngp[at]!, 1e-14, `image NNGP ${i}${j} ${p}${q}`);
  }
  const layer = dropout(0.3);
  const ones = tensor(Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => 1)), undefined, 'f64');
  assert.throws(() => layer.apply({}, ones), /key/);
  const y = layer.apply({}, ones, { key: key(2) }) as typeof ones;
  let kept = 0;
  for (const v of y.data) {
    if (v !== 0) {
      kept++;
      close(v, 1 / 0.3, 1e-15, 'survivor scale');
    }
  }
  close(kept / 10000, 0.3, 0.02, 'kept fraction'); // 4.4 standard deviations of a binomial(10⁴, 0.3) fraction
  assert.deepEqual(Array.from((layer.apply({}, ones, { key: key(2) }) as typeof ones).data), Array.from(y.data), 'same key, same mask');
  const model = new StaxNetwork(serial(dense(3), dropout(0.5)), key(3), [100]);
  assert.throws(() => model.forward(ones), /key/);
  assert.equal(model.forward(ones, { key: key(4) }).shape[1], 3);
  assert.throws(() => dropout(0), /keep probability/);
  assert.throws(() => dropout(1.5), /keep probability/);
  assert.throws(() => dropout(0.5, 'eval' as 'test'), /mode/);
});

const WIDTH = 1024;

test("Monte Carlo, width 1024: dense → relu → dropout(0.6, 'train') → dense, and conv → relu → dropout(0.7) → conv → globalAvgPool", () => {
  const xs = tensor([[1, 0.3], [0.6, -1], [-0.4, 0.9]], undefined, 'f64');
  compareWithMonteCarlo((outputs) => serial(dense(WIDTH, { wStd: 1.5, bStd: 0.3 }), relu(), dropout(0.6), dense(outputs, { wStd: 1.2, bStd: 0.1 })), xs, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'dense dropout');
  const imgs = random.normal(key(5), [3, 1, 4, 4], { dtype: 'f64' });
  compareWithMonteCarlo((outputs) => serial(conv(WIDTH, 3, { wStd: 1.4, bStd: 0.2 }), relu(), dropout(0.7), conv(outputs, 3, { wStd: 1.3, bStd: 0.1, padding: 'valid' }), globalAvgPool()), imgs, [1, 4, 4], { nngpOutputs: 64, nngpSamples: 48, ntkSamples: 48 }, 'conv dropout');
});
