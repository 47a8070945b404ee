// DeepFool: on affine classifiers its first step is the exact minimal distance to the label's cell,
// min_k |f_k| / ‖w_k − w_y‖_* (ℓ2 and ℓ∞), so with no overshoot the norms equal that closed form; on a small
// ReLU net its successes are real, the ε cap keeps the ball, and success under a budget means norm ≤ ε.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, add, matmul, relu } from '../../src/tensor/index.js';
import { argmaxRows, deepFool, makeAttack, predictLogits, rowNorms, type Classifier } from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const BIG_BOX = { lower: -100, upper: 100 };

test('DeepFool on an affine 4-class model: minimal ℓ2 and ℓ∞ norms equal min_k |f_k|/‖w_k − w_y‖_* (no overshoot, 1e-5)', () => {
  const [C, d, n] = [4, 6, 30];
  const w = randomTensor(1, [C, d], -1, 1), b = randomTensor(2, [C], -0.5, 0.5);
  const model: Classifier = (x) => add(matmul(x, w, { transB: true }), b);
  const x = randomTensor(3, [n, d], -1, 1);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  for (const norm of ['l2', 'linf'] as const) {
    const r = deepFool(model, x, y, { norm, box: BIG_BOX, overshoot: 0 });
    for (let i = 0; i < n; i++) {
      const yi = y.data[i]!;
      let want = Infinity;
      for (let k = 0; k < C; k++) {
        if (k === yi) continue;
        let f = b.data[k]! - b.data[yi]!, dual = 0, sq = 0;
        for (let j = 0; j < d; j++) {
          const dw = w.data[k * d + j]! - w.data[yi * d + j]!;
          f += dw * x.data[i * d + j]!;
          dual += Math.abs(dw);
          sq += dw * dw;
        }
        want = Math.min(want, Math.abs(f) / (norm === 'l2' ? Math.sqrt(sq) : dual));
      }
      assert.equal(r.success[i], 1, `${norm} example ${i} found`);
      assert.ok(Math.abs(r.norms[i]! - want) <= 1e-5 * (1 + want), `${norm} example ${i}: ${r.norms[i]} vs ${want}`);
    }
  }
});

test('DeepFool on a ReLU net: real successes, the ε cap keeps the ball and success under a budget means a minimal norm ≤ ε', () => {
  const d = 10, n = 40;
  const w1 = randomTensor(4, [16, d], -1, 1, 'f32'), b1 = randomTensor(5, [16], -0.5, 0.5, 'f32'), w2 = randomTensor(6, [3, 16], -1, 1, 'f32');
  const model: Classifier = (x) => matmul(relu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true });
  const x = randomTensor(7, [n, d], 0, 1, 'f32');
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const box = { lower: 0, upper: 1 };
  const free = deepFool(model, x, y, { norm: 'l2', box });
  assert.ok(free.success.reduce((a, s) => a + s, 0) >= n / 2, 'most examples are moved across a boundary');
  const eps = 0.2, capped = makeAttack('deepfool-l2', { box }).attack(model, x, y, eps);
  const delta = Float64Array.from(capped.x.data, (v, j) => v - x.data[j]!);
  const norms = rowNorms(delta, n, 'l2');
  const pred = argmaxRows(predictLogits(model, capped.x));
  for (let i = 0; i < n; i++) {
    assert.ok(norms[i]! <= eps + 1e-6, `ball ${i}`);
    assert.equal(capped.success[i], pred[i] !== y.data[i] ? 1 : 0);
    if (free.norms[i]! <= eps * 0.999) assert.equal(capped.success[i], 1, `example ${i}: minimal norm ${free.norms[i]} ≤ ε`);
  }
});
