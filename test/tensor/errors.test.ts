// Bad input gets an error that names the op, the argument, and expected vs got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { TesseraError } from '../../src/core/errors.js';

const f32 = (shape: number[]) => T.zeros(shape, 'f32');

function throwsWith(fn: () => unknown, kind: string, ...parts: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    for (const p of parts) assert.match(e.message, p);
    return true;
  });
}

test('shape mismatches name the op and both shapes', () => {
  throwsWith(() => T.add(f32([2, 3]), f32([4, 3])), 'shape', /^add:/, /\[2, 3\]/, /\[4, 3\]/);
  throwsWith(() => T.matmul(f32([2, 3]), f32([4, 5])), 'shape', /^matmul:/, /inner dimensions/, /\[2, 3\]/, /\[4, 5\]/);
  throwsWith(() => T.matmul(f32([3]), f32([3, 2])), 'shape', /^matmul: a expected rank ≥ 2/);
  throwsWith(() => T.reshape(f32([2, 3]), [4, 2]), 'shape', /^reshape: shape expected 6 elements/, /\[4, 2\]/);
  throwsWith(() => T.conv2d(f32([1, 3, 5, 5]), f32([4, 2, 3, 3])), 'shape', /^conv2d: weight expected dimension 1 = Cin\/groups = 3/);
  throwsWith(() => T.conv2d(f32([1, 3, 2, 2]), f32([4, 3, 3, 3])), 'shape', /^conv2d: x expected a padded input/);
  throwsWith(() => T.concat([f32([2, 3]), f32([2, 4])], 0), 'shape', /^concat: tensors\[1\] expected shape \[\*, 3\]/);
  throwsWith(() => T.tensor([[1, 2], [3]]), 'shape', /^tensor: values\[1\] expected an array of length 2/);
  throwsWith(() => T.crossEntropy(f32([4, 3]), T.zeros([5], 'i32')), 'shape', /^crossEntropy: targets expected \[4\]/);
});

test('dtype mismatches name the op, the argument and both dtypes', () => {
  throwsWith(() => T.add(f32([2]), T.zeros([2], 'f64')), 'dtype', /^add: b expected dtype f32/, /got f64/);
  throwsWith(() => T.exp(T.zeros([2], 'i32')), 'dtype', /^exp: x expected dtype f32 or f64, got i32/);
  throwsWith(() => T.matmul(T.zeros([2, 2], 'i32'), T.zeros([2, 2], 'i32')), 'dtype', /^matmul: a expected dtype f32 or f64/);
  throwsWith(() => T.where(f32([2]), f32([2]), f32([2])), 'dtype', /^where: condition expected dtype u8/);
  throwsWith(() => T.take(f32([3, 2]), f32([1])), 'dtype', /^take: indices expected dtype an integer dtype/);
});

test('out-of-range axes and indices name the op and the valid range', () => {
  throwsWith(() => T.sum(f32([2, 3]), 2), 'range', /^sum: axis expected an integer in \[-2, 1\], got 2/);
  throwsWith(() => T.softmax(f32([2, 3]), -3), 'range', /^softmax: axis/);
  throwsWith(() => T.take(f32([3, 2]), T.tensor([0, 3], [2], 'i32')), 'range', /^take: indices \(flat position 1\) expected an index in \[0, 3\)/, /got 3/);
  throwsWith(() => T.takeAlongAxis(f32([3, 2]), T.tensor([-1, 0], [1, 2], 'i32'), 0), 'range', /^takeAlongAxis: indices/, /got -1/);
  throwsWith(() => T.fanInMatmul(f32([1, 4]), f32([2, 2]), T.tensor([0, 1, 2, 9], [2, 2], 'i32')), 'range', /^fanInMatmul: indices .* expected an input index in \[0, 4\)/);
  // Indices are scanned once per tensor; the cached result is still checked against each call's input width.
  const idx = T.tensor([0, 1, 2, 3], [2, 2], 'i32');
  T.fanInMatmul(f32([1, 4]), f32([2, 2]), idx);
  throwsWith(() => T.fanInMatmul(f32([1, 3]), f32([2, 2]), idx), 'range', /^fanInMatmul: indices \(flat position 3\) expected an input index in \[0, 3\), got 3/);
  throwsWith(() => T.fanInMatmul(f32([1, 4]), f32([2, 2]), T.tensor([0, -1, 2, 3], [2, 2], 'i32')), 'range', /^fanInMatmul: indices \(flat position 1\)/, /got -1/);
  throwsWith(() => T.slice(f32([4]), [0], [4], [0]), 'range', /^slice: steps\[0\] expected a positive integer/);
  throwsWith(() => T.pad(f32([4]), [[-1, 0]]), 'range', /^pad: pads\[0\] expected non-negative integers/);
  throwsWith(() => T.conv2d(f32([1, 2, 5, 5]), f32([2, 2, 3, 3]), { stride: 0 }), 'range', /^conv2d: stride expected integers ≥ 1/);
});

test('gradient entry points reject non-scalar and integer arguments clearly', () => {
  throwsWith(() => T.valueAndGrad((x) => T.mul(x, 2))(f32([3])), 'value', /^valueAndGrad: f expected a function returning a float scalar tensor, got shape \[3\]/);
  throwsWith(() => T.grad((x) => T.sum(x))(T.zeros([2], 'i32')), 'dtype', /^valueAndGrad: argument 0 expected dtype f32 or f64, got i32/);
  throwsWith(() => T.backward(T.sum(f32([2]))), 'value', /^backward: root expected a tensor that requires grad/);
});

test('anomaly detection names the op that turns finite inputs into NaN or ∞, forward and backward', () => {
  const x = T.tensor([1, -2, 3], undefined, 'f64');
  assert.ok(Number.isNaN(T.log(x).data[1]!), 'without detection, NaN propagates silently (as PyTorch)');
  throwsWith(() => T.detectAnomaly(() => T.log(x)), 'value', /^log: produced NaN at flat index 1 from finite inputs \(input 0 \[3\] = -2\)/);
  throwsWith(() => T.detectAnomaly(() => T.exp(T.tensor([1000], undefined, 'f64'))), 'value', /^exp: produced Infinity/);
  // sqrt(0) is finite but its derivative 1/(2·sqrt(0)) is not: the VJP is named.
  throwsWith(() => T.detectAnomaly(() => T.grad((v) => T.sum(T.sqrt(v)))(T.tensor([0, 1], undefined, 'f64'))), 'value', /^div \(in the VJP of sqrt\): produced Infinity/);
  // NaN already in the input is propagated, not blamed on the op.
  assert.doesNotThrow(() => T.detectAnomaly(() => T.add(T.tensor([NaN], undefined, 'f64'), 1)));
});
