// Fixed-budget builders: the sparse MLP (both paper budgets), the widened small CNN, the bottleneck baselines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import type { Module } from '../../src/nn/index.js';
import {
  LowRankLinear, NonLinearBottleneck, bottleneckMlpAtBudget, denseWidthForBudget, exactBottleneckWidths,
  readoutRemovalSweep, smallCnnWeightCount, sparseCnnAtBudget, sparseMlpAtBudget,
} from '../../src/sparse/index.js';
import { assertClose } from '../support/random.js';

/** Unmasked elements of the linear/conv weights (rank ≥ 2: not biases, not batch-norm scales). */
function weightCount(model: Module): number {
  const masks = model.namedMasks();
  return Object.entries(model.namedParameters()).filter(([n, p]) => n.endsWith('weight') && p.rank >= 2)
    .reduce((a, [n, p]) => a + (masks[n] ? Array.from(masks[n]!.data).filter(Boolean).length : p.size), 0);
}

test('paper budgets: 3,970 = 5·(784 + 10) and 6,352 = 8·(784 + 10) weights', () => {
  assert.equal(denseWidthForBudget(784, 10, 3970), 5);
  assert.equal(denseWidthForBudget(784, 10, 6352), 8);
  const { model, report } = sparseMlpAtBudget({ inputs: 784, outputs: 10, width: 80, budget: 3970, key: key(1) });
  assert.equal(report.kept, 3970);
  assert.equal(weightCount(model), 3970);
  assert.deepEqual(report.layers.map((l) => l.kept), [3970 - 800, 800]); // readout dense by default
  assert.deepEqual(model.forward(T.zeros([2, 784])).shape, [2, 10]);
});

test('research-note check through the builder: width 635 at 6,352 weights keeps exactly 2 hidden weights', () => {
  const { report, hiddenWeight } = sparseMlpAtBudget({
    inputs: 784, outputs: 10, width: 635, budget: 6352, key: key(2), parameterization: 'ntk', bias: false,
  });
  assert.deepEqual(report.layers.map((l) => l.kept), [2, 6350]);
  const h = hiddenWeight();
  assert.deepEqual(h.shape, [635, 784]);
  assert.equal(Array.from(h.data).filter((v) => v !== 0).length, 2);
  assert.throws(() => sparseMlpAtBudget({ inputs: 784, outputs: 10, width: 636, budget: 6352, key: key(2) }), /width expected at most 635 so that the hidden layer keeps a weight/);
  assert.throws(() => sparseMlpAtBudget({ inputs: 784, outputs: 10, width: 7, budget: 6352, key: key(2) }), /budget expected an integer in \[1, 5558\]/);
});

test('readout removals: explicit counts, water-filling, and the get_NWTF sweep', () => {
  const a = sparseMlpAtBudget({ inputs: 784, outputs: 10, width: 160, budget: 3970, key: key(3), readoutRemovals: 300 });
  assert.deepEqual(a.report.layers.map((l) => l.kept), [3970 - 1300, 1300]);
  const b = sparseMlpAtBudget({ inputs: 784, outputs: 10, width: 300, budget: 3970, key: key(3), readoutRemovals: 'water-filling' });
  assert.deepEqual(b.report.layers.map((l) => l.kept), [1985, 1985]);
  // R = (160 − 5)·794 = 123,070; cap ⌊1600·0.9⌋ = 1440; step 288.
  assert.deepEqual(readoutRemovalSweep({ inputs: 784, outputs: 10, width: 160, budget: 3970, maxReadoutFraction: 0.9 }), [0, 288, 576, 864, 1152, 1440]);
  assert.deepEqual(readoutRemovalSweep({ inputs: 784, outputs: 10, width: 160, budget: 3970, maxReadoutFraction: 0 }), [0]);
});

test('the widened small CNN is sparsified back to the dense base model\'s weight count', () => {
  const base = smallCnnWeightCount({ channels: [4, 8] });
  assert.equal(base, 4 * 9 + 8 * 4 * 9 + 10 * 8 * 49);
  const { model, report, channels } = sparseCnnAtBudget({ key: key(4), baseChannels: [4, 8], factor: 3 });
  assert.deepEqual(channels, [12, 24]);
  assert.equal(report.total, smallCnnWeightCount({ channels: [12, 24] }));
  assert.equal(report.kept, base);
  assert.equal(weightCount(model), base);
  assert.deepEqual(model.forward(T.zeros([1, 1, 28, 28])).shape, [1, 10]);
  const io = sparseCnnAtBudget({ key: key(5), baseChannels: [4, 8], factor: 3, ioOnly: true });
  assert.ok(Math.abs(io.report.kept - base) <= 9, `ioOnly kept ${io.report.kept} vs ${base}`);
  assert.equal(io.report.targetKept, base);
});

test('LowRankLinear is x·(W_up·W_down)ᵀ + b with rank·(in + out) weights', () => {
  const layer = new LowRankLinear(7, 5, 2, { key: key(6) });
  const x = T.random.normal(key(7), [3, 7]);
  const W = layer.effectiveWeight(), b = layer.namedParameters()['up.bias']!;
  assertClose(layer.forward(x).data, T.add(T.matmul(x, W, { transB: true }), b).data, 1e-5, 1e-6);
  assert.equal(layer.weightCount(), 24);
  assert.equal(weightCount(layer), 24);
  assert.throws(() => new LowRankLinear(7, 5, 6, { key: key(6) }), /LowRankLinear: rank expected an integer in \[1, min\(in, out\) = 5\]/);
});

test('NonLinearBottleneck applies the activation at the bottleneck', () => {
  const layer = new NonLinearBottleneck(6, 4, 3, { key: key(8) });
  const p = layer.namedParameters(), x = T.random.normal(key(9), [5, 6]);
  const hidden = T.relu(T.add(T.matmul(x, p['down.weight']!, { transB: true }), p['down.bias']!));
  assertClose(layer.forward(x).data, T.add(T.matmul(hidden, p['up.weight']!, { transB: true }), p['up.bias']!).data, 1e-5, 1e-6);
  assert.equal(layer.weightCount(), 30);
});

test('bottleneck MLPs meet the budget exactly where integers allow, else report the slack', () => {
  assert.deepEqual(exactBottleneckWidths(784, 10, 6352).find((e) => e.width === 103), { width: 103, bottleneck: 6 });
  for (const kind of ['linear', 'nonlinear'] as const) {
    const exact = bottleneckMlpAtBudget({ inputs: 784, outputs: 10, width: 103, budget: 6352, key: key(10), kind });
    assert.equal(exact.bottleneck, 6);
    assert.equal(exact.slack, 0);
    assert.equal(weightCount(exact.model), 6352); // 6·(784 + 103) + 103·10
    assert.deepEqual(exact.model.forward(T.zeros([2, 784])).shape, [2, 10]);
    for (const { width, bottleneck } of exactBottleneckWidths(784, 10, 3970 * 4)) {
      const e = bottleneckMlpAtBudget({ inputs: 784, outputs: 10, width, budget: 3970 * 4, key: key(11), kind });
      assert.equal(e.bottleneck, bottleneck);
      assert.equal(weightCount(e.model), 3970 * 4);
    }
    const near = bottleneckMlpAtBudget({ inputs: 784, outputs: 10, width: 80, budget: 3970, key: key(12), kind });
    assert.equal(near.bottleneck, 3); // ⌊(3970 − 800)/864⌋
    assert.equal(weightCount(near.model), near.weights);
    assert.equal(near.weights + near.slack, 3970);
    assert.ok(near.slack >= 0 && near.slack < 784 + 80);
  }
  assert.throws(() => bottleneckMlpAtBudget({ inputs: 784, outputs: 10, width: 290, budget: 3970, key: key(1), kind: 'linear' }), /width expected at most 289/);
});
