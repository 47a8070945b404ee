// Infinite-width NNGP/NTK of stax-style layers against the check tables of research/kernels-bounds.md §C
// (each to 1e-6), closed-form identities, quadrature vs closed forms, and symmetric PSD Gram matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';
import { symmetricEigen } from '../../src/core/linalg.js';
import { key } from '../../src/core/random.js';
import { random } from '../../src/tensor/index.js';
import {
  abRelu, conv, dense, elementwise, erf, fanInSum, fanOut, flatten, gaussHermite, gelu, globalAvgPool, identity, kernelFn, leakyRelu,
  parallel, relu, serial, type Layer,
} from '../../src/infinite/index.js';
import { erf as erfScalar } from '../../src/core/special.js';
import { erf as erfTensor } from '../../src/tensor/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);
const s2 = Math.SQRT2;

function check2(layer: Layer, x1: number[], x2: number[], nngp: number[][], ntk: number[][], what: string): void {
  const k = kernelFn(layer, [x1, x2]);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
    close(k.nngp[i * 2 + j]!, nngp[i]![j]!, 1e-6, `${what} NNGP[${i}][${j}]`);
    close(k.ntk[i * 2 + j]!, ntk[i]![j]!, 1e-6, `${what} NTK[${i}][${j}]`);
  }
}

const reluNet = serial(dense(512, { wStd: s2, bStd: 0 }), relu(), dense(1, { wStd: s2, bStd: 0 }));

const backends = await engineBackends();

for (const backend of backends) test(`[${backend.name}] §C table: serial(Dense(√2, b=0), Relu, Dense(√2, b=0)), ntk parameterisation, 4 input pairs to 1e-6`, () => withBackend(backend, () => {
  check2(reluNet, [1, 0], [0, 1], [[1, 0.318310], [0.318310, 1]], [[2, 0.318310], [0.318310, 2]], '(1,0),(0,1)');
  close(kernelFn(reluNet, [[1, 0], [0, 1]]).nngp[1]!, 1 / Math.PI, 1e-12, 'K12 = 1/π');
  check2(reluNet, [1, 0], [1, 1], [[1, 1.068310], [1.068310, 2]], [[2, 1.818310], [1.818310, 4]], '(1,0),(1,1)');
  check2(reluNet, [1, 0], [0.6, 0.8], [[1, 0.677548], [0.677548, 1]], [[2, 1.100447], [1.100447, 2]], '(1,0),(0.6,0.8)');
  check2(reluNet, [1, 2], [3, -1], [[5, 2.773336], [2.773336, 10]], [[10, 3.318504], [3.318504, 20]], '(1,2),(3,-1)');
}));

for (const backend of backends) test(`[${backend.name}] §C further cases: Erf net, ReLU with σ_w² = 1 σ_b² = 0.1, two hidden ReLU layers`, () => withBackend(backend, () => {
  const erfNet = serial(dense(512, { wStd: s2, bStd: 0 }), erf(), dense(1, { wStd: s2, bStd: 0 }));
  check2(erfNet, [1, 0], [1, 1], [[0.929118, 0.690910], [0.690910, 1.180669]], [[2.067938, 1.458702], [1.458702, 2.878322]], 'erf');
  const b = Math.sqrt(0.1);
  const reluBias = serial(dense(512, { wStd: 1, bStd: b }), relu(), dense(1, { wStd: 1, bStd: b }));
  check2(reluBias, [1, 0], [0, 1], [[0.4, 0.221822], [0.221822, 0.4]], [[0.7, 0.249487], [0.249487, 0.7]], 'relu σ_b² = 0.1');
  const deep = serial(dense(512, { wStd: s2, bStd: 0 }), relu(), dense(512, { wStd: s2, bStd: 0 }), relu(), dense(1, { wStd: s2, bStd: 0 }));
  check2(deep, [1, 0], [0, 1], [[1, 0.493731], [0.493731, 1]], [[3, 0.685709], [0.685709, 3]], 'two hidden ReLU');
}));

for (const backend of backends) test(`[${backend.name}] b_std = 0 vs no bias: same NNGP and same ntk-parameterisation NTK; the standard NTK gains 1 per biased layer`, () => withBackend(backend, () => {
  const x = [[1, 0], [0.3, -2]];
  const net = (bStd: number | null, parameterization: 'ntk' | 'standard') =>
    serial(dense(7, { wStd: 1.3, bStd, parameterization }), relu(), dense(3, { wStd: 0.9, bStd, parameterization }));
  const a = kernelFn(net(0, 'ntk'), x), b = kernelFn(net(null, 'ntk'), x);
  assert.deepEqual(Array.from(a.nngp), Array.from(b.nngp));
  assert.deepEqual(Array.from(a.ntk), Array.from(b.ntk));
  const c = kernelFn(net(0, 'standard'), x), d = kernelFn(net(null, 'standard'), x);
  assert.deepEqual(Array.from(c.nngp), Array.from(d.nngp));
  // Θ_c − Θ_d: the first bias adds 1, carried through the ReLU (K̇) and σ_w², plus 1 from the second bias.
  const kdot = (i: number, j: number) => {
    const xx = (u: number[], v: number[]) => 1.69 * (u[0]! * v[0]! + u[1]! * v[1]!) / 2;
    const K11 = xx(x[i]!, x[i]!), K22 = xx(x[j]!, x[j]!), K12 = xx(x[i]!, x[j]!);
    return (Math.PI - Math.atan2(Math.sqrt(Math.max(K11 * K22 - K12 * K12, 0)), K12)) / (2 * Math.PI);
  };
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) close(c.ntk[i * 2 + j]! - d.ntk[i * 2 + j]!, 0.81 * kdot(i, j) + 1, 1e-12, `standard bias NTK ${i}${j}`);
  // Standard dense on the inputs: Θ = d·K⁰ + 1 (bias), K = σ_w² K⁰ + σ_b².
  const one = kernelFn(dense(5, { wStd: 2, bStd: 0.5, parameterization: 'standard' }), [[1, 2, 3]]);
  close(one.ntk[0]!, 3 * (14 / 3) + 1, 1e-12, 'standard Θ = d·K⁰ + 1');
  close(one.nngp[0]!, 4 * (14 / 3) + 0.25, 1e-12, 'standard K');
}));

for (const backend of backends) test(`[${backend.name}] activations: abRelu/leakyRelu diagonals (a²+b²)/2·K, identity is linear, erf(a,b,c) quadrature matches closed form, gelu diag vs 1-D quadrature`, () => withBackend(backend, () => {
  const x = [[1, 2], [-0.5, 0.7], [0, 0.1]];
  const lin = kernelFn(serial(dense(3), identity(), dense(1)), x);
  const kLin = kernelFn(serial(dense(3), abRelu(1, 1), dense(1)), x); // abRelu(1, 1) is the identity
  for (let i = 0; i < 9; i++) {
    close(kLin.nngp[i]!, lin.nngp[i]!, 1e-12, 'abRelu(1,1) = identity NNGP');
    close(kLin.ntk[i]!, lin.ntk[i]!, 1e-12, 'abRelu(1,1) = identity NTK');
  }
  const leaky = kernelFn(serial(dense(3), leakyRelu(0.2)), x);
  close(leaky.nngp[0]!, ((0.04 + 1) / 2) * (5 / 2), 1e-12, 'leaky diagonal');
  // Quadrature (smooth φ) reproduces the erf closed form with a ≠ 1, b ≠ 1, c ≠ 0.
  const [a, b, c] = [1.5, 0.7, 0.2];
  const closed = kernelFn(serial(dense(3, { wStd: 1.2, bStd: 0.3 }), erf(a, b, c), dense(1)), x);
  const quad = kernelFn(serial(dense(3, { wStd: 1.2, bStd: 0.3 }), elementwise({
    name: 'erf-quad', fn: (v) => a * erfScalar(b * v) + c, derivative: (v) => (a * b * 2 / Math.sqrt(Math.PI)) * Math.exp(-b * b * v * v),
    apply: (t) => erfTensor(t), deg: 150,
  }), dense(1)), x);
  for (let i = 0; i < 9; i++) {
    close(quad.nngp[i]!, closed.nngp[i]!, 1e-9, `quadrature NNGP ${i}`);
    close(quad.ntk[i]!, closed.ntk[i]!, 1e-9, `quadrature NTK ${i}`);
  }
  // gelu diagonal: E[gelu(u)²] for u ~ N(0, K11), by a 1-D rule of 120 points.
  const g = kernelFn(serial(dense(3), gelu()), x);
  const { nodes, weights } = gaussHermite(120);
  const K11 = 2.5, gl = (v: number) => v * 0.5 * (1 + erfScalar(v / Math.SQRT2));
  let e = 0;
  for (let i = 0; i < nodes.length; i++) e += weights[i]! * gl(Math.sqrt(K11) * nodes[i]!) ** 2;
  close(g.nngp[0]!, e, 1e-9, 'gelu E[φ(u)²]');
}));

test('gaussHermite: weights sum to 1, exact Gaussian moments E[z²] = 1, E[z⁴] = 3, E[z⁸] = 105', () => {
  const { nodes, weights } = gaussHermite(10);
  const m = (p: number) => nodes.reduce((s, z, i) => s + weights[i]! * z ** p, 0);
  close(m(0), 1, 1e-13, 'sum');
  close(m(2), 1, 1e-12, 'E z²');
  close(m(4), 3, 1e-11, 'E z⁴');
  close(m(8), 105, 1e-9, 'E z⁸');
  close(m(3), 0, 1e-12, 'E z³');
});

for (const backend of backends) test(`[${backend.name}] combinators: fanOut → parallel(identity, dense) → fanInSum adds the kernels; conv with 1×1 kernel on 1×1 images equals dense`, () => withBackend(backend, () => {
  const x = [[1, 2], [-0.5, 0.7]];
  const res = serial(dense(4, { wStd: 1.1 }), fanOut(2), parallel(identity(), serial(relu(), dense(4, { wStd: 0.8, bStd: 0.2 }))), fanInSum());
  const k = kernelFn(res, x);
  const a = kernelFn(dense(4, { wStd: 1.1 }), x), b = kernelFn(serial(dense(4, { wStd: 1.1 }), relu(), dense(4, { wStd: 0.8, bStd: 0.2 })), x);
  for (let i = 0; i < 4; i++) {
    close(k.nngp[i]!, a.nngp[i]! + b.nngp[i]!, 1e-12, 'residual NNGP');
    close(k.ntk[i]!, a.ntk[i]! + b.ntk[i]!, 1e-12, 'residual NTK');
  }
  const imgs = x.map((r) => r.map((v) => [[v]])); // [N, C=2, 1, 1]
  const viaConv = kernelFn(serial(conv(4, 1, { wStd: 1.3, bStd: 0.1 }), relu(), flatten(), dense(1, { wStd: 0.7 })), imgs);
  const viaDense = kernelFn(serial(dense(4, { wStd: 1.3, bStd: 0.1 }), relu(), dense(1, { wStd: 0.7 })), x);
  for (let i = 0; i < 4; i++) {
    close(viaConv.nngp[i]!, viaDense.nngp[i]!, 1e-12, 'conv 1×1 NNGP');
    close(viaConv.ntk[i]!, viaDense.ntk[i]!, 1e-12, 'conv 1×1 NTK');
  }
  // globalAvgPool of a constant image equals flatten of it.
  const constant = [[[[1, 1], [1, 1]]], [[[0.5, 0.5], [0.5, 0.5]]]];
  const gap = kernelFn(serial(globalAvgPool(), dense(1)), constant), fl = kernelFn(serial(flatten(), dense(1)), constant);
  for (let i = 0; i < 4; i++) close(gap.nngp[i]!, fl.nngp[i]!, 1e-12, 'GAP = flatten on constant images');
}));

for (const backend of backends) test(`[${backend.name}] Gram matrices are symmetric PSD, batched blocks equal one block, and x2 = x1 gives the same as passing x1 twice`, () => withBackend(backend, () => {
  const X = random.normal(key(3), [37, 11], { dtype: 'f64' });
  const net = serial(dense(64, { wStd: 1.4, bStd: 0.1 }), relu(), dense(64, { wStd: 1.4, bStd: 0.1 }), relu(), dense(64, { wStd: 1.4, bStd: 0.1 }), relu(), dense(1, { wStd: 1.4, bStd: 0.1 }));
  const whole = kernelFn(net, X, null, { batchSize: 1000 });
  const blocks = kernelFn(net, X, null, { batchSize: 8 });
  const twice = kernelFn(net, X, X, { batchSize: 10 });
  for (let i = 0; i < whole.nngp.length; i++) {
    close(blocks.nngp[i]!, whole.nngp[i]!, 1e-12, 'batched NNGP');
    close(blocks.ntk[i]!, whole.ntk[i]!, 1e-12, 'batched NTK');
    close(twice.ntk[i]!, whole.ntk[i]!, 1e-12, 'x2 = x1');
  }
  for (const m of [whole.nngp, whole.ntk]) {
    for (let i = 0; i < 37; i++) for (let j = 0; j < i; j++) assert.equal(m[i * 37 + j], m[j * 37 + i], 'symmetric');
    const { values } = symmetricEigen(m, 37);
    assert.ok(values[0]! > -1e-10 * values[36]!, `PSD: smallest eigenvalue ${values[0]} vs largest ${values[36]}`);
  }
  for (let i = 0; i < 37; i++) close(whole.nngpDiag1[i]!, whole.nngp[i * 38]!, 1e-12, 'diagonal');
}));

for (const backend of backends) test(`[${backend.name}] bad input: ragged rows, NaN, mismatched dims, dense after conv without flatten, unmerged branches`, () => withBackend(backend, () => {
  assert.throws(() => kernelFn(reluNet, [[1, 2], [3]]), /x1\[1\] expected an array of length 2.*got length 1/);
  assert.throws(() => kernelFn(reluNet, [[1, NaN]]), /x1\[0\]\[1\] expected a finite number, got NaN/);
  assert.throws(() => kernelFn(reluNet, [[1, 2]], [[1, 2, 3]]), /x2 expected inputs \[N, 2\]/);
  assert.throws(() => kernelFn(reluNet, [[1, 'a']] as unknown as number[][]), /expected a number/);
  assert.throws(() => kernelFn(serial(conv(2, 3), dense(1)), [[[[1, 2, 3], [1, 2, 3], [1, 2, 3]]]]), /add flatten or globalAvgPool/);
  assert.throws(() => kernelFn(serial(fanOut(2), dense(1)), [[1, 2]]), /single branch .*fanInSum/);
  assert.throws(() => dense(0), /outDim expected a positive integer/);
  assert.throws(() => conv(2, 2), /odd sizes/);
}));
