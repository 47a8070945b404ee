// layerNorm (neural-tangents LayerNorm, no affine): the kernel is the correlation of the pre-normalisation kernel
// (unit diagonal up to eps), the NTK scaled by the same factor; on images per position (axis [1]) or per image
// (axis [1, 2, 3]); the finite layer has zero mean and unit variance over the normalised axes; non-Gaussian inputs
// and axes without the channels are refused; Monte Carlo against finite networks of width 1024.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random, tensor } from '../../src/tensor/index.js';
import { conv, dense, flatten, globalAvgPool, inputKernel, kernelFn, layerNorm, relu, serial, StaxNetwork, toInputs, type Kernel } from '../../src/infinite/index.js';
import { compareWithMonteCarlo } from '../support/monteCarlo.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e}`);
const x = [[1, 2, 0.5], [-0.5, 0.7, 2], [0, 0.1, -1], [3, -1, 0.2]];
const front = () => dense(7, { wStd: 1.3, bStd: 0.4 });

test('vectors: NNGP → K/√(K11·K22) (unit diagonal to 1e-11), NTK scaled by the same factor, eps enters the normaliser', () => {
  const pre = kernelFn(front(), x), ln = kernelFn(serial(front(), layerNorm()), x);
  const big = kernelFn(serial(front(), layerNorm({ eps: 0.5 })), x);
  for (let i = 0; i < 4; i++) {
    close(ln.nngp[i * 5]!, 1, 1e-11, `unit diagonal ${i}`);
    for (let j = 0; j < 4; j++) {
      const s = Math.sqrt(pre.nngp[i * 5]! * pre.nngp[j * 5]!), sEps = Math.sqrt((pre.nngp[i * 5]! + 0.5) * (pre.nngp[j * 5]! + 0.5));
      close(ln.nngp[i * 4 + j]!, pre.nngp[i * 4 + j]! / s, 1e-11, `NNGP ${i}${j}`);
      close(ln.ntk[i * 4 + j]!, pre.ntk[i * 4 + j]! / s, 1e-11, `NTK ${i}${j}`);
      close(big.nngp[i * 4 + j]!, pre.nngp[i * 4 + j]! / sEps, 1e-12, `eps NNGP ${i}${j}`);
    }
  }
  // scaling the inputs does not change a normalised kernel (σ_b = 0)
  const noBias = serial(dense(3, { wStd: 1.1 }), layerNorm());
  const a = kernelFn(noBias, x), b = kernelFn(noBias, x.map((r) => r.map((v) => 5 * v)));
  for (let i = 0; i < 16; i++) close(b.nngp[i]!, a.nngp[i]!, 1e-10, `scale invariance ${i}`);
});

test('images: axis [1] normalises each position (every K[p, p] = 1), axis [1, 2, 3] the mean over positions; the finite layer standardises', () => {
  const imgs = random.normal(key(1), [3, 2, 4, 4], { dtype: 'f64' });
  const k0 = inputKernel(toInputs('test', 'x', imgs), null);
  const c = conv(5, 3, { wStd: 1.4, bStd: 0.3 });
  const pre = c.kernel(k0) as Kernel, perPos = serial(c, layerNorm()).kernel(k0) as Kernel, perImage = serial(c, layerNorm({ axis: [1, 2, 3] })).kernel(k0) as Kernel;
  const P = 16;
  for (let i = 0; i < 3; i++) {
    let meanDiag = 0;
    for (let p = 0; p < P; p++) {
      close(perPos.cov1[i * P * P + p * (P + 1)]!, 1, 1e-11, `per-position diagonal ${i} ${p}`);
      meanDiag += perImage.cov1[i * P * P + p * (P + 1)]! / P;
    }
    close(meanDiag, 1, 1e-11, `per-image mean diagonal ${i}`);
    let v = 0;
    for (let p = 0; p < P; p++) v += pre.cov1[i * P * P + p * (P + 1)]! / P;
    for (let t = 0; t < P * P; t++) close(perImage.cov1[i * P * P + t]!, pre.cov1[i * P * P + t]! / v, 1e-11, `per-image scaling ${i} ${t}`);
  }
  // finite layer: per example and position, mean 0 and variance 1 over the channels (eps = 1e-12)
  const net = new StaxNetwork(serial(c, layerNorm()), key(2), [2, 4, 4]);
  const y = net.forward(imgs).data;
  for (let i = 0; i < 3; i++) for (let p = 0; p < P; p++) {
    let m = 0, s = 0;
    for (let ch = 0; ch < 5; ch++) m += y[(i * 5 + ch) * P + p]! / 5;
    for (let ch = 0; ch < 5; ch++) s += (y[(i * 5 + ch) * P + p]! - m) ** 2 / 5;
    close(m, 0, 1e-12, 'channel mean');
    close(s, 1, 1e-9, 'channel variance');
  }
  const whole = new StaxNetwork(serial(c, layerNorm({ axis: [1, 2, 3] })), key(2), [2, 4, 4]).forward(imgs).data;
  let m = 0, s = 0;
  for (let t = 0; t < 5 * P; t++) m += whole[t]! / (5 * P);
  for (let t = 0; t < 5 * P; t++) s += (whole[t]! - m) ** 2 / (5 * P);
  close(m, 0, 1e-12, 'image mean');
  close(s, 1, 1e-9, 'image variance');
});

test('refused: after a nonlinearity or on the raw inputs (not Gaussian), axes without the channels, the batch axis, bad eps', () => {
  assert.throws(() => kernelFn(serial(front(), relu(), layerNorm()), x), /layerNorm.*dense or conv/);
  assert.throws(() => kernelFn(layerNorm(), x), /Gaussian/);
  assert.throws(() => kernelFn(serial(conv(2, 3), flatten(), layerNorm()), [[[[1, 2, 3], [1, 2, 3], [1, 2, 3]]]]), /Gaussian/);
  assert.throws(() => layerNorm({ axis: [2, 3] }), /include 1/);
  assert.throws(() => layerNorm({ axis: [0, 1] }), /batch axis/);
  assert.throws(() => layerNorm({ eps: -1 }), /eps/);
  assert.throws(() => kernelFn(serial(front(), layerNorm({ axis: [1, 2] })), x), /rank/);
});

const WIDTH = 1024;

test('Monte Carlo, width 1024: dense → layerNorm → relu → dense, and conv → layerNorm(axis [1, 2, 3]) → relu → conv → globalAvgPool', () => {
  const xs = tensor([[1, 0.3], [0.6, -1], [-0.4, 0.9]], undefined, 'f64');
  compareWithMonteCarlo((outputs) => serial(dense(WIDTH, { wStd: 1.5, bStd: 0.3 }), layerNorm(), relu(), dense(outputs, { wStd: 1.2, bStd: 0.1 })), xs, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'dense layerNorm');
  const imgs = random.normal(key(3), [3, 1, 4, 4], { dtype: 'f64' });
  compareWithMonteCarlo((outputs) => serial(conv(WIDTH, 3, { wStd: 1.4, bStd: 0.2 }), layerNorm({ axis: [1, 2, 3] }), relu(), conv(outputs, 3, { wStd: 1.3, bStd: 0.1, padding: 'valid' }), globalAvgPool()), imgs, [1, 4, 4], { nngpOutputs: 64, nngpSamples: 48, ntkSamples: 48 }, 'conv layerNorm');
});
