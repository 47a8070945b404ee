// EOT for randomized models and the randomized-model check: eotIter 1 is bit-identical to the plain path;
// the EOT gradient is the mean of the passes' gradients; on a model with a random input transformation
// whose single-pass gradients are mostly noise, EOT with 20 passes is a clearly stronger attack; the check
// fires on randomized models (random phase, Gaussian input noise, Gaussian logit noise) and passes on a
// deterministic one, also inside evaluateRobustness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldIn, key, normalValues, uniformValues } from '../../src/core/random.js';
import { Tensor, add, matmul, mul, relu, sin } from '../../src/tensor/index.js';
import {
  AUTOATTACK_EOT_ITER, apgd, argmaxRows, checkRandomized, eotObjectiveAndGradient, evaluateRobustness, makeAttack, objectiveAndGradient, predictLogits,
  type Classifier,
} from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const UNIT = { lower: 0, upper: 1 };
const D = 20, C = 5;

/**
 * A randomized defence: logits W·(x + κ·sin(ω·x + φ)) + b with a fresh uniform phase φ per element and call.
 * κ = 0.01 barely moves the logits, but κω = 6 makes the gradient factor 1 + 6·cos(·) random: one pass gets
 * the sign of a coordinate wrong with probability arccos(1/6)/π ≈ 0.45, the mean of 20 passes ≈ 0.15.
 */
function randomPhaseModel(seed: number): Classifier {
  const w = randomTensor(seed, [C, D], -1, 1, 'f32'), b = randomTensor(seed + 1, [C], -0.2, 0.2, 'f32');
  let call = 0;
  return (x) => {
    const phase = new Tensor(Float32Array.from(uniformValues(foldIn(key(seed + 2), call++), x.size, 'f32'), (u) => 2 * Math.PI * u), x.shape);
    const transformed = add(x, mul(sin(add(mul(x, 600), phase)), 0.01));
    return add(matmul(transformed, w, { transB: true }), b);
  };
}

/** A deterministic two-layer ReLU net, optionally with fresh Gaussian noise on its input or its logits. */
function net(seed: number, noise: 'none' | 'input' | 'logits' = 'none', sigma = 0.05): Classifier {
  const w1 = randomTensor(seed, [16, D], -1, 1, 'f32'), w2 = randomTensor(seed + 1, [C, 16], -1, 1, 'f32');
  let call = 0;
  const gaussian = (shape: readonly number[]) => new Tensor(Float32Array.from(normalValues(foldIn(key(seed + 9), call++), shape.reduce((a, b) => a * b, 1), 'f32'), (v) => sigma * v), shape);
  return (x) => {
    const input = noise === 'input' ? add(x, gaussian(x.shape)) : x;
    const logits = matmul(relu(matmul(input, w1, { transB: true })), w2, { transB: true });
    return noise === 'logits' ? add(logits, gaussian(logits.shape)) : logits;
  };
}

function labelled(model: Classifier, seed: number, n: number): { x: Tensor; y: Tensor } {
  const x = randomTensor(seed, [n, D], 0.1, 0.9, 'f32');
  return { x, y: new Tensor(argmaxRows(predictLogits(model, x)), [n]) };
}

test('eotIter 1 is bit-identical to the plain gradient path; eotIter must be an integer ≥ 1', () => {
  const model = net(1), { x, y } = labelled(model, 2, 12);
  for (const norm of ['linf', 'l2', 'l1'] as const) {
    const plain = apgd(model, x, y, { norm, eps: norm === 'l1' ? 0.5 : 0.05, box: UNIT, steps: 15, key: key(3) });
    const one = apgd(model, x, y, { norm, eps: norm === 'l1' ? 0.5 : 0.05, box: UNIT, steps: 15, key: key(3), eotIter: 1 });
    assert.deepEqual(one.x.data, plain.x.data, norm);
    assert.deepEqual(one.objective, plain.objective, norm);
  }
  assert.deepEqual(eotObjectiveAndGradient(model, x, y, 'ce', undefined, 1).grad.data, objectiveAndGradient(model, x, y, 'ce').grad.data);
  assert.throws(() => apgd(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT, eotIter: 0 }), /eotIter/);
  assert.throws(() => eotObjectiveAndGradient(model, x, y, 'ce', undefined, 2.5), /eotIter/);
});

test('the EOT gradient is the mean of the passes\' gradients; logits and objective are the last pass\'s', () => {
  const { x, y } = labelled(net(1), 4, 6);
  const eot = eotObjectiveAndGradient(randomPhaseModel(5), x, y, 'ce', undefined, 4);
  const replay = randomPhaseModel(5); // the same phase sequence, pass by pass
  const passes = Array.from({ length: 4 }, () => objectiveAndGradient(replay, x, y, 'ce'));
  eot.grad.data.forEach((g, j) => {
    const mean = passes.reduce((s, p) => s + p.grad.data[j]!, 0) / 4;
    assert.ok(Math.abs(g - mean) <= 1e-5 * Math.abs(mean) + 1e-6, `grad[${j}] ${g} vs mean ${mean}`);
  });
  assert.deepEqual(eot.objective, passes[3]!.objective);
  assert.deepEqual(eot.logits.data, passes[3]!.logits.data);
  assert.ok(passes[0]!.grad.data.some((g, j) => Math.abs(g - passes[1]!.grad.data[j]!) > 1e-3), 'the passes differ (the model is randomized)');
});

test('on a randomized model, APGD with EOT over 20 passes is a much stronger attack than single-pass APGD', () => {
  // Expected accuracy at the attacked points, over 10 fresh draws of the model's randomness; three seeds.
  const eps = 0.06, n = 60, gaps: number[] = [];
  for (const seed of [10, 20, 30]) {
    const model = randomPhaseModel(seed), { x, y } = labelled(model, seed + 5, n);
    const expectedAccuracy = (xAdv: Tensor) => {
      let right = 0;
      for (let draw = 0; draw < 10; draw++) argmaxRows(predictLogits(model, xAdv)).forEach((p, i) => { right += p === y.data[i] ? 1 : 0; });
      return right / (10 * n);
    };
    const clean = expectedAccuracy(x);
    const single = expectedAccuracy(apgd(model, x, y, { norm: 'linf', eps, box: UNIT, steps: 20, key: key(seed) }).x);
    const eot = expectedAccuracy(apgd(model, x, y, { norm: 'linf', eps, box: UNIT, steps: 20, key: key(seed), eotIter: 20 }).x);
    assert.ok(clean > 0.9, `seed ${seed}: clean ${clean}`);
    assert.ok(eot <= single - 0.05, `seed ${seed}: accuracy under EOT-20 ${eot} vs single-pass ${single} (clean ${clean})`);
    gaps.push(single - eot);
  }
  const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(meanGap >= 0.15, `mean accuracy drop from EOT ${meanGap} (per seed ${gaps.join(', ')})`);
});

test('the catalog\'s rand-version entries use AutoAttack\'s 20 EOT passes', () => {
  assert.equal(AUTOATTACK_EOT_ITER, 20);
  for (const [name, norm] of [['apgd-ce-eot-linf', 'linf'], ['apgd-dlr-eot-l2', 'l2'], ['apgd-ce-eot-l1', 'l1']] as const) {
    const a = makeAttack(name, { box: UNIT, steps: 5 });
    assert.equal(a.eotIter, 20, name);
    assert.equal(a.norm, norm, name);
    assert.equal(a.stronger().eotIter, 20, name);
  }
  assert.equal(makeAttack('apgd-ce-linf', { box: UNIT }).eotIter, 1);
  // through the catalog, EOT is stronger on the randomized model as well
  const model = randomPhaseModel(40), { x, y } = labelled(model, 41, 40);
  const broken = (name: string) => makeAttack(name, { box: UNIT, steps: 15, key: key(1) }).attack(model, x, y, 0.06).success.reduce((a, b) => a + b, 0);
  assert.ok(broken('apgd-ce-eot-linf') > broken('apgd-ce-linf') + 4, `eot ${broken('apgd-ce-eot-linf')} vs single ${broken('apgd-ce-linf')}`);
});

test('the randomized-model check fires on randomized models and passes on a deterministic one', () => {
  const { x, y } = labelled(net(1), 6, 30);
  const outputs = (model: Classifier) => Array.from({ length: 5 }, () => predictLogits(model, x));
  const deterministic = checkRandomized(outputs(net(1)), y);
  assert.equal(deterministic.passed, true, deterministic.message);
  assert.equal(deterministic.name, 'randomized-model');
  for (const model of [randomPhaseModel(7), net(1, 'input', 0.01), net(1, 'logits', 1e-3)]) {
    const check = checkRandomized(outputs(model), y);
    assert.equal(check.passed, false, check.message);
    assert.match(check.message, /RANDOMIZED.*EOT.*rand version/);
    const withEot = checkRandomized(outputs(model), y, 20);
    assert.equal(withEot.passed, true);
    assert.match(withEot.message, /EOT over 20/);
  }
  // float noise far below AutoAttack's 1e-4 on normalised outputs is not randomness
  const base = predictLogits(net(1), x), jitter = new Tensor(Float32Array.from(base.data, (v, j) => v * (1 + (j % 2 ? 1e-7 : -1e-7))), base.shape);
  assert.equal(checkRandomized([base, jitter], y).passed, true);
});

test('evaluateRobustness reports a randomized model (and not a deterministic one), quiet under EOT', () => {
  const run = (model: Classifier, eotIter?: number) => {
    const { x, y } = labelled(net(1), 8, 20);
    const attack = makeAttack('pgd-linf', { box: UNIT, steps: 3 });
    return evaluateRobustness({ model, x, y, box: UNIT, norm: 'linf', epsilons: [0.05], attack: attack.attack, classes: C, ...(eotIter && { eotIter }) });
  };
  const noisy = run(net(1, 'logits', 0.05));
  assert.ok(noisy.warnings.some((w) => w.name === 'randomized-model'), JSON.stringify(noisy.warnings.map((w) => w.name)));
  assert.equal(run(net(1)).checks.find((c) => c.name === 'randomized-model')!.passed, true);
  assert.ok(!run(net(1, 'logits', 0.05), 20).warnings.some((w) => w.name === 'randomized-model'));
});
