// The --arch grammar beyond dense stacks: conv / pooling / flatten tokens and "( A | B ) fanin_*" branches
// build exactly the layers written out by hand (same kernels to the last bit), nested branches work, an
// empty branch is the identity, and malformed specs name the token and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, normalValues } from '../../src/core/random.js';
import {
  avgPool, conv, dense, erf, fanInConcat, fanInProd, fanInSum, fanOut, flatten, globalAvgPool, identity, kernelFn, parallel, parseArchitecture, relu, serial, sumPool, type Layer,
} from '../../src/infinite/index.js';

const same = (spec: string, built: Layer, x: { data: Float64Array; shape: number[] }) => {
  const a = kernelFn(parseArchitecture(spec), x), b = kernelFn(built, x);
  assert.deepEqual(a.nngp, b.nngp, `${spec}: nngp`);
  assert.deepEqual(a.ntk, b.ntk, `${spec}: ntk`);
};

test('grammar: branches with fan-ins equal the hand-built fanOut/parallel/fanIn networks', () => {
  const x = { data: normalValues(key(1), 6 * 5, 'f64'), shape: [6, 5] };
  same('dense:1.2:0.1 ( relu dense:1:0 | erf ) fanin_sum dense:1:0', serial(dense(1, { wStd: 1.2, bStd: 0.1 }), fanOut(2), parallel(serial(relu(), dense(1, { wStd: 1, bStd: 0 })), erf()), fanInSum(), dense(1, { wStd: 1, bStd: 0 })), x);
  same('dense:1:0 ( relu | ) fanin_prod dense:1:0', serial(dense(1, { wStd: 1, bStd: 0 }), fanOut(2), parallel(relu(), identity()), fanInProd(), dense(1, { wStd: 1, bStd: 0 })), x);
  same('dense:1:0 ( relu | erf | ( relu | erf ) fanin_sum ) fanin_concat dense:1:0',
    serial(dense(1, { wStd: 1, bStd: 0 }), fanOut(3), parallel(relu(), erf(), serial(fanOut(2), parallel(relu(), erf()), fanInSum())), fanInConcat(), dense(1, { wStd: 1, bStd: 0 })), x);
});

test('grammar: conv (stride, padding), pooling, flatten and global pooling on images', () => {
  const x = { data: normalValues(key(2), 4 * 2 * 6 * 6, 'f64'), shape: [4, 2, 6, 6] };
  same('conv:1:3:1.5:0.1:2:circular relu avg_pool:2 flatten dense:1:0', serial(conv(1, 3, { wStd: 1.5, bStd: 0.1, stride: 2, padding: 'circular' }), relu(), avgPool(2), flatten(), dense(1, { wStd: 1, bStd: 0 })), x);
  same('conv:1:3:1:none relu sum_pool:3:1:same conv:1:2:1:0:1:valid global_avg_pool', serial(conv(1, 3, { wStd: 1, bStd: null }), relu(), sumPool(3, { stride: 1, padding: 'same' }), conv(1, 2, { wStd: 1, bStd: 0, stride: 1, padding: 'valid' }), globalAvgPool()), x);
});

test('grammar errors name the token and what was expected', () => {
  assert.throws(() => parseArchitecture('( relu | erf ) dense:1:0'), /expected fanin_sum, fanin_prod or fanin_concat after the branches/);
  assert.throws(() => parseArchitecture('( relu | erf fanin_sum'), /a fan-in must follow branches/);
  assert.throws(() => parseArchitecture('( relu | erf'), /expected a closing "\)" for the branches opened here, got the end/);
  assert.throws(() => parseArchitecture('( relu ) fanin_sum'), /at least 2 branches/);
  assert.throws(() => parseArchitecture('relu ) fanin_sum'), /unexpected outside branches/);
  assert.throws(() => parseArchitecture('conv:1:3:1:0:1:reflect'), /PADDING expected same, valid or circular, got "reflect"/);
  assert.throws(() => parseArchitecture('avg_pool:2:1:circular'), /PADDING expected valid or same/);
  assert.throws(() => parseArchitecture('conv:1:3'), /expected 4 or 5 or 6 parameter/);
  assert.throws(() => parseArchitecture('flatten:2'), /expected 0 parameter/);
});

test('finite widths: options.width is the default WIDTH of hidden dense layers, options.outputs that of a final dense readout; explicit WIDTHs win', () => {
  const outShape = (spec: string, o: { width?: number; outputs?: number }) => parseArchitecture(spec, o).init(key(3), [5]).outputShape;
  const weights = (spec: string, o: { width?: number; outputs?: number }) => {
    const { params } = parseArchitecture(spec, o).init(key(3), [5]);
    return JSON.stringify(params, (k, v: unknown) => (v && typeof v === 'object' && 'shape' in v ? (v as { shape: number[] }).shape : v));
  };
  assert.deepEqual(outShape('dense:1:0 relu dense:1:0', {}), [1]);
  assert.deepEqual(outShape('dense:1:0 relu dense:1:0', { width: 16 }), [16]);
  assert.deepEqual(outShape('dense:1:0 relu dense:1:0', { width: 16, outputs: 3 }), [3]);
  assert.deepEqual(outShape('dense:1:0 relu dense:1:0:7', { width: 16, outputs: 3 }), [7]);
  assert.deepEqual(outShape('dense:1:0 relu', { width: 16, outputs: 3 }), [16], 'a spec ending in a nonlinearity has no readout');
  assert.match(weights('dense:1:0 relu dense:1:0', { width: 16, outputs: 3 }), /\[16,5\].*\[3,16\]/);
  // The infinite-width kernel does not depend on the widths in the NTK parameterisation.
  const x = { data: normalValues(key(4), 3 * 5, 'f64'), shape: [3, 5] };
  same('dense:1.3:0.2 erf dense:1:0.1', parseArchitecture('dense:1.3:0.2 erf dense:1:0.1', { width: 64, outputs: 2 }), x);
  assert.throws(() => parseArchitecture('relu', { width: 0 }), /width expected a positive integer/);
  assert.throws(() => parseArchitecture('relu', { outputs: 1.5 }), /outputs expected a positive integer/);
});
