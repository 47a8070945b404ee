// Carlini–Wagner ℓ2: on a binary affine model whose nearest boundary points lie inside the box, the norms it
// finds are within 5% above the exact distance |f| / ‖w₁ − w₀‖₂ (and never below it); the results stay in the
// box; as a fixed-budget attack (cw-l2) it keeps the ε-ball and its success flags are real; targeted mode
// reaches the target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, add, matmul, tensor } from '../../src/tensor/index.js';
import { argmaxRows, carliniWagnerL2, makeAttack, predictLogits, rowNorms, type Classifier } from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const UNIT = { lower: 0, upper: 1 };

test('CW-L2 on a binary affine model: minimal norms within 5% of the exact distance, inside the box', () => {
  const d = 6, n = 24;
  const w = randomTensor(1, [2, d], -1, 1), b = tensor([0.05, -0.05], [2], 'f64');
  const model: Classifier = (x) => add(matmul(x, w, { transB: true }), b);
  const x = randomTensor(2, [n, d], 0.35, 0.65);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const dw = Array.from({ length: d }, (_, j) => w.data[d + j]! - w.data[j]!), norm = Math.hypot(...dw);
  const r = carliniWagnerL2(model, x, y, { box: UNIT, steps: 300, searchSteps: 6, initialConst: 1, learningRate: 0.01 });
  let checked = 0;
  for (let i = 0; i < n; i++) {
    let f = b.data[1]! - b.data[0]!;
    for (let j = 0; j < d; j++) f += dw[j]! * x.data[i * d + j]!;
    const exact = Math.abs(f) / norm;
    const step = Array.from({ length: d }, (_, j) => x.data[i * d + j]! - (f / (norm * norm)) * dw[j]!);
    if (step.some((v) => v < 0 || v > 1)) continue; // the nearest boundary point leaves the box: skip
    checked++;
    assert.equal(r.success[i], 1, `example ${i} found`);
    assert.ok(r.norms[i]! >= exact - 1e-6 && r.norms[i]! <= 1.05 * exact + 1e-4, `example ${i}: ${r.norms[i]} vs exact ${exact}`);
  }
  assert.ok(checked >= n / 2, `${checked} examples checked`);
  r.x.data.forEach((v) => assert.ok(v >= 0 && v <= 1));
});

test('cw-l2 as a fixed-budget attack keeps the ε-ball with real success flags; targeted CW reaches its targets', () => {
  const d = 8, n = 20;
  const w = randomTensor(3, [4, d], -1, 1), bias = randomTensor(4, [4], -0.2, 0.2);
  const model: Classifier = (x) => add(matmul(x, w, { transB: true }), bias);
  const x = randomTensor(5, [n, d], 0.2, 0.8);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const eps = 0.15, r = makeAttack('cw-l2', { box: UNIT, steps: 60 }).attack(model, x, y, eps);
  const norms = rowNorms(Float64Array.from(r.x.data, (v, j) => v - x.data[j]!), n, 'l2');
  const pred = argmaxRows(predictLogits(model, r.x));
  for (let i = 0; i < n; i++) {
    assert.ok(norms[i]! <= eps + 1e-6, `ball ${i}`);
    assert.equal(r.success[i], pred[i] !== y.data[i] ? 1 : 0, `flag ${i}`);
  }
  const targets = new Tensor(Int32Array.from(y.data, (c) => (c + 1) % 4), [n]);
  const t = carliniWagnerL2(model, x, y, { box: UNIT, targets, steps: 150, initialConst: 1 });
  const tp = argmaxRows(predictLogits(model, t.x));
  t.success.forEach((s, i) => assert.equal(s, tp[i] === targets.data[i] ? 1 : 0));
  assert.ok(t.success.reduce((a, s) => a + s, 0) >= n / 2, 'targeted CW reaches most targets');
});
