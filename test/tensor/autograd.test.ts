// Autograd semantics: gradients w.r.t. inputs and parameters, accumulation, noGrad, stopGradient, vjp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { assertClose } from '../support/random.js';

const t64 = (v: number[][] | number[]) => T.tensor(v as number[][], undefined, 'f64');

test('valueAndGrad gives gradients w.r.t. every argument (inputs as well as weights)', () => {
  // L = Σ (x·W)² ; dL/dx = 2(xW)Wᵀ, dL/dW = 2xᵀ(xW)
  const x = t64([[1, 2]]), w = t64([[1, -1], [0.5, 2]]);
  const [value, [gx, gw]] = T.valueAndGrad((a, b) => { const y = T.matmul(a, b); return T.sum(T.mul(y, y)); })(x, w);
  // xW = [2, 3]; L = 13; dL/dx = 2·[2, 3]·Wᵀ = [2·(2−3), 2·(1+6)] = [-2, 14]; dL/dW = 2·[[1],[2]]·[2, 3]
  assert.equal(value.item(), 13);
  assert.deepEqual(gx!.toArray(), [-2, 14]);
  assert.deepEqual(gw!.toArray(), [4, 6, 8, 12]);
  assert.equal(x.grad, null, 'valueAndGrad leaves .grad untouched');
});

test('backward accumulates into parameter leaves across calls (gradient accumulation)', () => {
  const w = t64([1, 2, 3]).asParameter();
  const loss = () => T.sum(T.mul(w, w));
  T.backward(loss());
  assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
  T.backward(loss());
  assert.deepEqual(w.grad!.toArray(), [4, 8, 12]);
});

test('a tensor used twice gets the sum of both paths', () => {
  const [, [g]] = T.valueAndGrad((x) => T.sum(T.add(T.mul(x, x), T.mul(x, 3))))(t64([1, -2]));
  assert.deepEqual(g!.toArray(), [5, -1]);
});

test('noGrad records nothing and stopGradient blocks the flow', () => {
  const w = t64([1, 2]).asParameter();
  const y = T.noGrad(() => T.mul(w, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  const [, [g]] = T.valueAndGrad((x) => T.sum(T.mul(T.stopGradient(x), x)))(t64([3, 4]));
  assert.deepEqual(g!.toArray(), [3, 4]);
  assert.equal(T.isGradEnabled(), true);
});

test('a function that ignores an argument gives it a zero gradient; integer arguments can be held fixed', () => {
  const [, grads] = T.valueAndGrad((a, _b) => T.sum(a), [0, 1])(t64([1, 2]), t64([5]));
  assert.deepEqual(grads[1]!.toArray(), [0]);
  const idx = T.tensor([1, 0], [2], 'i32');
  const [, [gx]] = T.valueAndGrad((x, i) => T.sum(T.mul(T.take(x, i), t64([10, 1]))), [0])(t64([1, 2]), idx);
  assert.deepEqual(gx!.toArray(), [1, 10]);
});

test('vjp pulls back an arbitrary cotangent; f32 gradients match f64 ones', () => {
  const [y, pullback] = T.vjp((x) => T.tanh(x), t64([0.5, -1]));
  const [g] = pullback(t64([1, 2]));
  assertClose(g!.data, [1 - Math.tanh(0.5) ** 2, 2 * (1 - Math.tanh(-1) ** 2)], 1e-12);
  assertClose(y.data, [Math.tanh(0.5), Math.tanh(-1)], 1e-12);
  const f = (x: T.Tensor) => T.sum(T.gelu(T.matmul(x, x, { transB: true })));
  const x64 = t64([[0.1, -0.3, 0.7], [0.2, 0.4, -0.5]]);
  const x32 = T.tensor(x64.data, x64.shape, 'f32');
  assertClose(T.grad(f)(x32)[0]!.data, T.grad(f)(x64)[0]!.data, 1e-5, 1e-6);
});

test('the tape records plain data and the gradient table has a rule for exactly the primitives of the forward table', () => {
  assert.deepEqual(Object.keys(T.vjpRules).sort(), Object.keys(T.primitives).sort());
  const x = T.tensor([1, 2, 3], [3], 'f64').asParameter();
  const y = T.sum(T.mul(x, x), 0);
  assert.equal(y.node!.primitive, 'sum');
  assert.deepEqual(y.node!.params, { axes: [0], keepdims: false });
  assert.equal(y.node!.inputs[0]!.node!.primitive, 'mul');
  // An unknown primitive name on the tape is a clear error, not a silent skip.
  const forged = new T.Tensor(Float64Array.of(1), [], { requiresGrad: true, node: { primitive: 'nope', inputs: [x], params: {} } });
  assert.throws(() => T.backward(forged), /backward: tape node expected a primitive with a VJP rule, got nope/);
});
