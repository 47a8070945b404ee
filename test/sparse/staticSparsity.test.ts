// applyStaticSparsity: budgets, masks that survive training, re-initialisation formulas, reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, foldIn } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import { Linear, Sequential, ReLU, mlp, smallCnn, type Module } from '../../src/nn/index.js';
import { sgd } from '../../src/optim/index.js';
import { enforceMasks } from '../../src/train/masks.js';
import { applyStaticSparsity, formatConnectivity } from '../../src/sparse/index.js';

/** Unmasked weight elements over the given weight paths. */
function keptWeights(model: Module, paths: string[]): number {
  const masks = model.namedMasks(), params = model.namedParameters();
  return paths.reduce((n, p) => n + (masks[p] ? Array.from(masks[p]!.data).filter(Boolean).length : params[p]!.size), 0);
}

const moments = (xs: number[]): { mean: number; variance: number; maxAbs: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length, maxAbs: Math.max(...xs.map(Math.abs)) };
};

test('after applyStaticSparsity the unmasked weight count equals the budget; biases are not counted', () => {
  const model = mlp([40, 64, 32, 10], key(1));
  const weights = ['0.weight', '2.weight', '4.weight'];
  const report = applyStaticSparsity(model, { key: key(2), budget: 1000 });
  assert.deepEqual(report.layers.map((l) => l.name), weights);
  assert.equal(report.total, 40 * 64 + 64 * 32 + 32 * 10);
  assert.equal(report.kept, 1000);
  assert.equal(keptWeights(model, weights), 1000);
  assert.equal(model.parameterCount(false), 1000 + 64 + 32 + 10);
  // Water-filling: 2560 and 2048 are levelled, the 320-weight readout keeps everything.
  assert.deepEqual(report.layers.map((l) => l.kept), [340, 340, 320]);
  assert.ok(Math.abs(report.connectivity - 1000 / 4928) < 1e-12);
  const text = formatConnectivity(report);
  assert.match(text, /0\.weight\s+\[64×40\]\s+2560\s+340\s+0\.1328/);
  assert.match(text, /total\s+4928\s+1000\s+0\.2029/);
});

test('masked weights stay zero and get zero gradients through SGD with momentum and weight decay', () => {
  const model = mlp([12, 24, 3], key(3));
  applyStaticSparsity(model, { key: key(4), removeTotal: 200, denseLayers: ['2.weight'] });
  const params = model.namedParameters(), masks = model.namedMasks();
  assert.deepEqual(Object.keys(masks), ['0.weight']);
  const before = params['0.weight']!.data.slice();
  const opt = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  const x = T.random.normal(key(5), [16, 12]), y = T.random.randint(key(6), [16], 0, 3);
  for (let step = 0; step < 4; step++) {
    for (const p of Object.values(params)) p.grad = null;
    T.backward(T.crossEntropy(model.forward(x), y));
    const grads: Record<string, T.Tensor> = {};
    for (const [k, p] of Object.entries(params)) if (p.grad) grads[k] = p.grad;
    const m = masks['0.weight']!.data, g = grads['0.weight']!.data;
    for (let i = 0; i < m.length; i++) if (!m[i]) assert.ok(g[i] === 0, `gradient at masked ${i}: ${g[i]}`); // ±0
    opt.step(params, grads);
    enforceMasks(model, opt);
  }
  const w = params['0.weight']!.data, m = masks['0.weight']!.data, mom = opt.state()['0.weight']!.momentum!.data;
  let changed = 0;
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) assert.ok(w[i] === 0 && mom[i] === 0, `masked ${i}: w ${w[i]}, momentum ${mom[i]}`);
    else if (w[i] !== before[i]) changed++;
  }
  assert.equal(Array.from(m).filter((v) => !v).length, 200);
  assert.ok(changed > 0.9 * (m.length - 200), 'unmasked weights train');
});

test('standard re-init: W and b ~ U(±1/√(fan_in·c)) for sparse layers; dense layers untouched', () => {
  const model = new Sequential(new Linear(400, 100, { key: key(7) }), ReLU(), new Linear(100, 10, { key: key(8) }));
  const readoutBefore = model.namedParameters()['2.weight']!.data.slice();
  const report = applyStaticSparsity(model, { key: key(9), removeTotal: 36000, denseLayers: ['2.weight'] });
  const c = report.layers[0]!.connectivity;
  assert.ok(Math.abs(c - 0.1) < 1e-12);
  const bound = 1 / Math.sqrt(400 * c); // 0.158 (the dense bound 1/√400 = 0.05)
  const p = model.namedParameters(), m = model.namedMasks()['0.weight']!.data;
  const kept = Array.from(p['0.weight']!.data).filter((_, i) => m[i]);
  const s = moments(kept);
  assert.ok(s.maxAbs <= bound && s.maxAbs > 0.98 * bound, `max |w| ${s.maxAbs} vs bound ${bound}`);
  assert.ok(Math.abs(s.variance / (bound ** 2 / 3) - 1) < 0.06, `variance ${s.variance} vs ${bound ** 2 / 3}`);
  const b = moments(Array.from(p['0.bias']!.data));
  assert.ok(b.maxAbs <= bound && b.maxAbs > 1 / Math.sqrt(400), `bias redrawn with the sparse bound: max ${b.maxAbs}`);
  assert.deepEqual(Array.from(p['2.weight']!.data), Array.from(readoutBefore));
});

test('standard re-init of a conv layer uses fan_in = in·kh·kw; ioOnly removes whole kernels', () => {
  const model = smallCnn(key(10), { channels: [8, 16] });
  const report = applyStaticSparsity(model, { key: key(11), removeTotal: 900, layers: ['4.weight'], ioOnly: true });
  assert.equal(report.layers[0]!.kept, 16 * 8 * 9 - 900);
  const m = model.namedMasks()['4.weight']!.data, w = model.namedParameters()['4.weight']!.data;
  for (let u = 0; u < 16 * 8; u++) {
    const s = Array.from(m.subarray(9 * u, 9 * u + 9)).reduce((a, v) => a + v, 0);
    assert.ok(s === 0 || s === 9);
  }
  const bound = 1 / Math.sqrt(8 * 9 * report.layers[0]!.connectivity);
  const kept = moments(Array.from(w).filter((_, i) => m[i]));
  assert.ok(kept.maxAbs <= bound && kept.maxAbs > 0.95 * bound, `max |w| ${kept.maxAbs} vs ${bound}`);
});

test('NTK re-init: W ~ N(0, 1/c) (or U(±1/√c)) under the 1/√fan_in prefactor; bias left alone', () => {
  for (const ntkInit of ['normal', 'uniform'] as const) {
    const lin = new Linear(300, 100, { key: key(12), parameterization: 'ntk', bias: false });
    const model = new Sequential(lin);
    const report = applyStaticSparsity(model, { key: foldIn(key(13), ntkInit === 'normal' ? 0 : 1), budget: 7500, ntkInit });
    const c = report.connectivity;
    assert.equal(c, 0.25);
    const m = model.namedMasks()['0.weight']!.data;
    const s = moments(Array.from(model.namedParameters()['0.weight']!.data).filter((_, i) => m[i]));
    const variance = ntkInit === 'normal' ? 1 / c : 1 / (3 * c);
    assert.ok(Math.abs(s.variance / variance - 1) < 0.06, `${ntkInit}: variance ${s.variance} vs ${variance}`);
    if (ntkInit === 'uniform') assert.ok(s.maxAbs <= 1 / Math.sqrt(c));
  }
});

test('re-init rules that do not fit the layer, bad paths and option mixes are rejected by name', () => {
  const ntk = () => new Sequential(new Linear(4, 3, { key: key(1), parameterization: 'ntk' }));
  assert.throws(() => applyStaticSparsity(ntk(), { key: key(0), removeTotal: 2, reinit: 'standard' }), /reinit for 0\.weight expected 'standard' only on standard-parameterised layers/);
  assert.throws(() => applyStaticSparsity(mlp([4, 3], key(1)), { key: key(0), removeTotal: 2, reinit: 'ntk' }), /reinit for 0\.weight expected 'ntk' only on Linear layers in NTK/);
  assert.throws(() => applyStaticSparsity(mlp([4, 3], key(1)), { key: key(0), removeTotal: 2, layers: ['0.bias'] }), /layers \(0\.bias\) expected a linear \[out, in\] or conv/);
  assert.throws(() => applyStaticSparsity(mlp([4, 3], key(1)), { key: key(0), removeTotal: 2, layers: ['9.weight'] }), /layers expected parameter paths of the model/);
  assert.throws(() => applyStaticSparsity(mlp([4, 3], key(1)), { key: key(0), removeTotal: 2, budget: 3 }), /exactly one of removeTotal, budget, removals/);
  assert.throws(() => applyStaticSparsity(mlp([4, 3], key(1)), { key: key(0), budget: 13 }), /budget expected an integer in \[0, 12\]/);
  const once = mlp([4, 3], key(1));
  applyStaticSparsity(once, { key: key(0), removeTotal: 2 });
  assert.throws(() => applyStaticSparsity(once, { key: key(0), removeTotal: 2 }), /static sparsity is applied once/);
});
