// The tiny ZAYA1 against a PyTorch reference (scripts/fixtures/zaya1_golden.py): the same float32 weights
// and tokens give the reference's logits, loss, expert choices and the gradient of every parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { key } from '../../src/core/random.js';
import { Tensor, backward, crossEntropy, reshape } from '../../src/tensor/index.js';
import { validateZaya1Config, Zaya1Model, type Zaya1Config } from '../../src/models/zaya1/index.js';

interface Arr { shape: number[]; dtype: string; data: number[] }
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/zaya1-golden.json', import.meta.url), 'utf8')) as {
  config: Zaya1Config; params: Record<string, Arr>; ids: Arr; targets: Arr; logits: Arr; loss: number; experts: number[][]; grads: Record<string, Arr>;
};

test('ZAYA1 (CCA + router + SwiGLU MoE + residual scaling, 2 blocks) matches PyTorch: logits, loss, experts, every parameter gradient', () => {
  const config = validateZaya1Config(fixture.config);
  const model = new Zaya1Model(config, key(0));
  const state: Record<string, Tensor> = {};
  for (const [k, a] of Object.entries(fixture.params)) state[k] = new Tensor(Float32Array.from(a.data), a.shape);
  model.loadStateDict(state, { strict: false });
  assert.deepEqual(Object.keys(model.namedParameters()).sort(), Object.keys(fixture.params).sort());
  const [B, S] = fixture.ids.shape as [number, number];
  const out = model.run(new Tensor(Int32Array.from(fixture.ids.data), [B, S]));
  const logits = out.logits.data as Float32Array;
  let worst = 0;
  fixture.logits.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - logits[i]!))));
  assert.ok(worst < 2e-4, `logits max |Δ| ${worst}`);
  const counts = fixture.experts.map((choice) => Array.from({ length: config.experts }, (_, e) => choice.filter((c) => c === e).length));
  assert.deepEqual(out.expertCounts, counts);
  const loss = crossEntropy(reshape(out.logits, [B * S, config.vocab]), new Tensor(Int32Array.from(fixture.targets.data), [B * S]));
  assert.ok(Math.abs(loss.item() - fixture.loss) < 1e-5, `loss ${loss.item()} vs ${fixture.loss}`);
  backward(loss);
  const params = model.namedParameters();
  for (const [k, g] of Object.entries(fixture.grads)) {
    const mine = params[k]!.grad?.data ?? new Float32Array(g.data.length);
    const scale = Math.max(1e-3, ...g.data.map(Math.abs));
    let d = 0;
    g.data.forEach((v, i) => (d = Math.max(d, Math.abs(v - mine[i]!))));
    assert.ok(d / scale < 2e-3, `${k}: gradient max |Δ| ${d} (scale ${scale})`);
  }
});
