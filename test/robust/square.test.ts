// The Square attack (ℓ∞, score-based): inside the ε-ball and the box exactly, queries within the budget,
// stronger than random noise of the same norm, the reference p schedule; on a model whose input quantiser
// passes no gradient, white-box BIM reports full robustness while Square finds adversarial examples, and
// the black-box-vs-white-box check of an evaluation fires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import {
  argmaxRows, checkBlackBoxVsWhiteBox, evaluateRobustness, makeAttack, noiseOfNorm, pgd, predictLogits, square, squareFraction,
} from '../../src/robust/index.js';
import { misclassified as wrong, quantised, selfLabelled, smallNet } from '../support/robustModels.js';

const UNIT = { lower: 0, upper: 1 };



test('square: every iterate in the ε-ball and the box, queries ≤ the budget, successes real, and stronger than noise of the same norm', () => {
  const d = 16, n = 64, model = smallNet(1, d, 4);
  const { x, y } = selfLabelled(model, 2, n, d);
  for (const eps of [0.05, 0.15]) {
    const r = square(model, x, y, { eps, box: UNIT, queries: 300, key: key(3) });
    for (let i = 0; i < x.size; i++) {
      assert.ok(Math.abs(r.x.data[i]! - x.data[i]!) <= eps + 1e-7, `ε-ball at ${i}`);
      assert.ok(r.x.data[i]! >= 0 && r.x.data[i]! <= 1, `box at ${i}`);
    }
    assert.ok(r.queries.every((q) => q >= 1 && q <= 300));
    const pred = argmaxRows(predictLogits(model, r.x));
    r.success.forEach((s, i) => assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `success flag ${i}`));
    const noise = wrong(model, noiseOfNorm(x, eps, 'linf', UNIT, key(4)), y);
    const found = r.success.reduce((a, b) => a + b, 0);
    assert.ok(found >= noise && found > 0, `ε = ${eps}: square ${found} vs noise ${noise} of ${n}`);
  }
  assert.equal(squareFraction(0.8, 5, 10000), 0.8);
  assert.equal(squareFraction(0.8, 60, 10000), 0.2);
  assert.equal(squareFraction(0.8, 9000, 10000), 0.8 / 512);
  assert.equal(squareFraction(0.8, 6, 1000), 0.2, 'rescaled to the budget: 6/1000 of the run is iteration 60 of 10,000');
  assert.throws(() => square(model, x, y, { eps: 0.1, box: UNIT, queries: 0 }), /queries/);
  assert.throws(() => square(model, x, y, { eps: 0.1, box: UNIT, imageShape: [1, 3, 3] }), /imageShape/);
});

test('gradient masking: behind a gradient-free quantiser BIM finds nothing, Square finds adversarial examples, and the evaluation check fires', () => {
  const d = 16, n = 48, model = quantised(smallNet(5, d, 4));
  const { x, y } = selfLabelled(model, 6, n, d);
  const eps = 0.2;
  const bim = pgd(model, x, y, { norm: 'linf', eps, box: UNIT, steps: 20, stepSize: eps / 8, randomStart: false });
  assert.equal(bim.success.reduce((a, b) => a + b, 0), 0, 'no gradient: BIM never leaves the clean point');
  const sq = square(model, x, y, { eps, box: UNIT, queries: 300, key: key(7) });
  const found = sq.success.reduce((a, b) => a + b, 0);
  assert.ok(found >= n / 4, `square found ${found}/${n}`);
  assert.equal(checkBlackBoxVsWhiteBox(eps, 1, 1 - found / n, 0.02).passed, false);
  assert.equal(checkBlackBoxVsWhiteBox(eps, 0.5, 0.6, 0.02).passed, true);
  const bimAttack = makeAttack('bim-linf', { box: UNIT, steps: 20 }), squareAttack = makeAttack('square-linf', { box: UNIT, steps: 300, key: key(8) });
  const report = evaluateRobustness({ model, x, y, box: UNIT, norm: 'linf', epsilons: [eps], attack: bimAttack.attack, blackBoxAttack: squareAttack.attack, noiseDraws: 1 });
  const check = report.checks.find((c) => c.name === 'black-box-vs-white-box')!;
  assert.equal(check.passed, false, check.message);
  assert.match(check.message, /gradient masking/);
});
