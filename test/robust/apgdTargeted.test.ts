// APGD-T: every returned point in the ε-ball and the box, success flags real (prediction ≠ y), more target
// classes never break fewer examples, stronger than noise of the same norm; fewer than 4 classes is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor, add, matmul, relu } from '../../src/tensor/index.js';
import { apgdTargeted, argmaxRows, makeAttack, noiseOfNorm, predictLogits, rowNorms, type Classifier } from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const UNIT = { lower: 0, upper: 1 };

function net(seed: number, d: number, c: number): Classifier {
  const w1 = randomTensor(seed, [32, d], -1, 1, 'f32'), b1 = randomTensor(seed + 1, [32], -0.5, 0.5, 'f32');
  const w2 = randomTensor(seed + 2, [c, 32], -1, 1, 'f32');
  return (x) => matmul(relu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true });
}

test('APGD-T (ℓ∞ and ℓ2): inside the ball and the box, real successes, monotone in the number of targets, stronger than noise', () => {
  const d = 12, n = 40, model = net(1, d, 6);
  const x = randomTensor(2, [n, d], 0, 1, 'f32');
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  for (const [norm, eps] of [['linf', 0.06], ['l2', 0.25]] as const) {
    const one = apgdTargeted(model, x, y, { norm, eps, box: UNIT, steps: 30, targetClasses: 1, key: key(3) });
    const all = apgdTargeted(model, x, y, { norm, eps, box: UNIT, steps: 30, key: key(3) });
    const delta = Float64Array.from(all.x.data, (v, j) => v - x.data[j]!);
    rowNorms(delta, n, norm).forEach((v, i) => assert.ok(v <= eps + 1e-6, `${norm} ball ${i}: ${v}`));
    all.x.data.forEach((v) => assert.ok(v >= 0 && v <= 1));
    const pred = argmaxRows(predictLogits(model, all.x));
    all.success.forEach((s, i) => assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `${norm} success flag ${i}`));
    const count = (r: Uint8Array) => r.reduce((a, b) => a + b, 0);
    assert.ok(count(all.success) >= count(one.success), `${norm}: 5 targets ${count(all.success)} ≥ 1 target ${count(one.success)}`);
    const noise = argmaxRows(predictLogits(model, noiseOfNorm(x, eps, norm, UNIT, key(4)))).reduce((s, p, i) => s + (p !== y.data[i] ? 1 : 0), 0);
    assert.ok(count(all.success) > noise, `${norm}: APGD-T ${count(all.success)} vs noise ${noise}`);
  }
  const viaCatalog = makeAttack('apgd-t-linf', { box: UNIT, steps: 10 }).attack(model, x, y, 0.06);
  assert.equal(viaCatalog.success.length, n);
  const three = net(5, d, 3), y3 = new Tensor(argmaxRows(predictLogits(three, x)), [n]);
  assert.throws(() => apgdTargeted(three, x, y3, { norm: 'linf', eps: 0.1, box: UNIT }), /4 classes/);
});
