// Zamba2 forward paths on a tiny random model: the mixer's chunked prefill equals its token-by-token
// recurrence, the whole model's chunked prefill equals token-by-token decoding, and one cached decode step
// equals a full recompute; continued prefill (prompt, then a multi-token chunk) equals one prefill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZamba2Config } from '../../src/models/zamba2/config.js';
import { tinyZamba2ConfigJson } from '../../src/models/zamba2/tinyConfig.js';
import { assembleZamba2Weights, randomZamba2Tensors } from '../../src/models/zamba2/weights.js';
import { Zamba2Model } from '../../src/models/zamba2/model.js';
import { mamba2Mixer, zeroMamba2State } from '../../src/nn/sequence/index.js';
import { Tensor, concat } from '../../src/tensor/index.js';
import { normalValues, key } from '../../src/core/random.js';

const config = parseZamba2Config(tinyZamba2ConfigJson(40));
const tensors = randomZamba2Tensors(config, 3);
const model = new Zamba2Model(config, assembleZamba2Weights(config, (n) => tensors.get(n)!));
const ids = [1, 5, 9, 12, 3, 7, 22, 31, 8, 4, 17];

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

test('Mamba2 mixer: chunked prefill (chunk 4, 13 tokens) equals the token-by-token recurrence to 1e-5 (f32)', () => {
  const layer = model.weights.layers[0]!.mamba.mixer;
  const u = new Tensor(Float32Array.from(normalValues(key(11), 13 * config.hidden, 'f32')), [13, config.hidden]);
  const chunk = mamba2Mixer(model.mambaDims, layer, u, zeroMamba2State(model.mambaDims), 'chunked');
  let state = zeroMamba2State(model.mambaDims);
  const ys: Tensor[] = [];
  for (let t = 0; t < 13; t++) {
    const step = mamba2Mixer(model.mambaDims, layer, new Tensor(u.data.subarray(t * config.hidden, (t + 1) * config.hidden), [1, config.hidden]), state, 'recurrent');
    ys.push(step.y);
    state = step.state;
  }
  const yRec = concat(ys, 0).data;
  assert.ok(maxRelDiff(chunk.y.data, yRec) <= 1e-5, `outputs differ by ${maxRelDiff(chunk.y.data, yRec)}`);
  assert.ok(maxRelDiff(chunk.state.ssm.data, state.ssm.data) <= 1e-5, 'final SSM states differ');
  assert.deepEqual(Array.from(chunk.state.conv.data), Array.from(state.conv.data), 'conv windows differ');
});

test('model: chunked prefill logits equal token-by-token recurrent decoding at every position (5e-5, f32 arithmetic)', () => {
  const full = model.forwardAll(ids, model.newCache(), 'chunked');
  const cache = model.newCache();
  const V = config.vocabSize;
  for (let t = 0; t < ids.length; t++) {
    const step = model.forwardLast([ids[t]!], cache, 'recurrent');
    const d = maxRelDiff(step, full.subarray(t * V, (t + 1) * V));
    assert.ok(d <= 5e-5, `position ${t}: ${d}`);
  }
  assert.equal(cache.length, ids.length);
});

test('model: one cached decode step equals a full recompute (1e-4), and continued prefill equals one prefill', () => {
  const cache = model.newCache();
  model.forwardLast(ids.slice(0, -1), cache, 'chunked');
  const step = model.forwardLast(ids.slice(-1), cache, 'recurrent');
  const full = model.forwardLast(ids, model.newCache(), 'chunked');
  assert.ok(maxRelDiff(step, full) <= 1e-4, `step vs full: ${maxRelDiff(step, full)}`);
  const c2 = model.newCache();
  model.forwardLast(ids.slice(0, 6), c2, 'chunked');
  const cont = model.forwardLast(ids.slice(6), c2, 'chunked');
  assert.ok(maxRelDiff(cont, full) <= 1e-5, `continued prefill vs full: ${maxRelDiff(cont, full)}`);
  // The logits depend on the tokens: a different last token changes them.
  const other = model.forwardLast([...ids.slice(0, -1), 30], model.newCache(), 'chunked');
  assert.ok(maxRelDiff(other, full) > 1e-3);
});

test('cache bytes: recurrent state for every layer plus KV per hybrid invocation, growing linearly', () => {
  const cache = model.newCache();
  model.forwardLast(ids, cache);
  const conv = config.convDim * config.mambaConvKernel, ssm = config.mambaHeads * config.mambaHeadDim * config.mambaStateSize;
  const expected = 4 * (config.layers * (conv + ssm) + ids.length * 2 * config.hybridLayerIds.length * config.kvHeads * config.attentionHeadDim);
  assert.equal(model.cacheBytes(cache), expected);
});
