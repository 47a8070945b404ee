// AutoAttack's cascade: AutoAttack's attack lists per version; each attack sees exactly the points the
// previous ones left robust; the returned inputs respect ε and the box; robust accuracy is the worst case
// (no higher than any attack alone, up to the randomness of which batch a point is in); the checks flag a
// gradient-masked model (Square lowers the accuracy the white-box attacks left) and a randomized one;
// RobustBench's JSON layout field for field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor, add } from '../../src/tensor/index.js';
import {
  argmaxRows, autoAttack, autoAttackCascade, predictLogits, robustBenchEntry, robustBenchPercent, type Classifier,
} from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';
import { quantised, smallNet } from '../support/robustModels.js';

const UNIT = { lower: 0, upper: 1 };


/** Inputs labelled by the model, with every 5th label changed (clean mistakes the cascade must skip). */
function labelled(model: Classifier, seed: number, n: number, d: number, c: number) {
  const x = randomTensor(seed, [n, d], 0, 1, 'f32');
  const y = argmaxRows(predictLogits(model, x)).map((p, i) => (i % 5 === 4 ? (p + 1) % c : p));
  return { x, y: new Tensor(y, [n]) };
}

test('autoAttackCascade: the attack lists of AutoAttack set_version', () => {
  assert.deepEqual(autoAttackCascade('standard', 'linf'), ['apgd-ce', 'apgd-t', 'fab-t', 'square']);
  assert.deepEqual(autoAttackCascade('standard', 'l2'), ['apgd-ce', 'apgd-t', 'fab-t', 'square']);
  assert.deepEqual(autoAttackCascade('plus', 'linf'), ['apgd-ce', 'apgd-dlr', 'fab', 'square', 'apgd-t', 'fab-t']);
  assert.deepEqual(autoAttackCascade('rand', 'linf'), ['apgd-ce', 'apgd-dlr']);
});

test('autoAttack standard: the cascade sub-sets, respects ε and the box, and is no weaker than any attack alone', () => {
  const d = 16, n = 60, c = 10, model = smallNet(1, d, c), eps = 0.08;
  const { x, y } = labelled(model, 2, n, d, c);
  const r = autoAttack(model, x, y, { norm: 'linf', eps, box: UNIT, steps: 10, squareQueries: 100, individual: true, key: key(3) });
  const rep = r.report;
  assert.equal(rep.cleanAccuracy, 48 / 60, 'every 5th label was changed');
  assert.deepEqual(rep.steps.map((s) => s.attack), ['apgd-ce', 'apgd-t', 'fab-t', 'square'].slice(0, rep.steps.length));
  let left = 48;
  for (const s of rep.steps) {
    assert.equal(s.attacked, left, `${s.attack} attacks exactly the points still robust`);
    left -= s.broken;
    assert.equal(s.robustAccuracy, left / n);
    assert.ok(s.queriesPerExample >= 1, `${s.attack} evaluated the model`);
  }
  assert.equal(rep.robustAccuracy, left / n);
  assert.ok(rep.robustAccuracy < rep.cleanAccuracy, 'ε = 0.08 breaks some points of a random net');
  for (let i = 0; i < x.size; i++) {
    assert.ok(Math.abs(r.x.data[i]! - x.data[i]!) <= eps + 1e-7, `ε-ball at ${i}`);
    assert.ok(r.x.data[i]! >= 0 && r.x.data[i]! <= 1, `box at ${i}`);
  }
  assert.ok(rep.maxPerturbation <= eps + 1e-7 && !rep.hasNaN);
  const pred = argmaxRows(predictLogits(model, r.x));
  r.success.forEach((s, i) => assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `success ${i} is a misclassification at the returned point`));
  assert.equal(rep.individual!.length, 4);
  const best = Math.min(...rep.individual!.map((a) => a.robustAccuracy));
  assert.ok(rep.robustAccuracy <= best + 2 / n, `cascade ${rep.robustAccuracy} vs best single ${best}`);
  assert.equal(rep.warnings.length, 0, JSON.stringify(rep.warnings));
});

test('autoAttack flags a gradient-masked model: Square lowers the accuracy the white-box attacks left', () => {
  const d = 16, n = 40, c = 4, model = quantised(smallNet(5, d, c));
  const x = randomTensor(6, [n, d], 0, 1, 'f32'), y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const rep = autoAttack(model, x, y, { norm: 'linf', eps: 0.2, box: UNIT, steps: 10, squareQueries: 300, key: key(7) }).report;
  const square = rep.steps.find((s) => s.attack === 'square')!;
  assert.ok(square.broken >= n / 4, `square broke ${square.broken} of what the gradient attacks left`);
  const flagged = rep.warnings.map((w) => w.name);
  assert.ok(flagged.includes('black-box-vs-white-box'), JSON.stringify(flagged));
  assert.ok(flagged.includes('gradients'), 'the quantiser passes no gradient');
});

test('autoAttack flags a randomized model; version rand skips that check and runs APGD with EOT', () => {
  const d = 16, n = 30, c = 4, net = smallNet(9, d, c);
  let calls = 0;
  const noisy: Classifier = (x) => add(net(x), randomTensor(1000 + calls++, [x.shape[0]!, c], -0.5, 0.5, 'f32'));
  const x = randomTensor(10, [n, d], 0, 1, 'f32'), y = new Tensor(argmaxRows(predictLogits(net, x)), [n]);
  const standard = autoAttack(noisy, x, y, { norm: 'linf', eps: 0.05, box: UNIT, attacks: ['apgd-ce'], steps: 5, key: key(11) }).report;
  assert.ok(standard.warnings.some((w) => w.name === 'randomized-model'), JSON.stringify(standard.warnings));
  const rand = autoAttack(noisy, x, y, { norm: 'linf', eps: 0.05, box: UNIT, version: 'rand', steps: 5, key: key(12) }).report;
  assert.deepEqual(rand.steps.map((s) => s.attack), ['apgd-ce', 'apgd-dlr'].slice(0, rand.steps.length));
  assert.ok(!rand.checks.some((ch) => ch.name === 'randomized-model'));
  assert.ok(rand.steps[0]!.queriesPerExample >= 20 * 5, `EOT over 20 draws: ${rand.steps[0]!.queriesPerExample} evaluations per example`);
  const det = autoAttack(net, x, y, { norm: 'linf', eps: 0.05, box: UNIT, attacks: ['apgd-ce'], steps: 5, key: key(13) }).report;
  assert.ok(det.checks.find((ch) => ch.name === 'randomized-model')!.passed);
});

test('autoAttack: bad options name what was expected', () => {
  const d = 4, model = smallNet(20, d, 3), x = randomTensor(21, [5, d], 0, 1, 'f32'), y = new Tensor(new Int32Array(5), [5]);
  assert.throws(() => autoAttack(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT, version: 'fast' as never }), /standard \| plus \| rand/);
  assert.throws(() => autoAttack(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT, attacks: ['pgd' as never] }), /apgd-ce/);
  assert.throws(() => autoAttack(model, x, y, { norm: 'l1' as never, eps: 0.1, box: UNIT, attacks: ['square'] }), /Square for ℓ∞ or ℓ2/);
  assert.throws(() => autoAttack(model, x, y, { norm: 'linf', eps: -1, box: UNIT }), /eps/);
});

test('RobustBench layout: ModelInfo field for field, accuracies as Python str(round(100·acc, 2))', () => {
  assert.equal(robustBenchPercent(0.8795), '87.95');
  assert.equal(robustBenchPercent(0.5), '50.0');
  assert.equal(robustBenchPercent(1), '100.0');
  assert.equal(robustBenchPercent(0), '0.0');
  assert.equal(robustBenchPercent(0.123456), '12.35');
  assert.throws(() => robustBenchPercent(1.5), /fraction/);
  const e = robustBenchEntry({ dataset: 'fashion-mnist', norm: 'linf', eps: 0.1, cleanAccuracy: 0.8795, robustAccuracy: 0.031, name: 'tessera-mlp' });
  assert.equal(e.path, 'model_info/fashion-mnist/Linf/tessera-mlp.json');
  assert.deepEqual(Object.keys(e.info), ['link', 'name', 'authors', 'additional_data', 'number_forward_passes', 'dataset', 'venue', 'architecture', 'eps', 'clean_acc', 'reported', 'corruptions_acc', 'corruptions_acc_3d', 'corruptions_mce', 'corruptions_mce_3d', 'autoattack_acc', 'footnote']);
  assert.equal(e.info.clean_acc, '87.95');
  assert.equal(e.info.autoattack_acc, '3.1');
  assert.equal(e.info.eps, 0.1);
});
