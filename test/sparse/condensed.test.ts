// Condensed constant fan-in layers: equal to the masked dense layer (1e-6 relative), ablated rows found
// from the mask, removed rows of one layer folded into the next, clear errors for non-constant fan-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import { setBackend } from '../../src/backend/registry.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { Linear, ReLU, Sequential, Tanh } from '../../src/nn/index.js';
import { fanInMask } from './condensedHelpers.js';
import { condenseLinear, condenseMlp, condensedForward, condensedInput, condensedMlpForward, denseOfCondensed } from '../../src/sparse/condensed.js';

/** max |a − b| / max |b|. */
function relErr(a: T.Tensor, b: T.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let d = 0, s = 0;
  for (let i = 0; i < a.size; i++) {
    d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
    s = Math.max(s, Math.abs(b.data[i]!));
  }
  return d / s;
}

test('a condensed layer equals the masked dense layer on its active rows (1e-6 relative)', () => {
  const out = 37, inF = 53, k = 7, ablated = [0, 5, 36];
  const weight = T.random.normal(key(1), [out, inF]);
  const bias = T.random.normal(key(2), [out]);
  const maskData = fanInMask(out, inF, k, ablated, 3);
  const layer = condenseLinear({ weight, mask: maskData, bias });
  assert.equal(layer.fanIn, k);
  assert.equal(layer.padded, 0);
  assert.ok(layer.indices.data instanceof Uint16Array);
  assert.deepEqual(Array.from(layer.activeRows), Array.from({ length: out }, (_, r) => r).filter((r) => !ablated.includes(r)));
  const x = T.random.normal(key(4), [9, inF]);
  const mask = T.cast(new T.Tensor(maskData, [out, inF]), 'f32');
  const dense = T.add(T.matmul(x, T.mul(weight, mask), { transB: true }), bias);
  const expected = T.take(dense, T.tensor(Array.from(layer.activeRows), [layer.activeRows.length], 'i32'), 1);
  const y = condensedForward(layer, x);
  assert.ok(relErr(y, expected) < 1e-6, `rel err ${relErr(y, expected)}`);
  // a single sample [in] gives [nActive]
  const y1 = condensedForward(layer, T.reshape(T.slice(x, [0, 0], [1, inF]), [inF]));
  assert.deepEqual(y1.shape, [layer.activeRows.length]);
});

test('denseOfCondensed is the masked dense layer: its weight is W·mask, and x·weightᵀ + bias equals condensedForward on the active rows', () => {
  const out = 37, inF = 53, k = 7, ablated = [0, 5, 36];
  const weight = T.random.normal(key(1), [out, inF]), bias = T.random.normal(key(2), [out]);
  const maskData = fanInMask(out, inF, k, ablated, 3);
  const layer = condenseLinear({ weight, mask: maskData, bias });
  const d = denseOfCondensed(layer);
  assert.deepEqual([d.outFeatures, d.inFeatures], [out, inF]);
  const masked = T.mul(weight, T.cast(new T.Tensor(maskData, [out, inF]), 'f32'));
  assert.deepEqual(Array.from(d.weight), Array.from(masked.data as Float32Array, (v) => v + 0)); // + 0: −0 (negative × 0) as 0
  assert.deepEqual(Array.from(d.bias!), ablated.reduce((b, r) => { b[r] = 0; return b; }, Array.from(bias.data as Float32Array)));
  const x = T.random.normal(key(4), [9, inF]);
  const y = T.add(T.matmul(x, new T.Tensor(d.weight, [out, inF]), { transB: true }), new T.Tensor(d.bias!, [out]));
  const active = T.take(y, T.tensor(Array.from(layer.activeRows), [layer.activeRows.length], 'i32'), 1);
  assert.ok(relErr(condensedForward(layer, x), active) < 1e-6);
});

test('activity comes from the mask: a live row whose weights sum to 0 is kept (unlike sum(W) != 0)', () => {
  const weight = new T.Tensor(new Float32Array([1, -1, 0, /**/ 0, 0, 0, /**/ 0, 2, 3]), [3, 3]);
  const mask = new Uint8Array([1, 1, 0, /**/ 0, 0, 0, /**/ 0, 1, 1]);
  const layer = condenseLinear({ weight, mask });
  assert.deepEqual(Array.from(layer.activeRows), [0, 2]);
  assert.deepEqual(Array.from(layer.values.data), [1, -1, 2, 3]);
  assert.deepEqual(Array.from(layer.indices.data), [0, 1, 1, 2]);
  // zero-valued weights under the mask are kept too (e.g. SRigL's zero-initialised grown weights)
  const zeroGrown = condenseLinear({ weight: new T.Tensor(new Float32Array([0, 0, 5, 1]), [2, 2]), mask: new Uint8Array([1, 0, 1, 0]) });
  assert.deepEqual(Array.from(zeroGrown.activeRows), [0, 1]);
});

test('non-constant fan-in is an error naming the row and both counts', () => {
  const weight = T.random.normal(key(5), [4, 6]);
  const mask = fanInMask(4, 6, 3, [], 6);
  mask[2 * 6 + mask.subarray(12, 18).indexOf(0)] = 1; // row 2 gets a 4th input
  assert.throws(() => condenseLinear({ weight, mask }), /mask row 2 expected the constant fan-in 3 of the active rows \(row 0 has 3\), got 4 non-zeros/);
  assert.throws(() => condenseLinear({ weight, mask: new Uint8Array(5) }), /mask expected 4·6 = 24 elements/);
  assert.throws(() => condenseLinear({ weight, mask: fanInMask(4, 6, 3, [], 6), inputKeep: [0, 2, 2] }), /inputKeep\[2\] expected strictly increasing/);
});

test('inputs wider than 65,535 use Int32Array indices', () => {
  const inF = 70_000;
  const weight = T.random.normal(key(7), [2, inF]);
  const mask = new Uint8Array(2 * inF);
  for (const c of [3, 65_540, 69_999]) mask[c] = mask[inF + c] = 1;
  const layer = condenseLinear({ weight, mask });
  assert.ok(layer.indices.data instanceof Int32Array);
  assert.deepEqual(Array.from(layer.indices.data), [3, 65_540, 69_999, 3, 65_540, 69_999]);
  const x = T.random.normal(key(8), [2, inF]);
  const dense = T.matmul(x, T.mul(weight, T.cast(new T.Tensor(mask, [2, inF]), 'f32')), { transB: true });
  assert.ok(relErr(condensedForward(layer, x), dense) < 1e-6);
});

/** An MLP 20-16-12-5 whose first two layers each ablate rows (consecutive layers), with SRigL-like masks. */
function ablatedMlp(): { model: Sequential; ablated: number[][] } {
  const model = new Sequential(
    new Linear(20, 16, { key: key(10) }), ReLU(),
    new Linear(16, 12, { key: key(11) }), Tanh(),
    new Linear(12, 5, { key: key(12) }),
  );
  const ablated = [[2, 5, 11], [0, 7], []];
  const shapes = [[16, 20, 6], [12, 16, 5], [5, 12, 4]] as const;
  shapes.forEach(([out, inF, k], i) => model.setMask(`${2 * i}.weight`, new T.Tensor(fanInMask(out, inF, k, ablated[i]!, 20 + i), [out, inF])));
  return { model, ablated };
}

test('condenseMlp with ablated rows in two consecutive layers equals the masked dense MLP (1e-6 relative)', () => {
  const { model, ablated } = ablatedMlp();
  const mlp = condenseMlp(model);
  assert.deepEqual(mlp.layers.map((l) => l.activeRows.length), [13, 10, 5]);
  assert.deepEqual(mlp.layers.map((l) => l.inFeatures), [20, 13, 10]);
  assert.deepEqual(mlp.activations, [['relu'], ['tanh'], []]);
  assert.ok(!Array.from(mlp.layers[1]!.activeRows).some((r) => ablated[1]!.includes(r)));
  // Layer 1 read some of layer 0's ablated rows (relu(bias) ≠ 0 for some), layer 2 of layer 1's (tanh(bias)):
  // those contributions were folded into the biases and the shortened rows padded with value-0 entries.
  assert.ok(mlp.layers[1]!.padded > 0 && mlp.layers[2]!.padded > 0);
  const x = T.random.normal(key(30), [17, 20]);
  const dense = T.noGrad(() => model.forward(x));
  const condensed = condensedMlpForward(mlp, x);
  assert.ok(relErr(condensed, dense) < 1e-6, `rel err ${relErr(condensed, dense)}`);
  // Without the fold (the reference code drops removed inputs) the outputs differ: the fold is doing work.
  const dropped = { ...mlp, layers: mlp.layers.map((l, i) => (i === 2 ? condenseLinear({ weight: model.namedParameters()['4.weight']!, mask: model.namedMasks()['4.weight']!, bias: model.namedParameters()['4.bias']!, inputKeep: mlp.layers[1]!.activeRows }) : l)) };
  assert.ok(relErr(condensedMlpForward(dropped, x), dense) > 1e-3);
});

test('condensed MLP on the wasm backend (2 threads) equals the dense MLP', async () => {
  const { model } = ablatedMlp();
  const mlp = condenseMlp(model);
  const x = T.random.normal(key(31), [40, 20]);
  const dense = T.noGrad(() => model.forward(x));
  const wasm = await createWasmBackend({ threads: 2 });
  const previous = setBackend(wasm);
  try {
    for (const batch of [1, 33, 40]) {
      const xb = T.slice(x, [0, 0], [batch, 20]);
      const err = relErr(condensedMlpForward(mlp, xb), T.slice(dense, [0, 0], [batch, 5]));
      assert.ok(err < 1e-6, `batch ${batch}: rel err ${err}`);
    }
  } finally {
    setBackend(previous);
    await wasm.dispose();
  }
});

test('condenseMlp rejects layers it cannot condense', () => {
  const model = new Sequential(new Linear(4, 3, { key: key(1) }), new Linear(3, 2, { key: key(2), parameterization: 'ntk' }));
  assert.throws(() => condenseMlp(model), /layer 1 expected a Linear with parameterization 'standard'/);
});

test('an unmasked Linear condenses as dense (fan-in = its kept inputs) and still matches', () => {
  const model = new Sequential(new Linear(6, 5, { key: key(40) }), ReLU(), new Linear(5, 3, { key: key(41) }));
  model.setMask('0.weight', new T.Tensor(fanInMask(5, 6, 2, [3], 42), [5, 6]));
  const mlp = condenseMlp(model);
  assert.deepEqual([mlp.layers[1]!.inFeatures, mlp.layers[1]!.fanIn, mlp.layers[1]!.padded], [4, 4, 0]);
  const x = T.random.normal(key(43), [4, 6]);
  const err = relErr(condensedMlpForward(mlp, x), T.noGrad(() => model.forward(x)));
  assert.ok(err < 1e-6, `rel err ${err}`);
});

test('condensedInput: the input description of a condensed classifier, or an error saying it is unknown', () => {
  const m = new Sequential(new Linear(4, 3, { key: key(1) }), ReLU(), new Linear(3, 2, { key: key(2) }));
  const bare = condenseMlp(m);
  assert.throws(() => condensedInput(bare), /^TesseraValueError: condensedInput: the condensed file expected an "input" description .*, got none: its input standardisation is unknown$/);
  const input = { dataset: 'mnist', preprocessing: { mean: 0.13, std: 0.31, flatten: true } };
  assert.deepEqual(condensedInput({ ...bare, input }), input);
});
