// Module trees, masks, state dicts, parameterisations, initialisers and stochastic layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { key, split } from '../../src/core/random.js';
import { Dropout, Embedding, Linear, Sequential, init, mlp, smallCnn } from '../../src/nn/index.js';
import { assertClose } from '../support/random.js';

test('parameters and buffers are named by dotted paths, PyTorch-style', () => {
  const net = smallCnn(key(0));
  const names = Object.keys(net.namedParameters());
  assert.deepEqual(names, ['0.weight', '1.weight', '1.bias', '4.weight', '5.weight', '5.bias', '9.weight', '9.bias']);
  assert.deepEqual(Object.keys(net.namedBuffers()).filter((n) => n.startsWith('1.')), ['1.running_mean', '1.running_var', '1.num_batches_tracked']);
  assert.deepEqual(net.forward(T.zeros([2, 1, 28, 28])).shape, [2, 10]);
  assert.equal(mlp([784, 300, 100, 10], key(1)).parameterCount(), 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
});

test('a mask zeroes the parameter, its effect and its gradient; parameterCount counts survivors', () => {
  const lin = new Linear(3, 2, { key: key(2) });
  const mask = T.tensor([1, 0, 1, 0, 1, 1], [2, 3], 'u8');
  lin.setMask('weight', mask);
  const w = lin.namedParameters().weight!;
  assert.deepEqual([w.data[1], w.data[3]], [0, 0]);
  w.data[1] = 5; // an optimizer step could write here; the mask still holds in the forward pass
  const x = T.tensor([[1, 2, 3]]).asParameter();
  T.backward(T.sum(lin.forward(x)));
  assert.deepEqual([w.grad!.data[1], w.grad!.data[3]], [0, 0]);
  assert.deepEqual(Array.from(w.grad!.data).filter((_, i) => mask.data[i]).length, 4);
  assert.equal(lin.parameterCount(false), 4 + 2);
  assert.throws(() => lin.setMask('weight', T.ones([3, 2], 'u8')), /setMask: weight expected a mask of shape \[2, 3\]/);
});

test('stateDict round-trips into a fresh model; mismatches are named', () => {
  const a = mlp([4, 3, 2], key(3)), b = mlp([4, 3, 2], key(4));
  b.loadStateDict(a.stateDict());
  const x = T.random.normal(key(5), [5, 4]);
  assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
  assert.throws(() => b.loadStateDict({ '0.weight': T.zeros([3, 4]) }), /missing \[0\.bias, 2\.weight, 2\.bias\]/);
});

test('NTK parameterisation: y = (σw/√n)·xWᵀ + σb·b with unit-variance W and b', () => {
  const lin = new Linear(1000, 2000, { key: key(6), parameterization: 'ntk', wStd: 1.5, bStd: 0.1, dtype: 'f64' });
  const p = lin.namedParameters();
  const w = p.weight!.data;
  const v = Array.from(w).reduce((s, x) => s + x * x, 0) / w.length;
  assert.ok(Math.abs(v - 1) < 0.01, `weight variance ${v}`);
  const x = T.ones([1, 1000], 'f64');
  const y = lin.forward(x).data;
  const manual = Array.from({ length: 3 }, (_, o) => {
    let s = 0;
    for (let i = 0; i < 1000; i++) s += w[o * 1000 + i]!;
    return (1.5 / Math.sqrt(1000)) * s + 0.1 * p.bias!.data[o]!;
  });
  assertClose(Array.from(y).slice(0, 3), manual, 1e-12);
});

test('initialisers have the PyTorch variances', () => {
  const n = 400, m = 300;
  const variance = (t: T.Tensor) => Array.from(t.data).reduce((s, x) => s + x * x, 0) / t.size;
  assertClose([variance(init.kaimingNormal(key(7), [m, n], { nonlinearity: 'relu' }))], [2 / n], 0.03);
  assertClose([variance(init.kaimingUniform(key(8), [m, n], { nonlinearity: 'relu' }))], [2 / n], 0.03);
  assertClose([variance(init.xavierUniform(key(9), [m, n]))], [2 / (n + m)], 0.03);
  assertClose([variance(init.xavierNormal(key(10), [m, n]))], [2 / (n + m)], 0.03);
  const tn = init.truncatedNormal(key(11), [m, n], { std: 0.02 });
  assert.ok(Array.from(tn.data).every((v) => Math.abs(v) <= 0.04 + 1e-7));
  assertClose([variance(tn)], [0.02 ** 2 * 0.7737], 0.03); // variance of N(0,1) truncated at ±2
});

test('dropout is inverted, keyed and inactive in eval mode; Sequential gives children distinct keys', () => {
  const d = new Dropout(0.25);
  const x = T.ones([10000], 'f64');
  const y = d.forward(x, { key: key(12) });
  const kept = Array.from(y.data).filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 4 / 3) < 1e-12));
  assert.ok(Math.abs(kept.length / 10000 - 0.75) < 0.02);
  assert.deepEqual(d.forward(x, { key: key(12) }).toArray(), y.toArray());
  assert.throws(() => d.forward(x), /Dropout: ctx\.key expected a random key in training mode/);
  assert.equal(d.eval().forward(x), x);
  const seq = new Sequential(new Dropout(0.5), new Dropout(0.5));
  const [k] = split(key(13));
  const out = seq.forward(T.ones([64], 'f64'), { key: k! });
  assert.ok(out.data.some((v) => v === 4) && out.data.some((v) => v === 0));
});

test('embedding looks up rows and sends gradients back to them', () => {
  const e = new Embedding(5, 3, { key: key(14), dtype: 'f64' });
  const ids = T.tensor([[4, 0], [4, 2]], undefined, 'i32');
  const out = e.forward(ids);
  assert.deepEqual(out.shape, [2, 2, 3]);
  const w = e.namedParameters().weight!;
  assert.deepEqual(Array.from(out.data.slice(0, 3)), Array.from(w.data.slice(12, 15)));
  T.backward(T.sum(out));
  assert.deepEqual(Array.from(w.grad!.data), [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2]);
});
