// diagonalSpatial (neural-tangents' diagonal_spatial): kernels that keep only the position diagonals K[p, p] equal
// the diagonals of the full computation, layer by layer (conv with strides and every padding, nonlinearities,
// polynomials, layerNorm, dropout, fan-ins; x2 = x1 and distinct x2), and give the same kernelFn result for networks
// that end in flatten; they take O(P) memory per pair instead of O(P²); the poolings, which mix positions, refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random } from '../../src/tensor/index.js';
import {
  avgPool, blockSize, conv, dense, dropout, erf, fanInConcat, fanInSum, fanOut, flatten, globalAvgPool, identity, inputKernel, kernelFn, layerNorm, parallel,
  positionsOf, rectifiedMonomial, relu, serial, sumPool, toInputs, type Kernel, type Layer,
} from '../../src/infinite/index.js';

const close = (a: number, e: number, what: string) => assert.ok(Math.abs(a - e) <= 1e-12 * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e}`);
const imgs1 = random.normal(key(1), [3, 2, 5, 5], { dtype: 'f64' }), imgs2 = random.normal(key(2), [2, 2, 5, 5], { dtype: 'f64' });

const body = (): Layer[] => [
  conv(6, 3, { wStd: 1.4, bStd: 0.2 }), relu(), conv(6, 3, { wStd: 1.3, bStd: 0.1, padding: 'circular', stride: 2 }), layerNorm(), erf(),
  conv(5, [3, 1], { wStd: 1.2, bStd: 0.1, padding: 'valid' }), dropout(0.8), fanOut(2), parallel(identity(), serial(conv(5, 1, { wStd: 0.9 }), rectifiedMonomial(2))), fanInSum(),
  fanOut(2), parallel(conv(4, 1, { wStd: 1.1 }), conv(3, 3, { bStd: 0.3 })), fanInConcat(), layerNorm({ axis: [1, 2, 3] }), relu(),
];

/** The diagonal kernel equals the full kernel's position diagonals (nngp, ntk, cov1, cov2). */
function diagonalsMatch(full: Kernel, diag: Kernel, what: string): void {
  const P = positionsOf(full);
  assert.ok(diag.diagonalSpatial && !full.diagonalSpatial, what);
  assert.equal(diag.nngp.length, full.n1 * full.n2 * P, `${what}: O(P) storage`);
  assert.equal(blockSize(diag), P);
  for (const [name, n] of [['nngp', full.n1 * full.n2], ['ntk', full.n1 * full.n2], ['cov1', full.n1], ['cov2', full.n2]] as const) {
    for (let b = 0; b < n; b++) for (let p = 0; p < P; p++) close(diag[name][b * P + p]!, full[name][b * P * P + p * (P + 1)]!, `${what} ${name}[${b}, ${p}]`);
  }
}

test('layer by layer, the diagonal kernels are the full kernels\' diagonals (x2 = x1 and distinct x2)', () => {
  const x1 = toInputs('test', 'x1', imgs1), x2 = toInputs('test', 'x2', imgs2);
  const layers = body();
  for (const pair of [[x1, null], [x1, x2]] as const) {
    let full: Kernel = inputKernel(pair[0], pair[1]), diag: Kernel = inputKernel(pair[0], pair[1], { diagonalSpatial: true });
    diagonalsMatch(full, diag, 'input');
    let at = 0, fullFlow: unknown = full, diagFlow: unknown = diag;
    for (const layer of layers) {
      fullFlow = layer.kernel(fullFlow as Kernel);
      diagFlow = layer.kernel(diagFlow as Kernel);
      at++;
      if (!Array.isArray(fullFlow)) diagonalsMatch(fullFlow as Kernel, diagFlow as Kernel, `after layer ${at} (${layer.name})${pair[1] ? ', distinct x2' : ''}`);
    }
    full = fullFlow as Kernel;
    diag = diagFlow as Kernel;
    assert.deepEqual(diag.spatial, full.spatial);
  }
});

test('kernelFn with diagonalSpatial equals the full computation for a network ending in flatten (in blocks too)', () => {
  const net = serial(...body(), flatten(), dense(1, { wStd: 1.1, bStd: 0.1 }));
  for (const x2 of [null, imgs2]) {
    const full = kernelFn(net, imgs1, x2), diag = kernelFn(net, imgs1, x2, { diagonalSpatial: true, batchSize: 2 });
    for (let t = 0; t < full.nngp.length; t++) {
      close(diag.nngp[t]!, full.nngp[t]!, `NNGP ${t}`);
      close(diag.ntk[t]!, full.ntk[t]!, `NTK ${t}`);
    }
    for (let t = 0; t < full.nngpDiag1.length; t++) close(diag.nngpDiag1[t]!, full.nngpDiag1[t]!, `diag1 ${t}`);
  }
  // vectors are unaffected
  const v = [[1, 2], [0.5, -1]], mlp = serial(dense(4, { bStd: 0.1 }), relu(), dense(1));
  assert.deepEqual(Array.from(kernelFn(mlp, v, null, { diagonalSpatial: true }).ntk), Array.from(kernelFn(mlp, v).ntk));
});

test('pooling layers need K[p, q] and refuse diagonal kernels, naming the layer and the fix', () => {
  for (const pool of [globalAvgPool(), serial(avgPool(2), flatten()), serial(sumPool(2), flatten())]) {
    const net = serial(conv(4, 3), relu(), pool, dense(1));
    assert.throws(() => kernelFn(net, imgs1, null, { diagonalSpatial: true }), /diagonalSpatial: false/);
    assert.ok(Number.isFinite(kernelFn(net, imgs1).ntk[0]!), 'the full computation works');
  }
});
