// ZAYA1 modules: the parameter counter equals the model's parameters, CCA is causal and its decode state
// reproduces the full forward token by token (values against PyTorch: zaya1.golden.test.ts), the MoE equals a
// per-token dense reference, bias balancing moves load off over-used experts, and a tiny model learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor, concat, noGrad } from '../../src/tensor/index.js';
import { characterVocabulary, TINY_CORPUS } from '../../src/data/index.js';
import { countZaya1Params, loadStats, trainTinyZaya1, Zaya1Model, ZAYA1_TINY, ZayaMoE } from '../../src/models/zaya1/index.js';
import { randomTensor } from '../support/random.js';

const ids = (B: number, S: number, seed = 3) => new Tensor(Int32Array.from({ length: B * S }, (_, i) => (i * 7 + seed * 13 + ((i * i) % 5)) % ZAYA1_TINY.vocab), [B, S]);

/** The tiny model with non-trivial temperatures (the code initialises them to 0: uniform attention). */
function model(seed = 1): Zaya1Model {
  const m = new Zaya1Model(ZAYA1_TINY, key(seed));
  const params = m.namedParameters();
  for (const [k, p] of Object.entries(params)) if (k.endsWith('.temp')) (p.data as Float32Array).set(randomTensor(seed + 5, [...p.shape], 0.5, 2, 'f32').data as Float32Array);
  return m;
}

test('parameter counter = the parameters the model actually has (tiny config and a config with top-2, no EDA, no residual scaling)', () => {
  for (const config of [ZAYA1_TINY, { ...ZAYA1_TINY, topK: 2, useEda: false, scaleResidual: false, blocks: 3 }]) {
    const m = new Zaya1Model(config, key(0));
    const n = Object.values(m.namedParameters()).reduce((a, t) => a + t.size, 0);
    const c = countZaya1Params(config);
    assert.equal(n, c.total + c.embeddings);
  }
});

test('CCA model is causal, and decoding one token at a time with the decode state gives the full-forward logits', () => {
  const m = model();
  const x = ids(2, 9);
  const full = noGrad(() => m.run(x).logits);
  let state = m.initialState(2);
  const steps: Tensor[] = [];
  noGrad(() => {
    for (let t = 0; t < 9; t++) {
      const col = new Tensor(Int32Array.from([x.data[t]!, x.data[9 + t]!]), [2, 1]);
      const r = m.run(col, state);
      state = r.state;
      steps.push(r.logits);
    }
  });
  assert.deepEqual(state.attention[0]!.conv.shape, [2, (ZAYA1_TINY.qHeads + ZAYA1_TINY.kvHeads) * 8, 2]);
  assert.deepEqual(state.attention[0]!.prev.shape, [2, ZAYA1_TINY.hidden]);
  assert.equal(state.attention[0]!.position, 9);
  const decoded = concat(steps, 1).data as Float32Array, f = full.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i]! - decoded[i]!));
  assert.ok(worst < 1e-4, `decode vs full: ${worst}`);
  // prefill 5 then decode 4 is the same too
  const pre = noGrad(() => m.run(new Tensor(Int32Array.from([...x.data.slice(0, 5), ...x.data.slice(9, 14)]), [2, 5])));
  assert.equal(pre.state.attention[1]!.position, 5);
  // causality: changing the last token leaves earlier logits unchanged
  const y = new Tensor(Int32Array.from(x.data as Int32Array), [2, 9]);
  (y.data as Int32Array)[8] = ((y.data as Int32Array)[8]! + 1) % ZAYA1_TINY.vocab;
  const other = noGrad(() => m.run(y).logits).data as Float32Array;
  const V = ZAYA1_TINY.vocab;
  for (let t = 0; t < 8; t++) for (let v = 0; v < V; v++) assert.equal(other[t * V + v], f[t * V + v]);
  assert.notEqual(other[8 * V], f[8 * V]);
});

test('MoE output = Σ over the chosen experts of gate · SwiGLU expert, computed per token', () => {
  const moe = new ZayaMoE({ ...ZAYA1_TINY, topK: 2 }, true, key(4));
  const x = randomTensor(9, [6, ZAYA1_TINY.hidden], -1, 1, 'f32');
  const { y, routing } = noGrad(() => moe.apply(x, null));
  const probs = noGrad(() => moe.router.probabilities(x, null).probs).data as Float32Array;
  const E = ZAYA1_TINY.experts, h = ZAYA1_TINY.hidden;
  for (let t = 0; t < 6; t++) {
    const order = Array.from({ length: E }, (_, e) => e).sort((a, b) => probs[t * E + b]! - probs[t * E + a]!); // biases are 0
    assert.deepEqual(Array.from((routing.experts.data as Int32Array).slice(2 * t, 2 * t + 2)), order.slice(0, 2));
    const row = new Tensor((x.data as Float32Array).slice(t * h, (t + 1) * h), [1, h]);
    const expected = new Float64Array(h);
    for (const e of order.slice(0, 2)) {
      const out = noGrad(() => moe.experts[e]!.forward(row)).data as Float32Array;
      for (let i = 0; i < h; i++) expected[i]! += probs[t * E + e]! * out[i]!;
    }
    for (let i = 0; i < h; i++) assert.ok(Math.abs((y.data as Float32Array)[t * h + i]! - expected[i]!) < 1e-5);
  }
  assert.equal(routing.counts.reduce((a, b) => a + b, 0), 12);
});

test('bias balancing: an over-loaded expert\'s bias falls, an idle one\'s rises; load statistics', () => {
  const moe = new ZayaMoE(ZAYA1_TINY, true, key(5));
  moe.router.updateBiases([10, 0, 3, 3], 0.1);
  const b = moe.router.namedBuffers()['balancing_biases']!.data as Float32Array;
  assert.ok(b[0]! < 0 && b[1]! > 0, `${Array.from(b)}`);
  assert.ok(Math.abs(b[0]! + 0.1) < 1e-6); // first Adam step moves by lr·sign(g)
  assert.deepEqual(loadStats([4, 4, 4, 4]), { maxLoad: 1, cv: 0 });
  assert.equal(loadStats([16, 0, 0, 0]).maxLoad, 4);
});

test('tiny ZAYA1 on the shipped character corpus: loss falls; bias balancing evens expert load vs the control', () => {
  const { chars, ids: corpus } = characterVocabulary(TINY_CORPUS);
  const run = (biasLr: number) => trainTinyZaya1({ config: { ...ZAYA1_TINY, vocab: chars.length }, ids: corpus, steps: 30, batch: 4, sequence: 16, lr: 3e-3, biasLr, seed: 0, every: 10 });
  const on = run(0.02), off = run(0);
  assert.ok(on.records.at(-1)!.loss < on.records[0]!.loss - 0.3, `loss ${on.records.map((r) => r.loss)}`);
  const meanMax = (r: typeof on) => r.records.reduce((s, x) => s + x.maxLoad, 0) / r.records.length;
  assert.ok(meanMax(on) < meanMax(off), `max load with balancing ${meanMax(on)} vs without ${meanMax(off)}`);
});
