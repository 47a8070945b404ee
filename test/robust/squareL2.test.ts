// Square ℓ2 (AutoAttack's Square for L2): the meta pseudo-Gaussian patch (unit norm, ± halves, transposed),
// every iterate inside the ℓ2 ball and the box, real success flags, stronger than ℓ2 noise of the same norm,
// and it finds adversarial examples behind a gradient-free quantiser where PGD-ℓ2 finds none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { argmaxRows, makeAttack, noiseOfNorm, pgd, predictLogits, squareL2, squarePatch } from '../../src/robust/index.js';
import { misclassified as wrong, quantised, selfLabelled, smallNet } from '../support/robustModels.js';

const UNIT = { lower: 0, upper: 1 };


test('squarePatch: unit ℓ2 norm, the upper half positive and the lower negative, rings weighted 1/(r + 1)², transpose', () => {
  for (const s of [3, 5, 7]) {
    const p = squarePatch(s, false), t = squarePatch(s, true);
    assert.ok(Math.abs(p.reduce((a, v) => a + v * v, 0) - 1) < 1e-12, `s = ${s}: unit norm`);
    const top = Math.floor(s / 2);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) {
      assert.ok(i < top ? p[i * s + j]! > 0 : p[i * s + j]! < 0, `s = ${s}: sign at (${i}, ${j})`);
      assert.equal(t[j * s + i], p[i * s + j]);
    }
  }
  // s = 3: the lower block rectangles(2, 3) is [[1/4, 1/4, 1/4], [1/4, 1 + 1/4, 1/4]] (rows 1–2 of the patch, negated).
  const p = squarePatch(3, false);
  assert.ok(Math.abs(p[7]! / p[6]! - 5) < 1e-12 && Math.abs(p[4]! / p[3]! - 1) < 1e-12, 'the lower block: centre ring 1 + 1/4, outer ring 1/4');
});

test('squareL2: iterates in the ℓ2 ball and the box, queries within the budget, success real, stronger than ℓ2 noise', () => {
  const d = 64, n = 40, model = smallNet(1, d, 4);
  const { x, y } = selfLabelled(model, 2, n, d, 0.2, 0.8);
  for (const eps of [0.5, 1.5]) {
    const r = squareL2(model, x, y, { eps, box: UNIT, queries: 200, key: key(3) });
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) {
        s += (r.x.data[j]! - x.data[j]!) ** 2;
        assert.ok(r.x.data[j]! >= 0 && r.x.data[j]! <= 1, `box at ${j}`);
      }
      assert.ok(Math.sqrt(s) <= eps + 1e-5, `example ${i}: ‖δ‖ = ${Math.sqrt(s)} > ε = ${eps}`);
    }
    assert.ok(r.queries.every((q) => q >= 1 && q <= 200));
    const pred = argmaxRows(predictLogits(model, r.x));
    r.success.forEach((s, i) => assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `success flag ${i}`));
    const noise = wrong(model, noiseOfNorm(x, eps, 'l2', UNIT, key(4)), y);
    const found = r.success.reduce((a, b) => a + b, 0);
    assert.ok(found >= noise && found > 0, `ε = ${eps}: square-l2 ${found} vs noise ${noise} of ${n}`);
  }
  assert.throws(() => squareL2(model, x, y, { eps: 1, box: UNIT, queries: 0 }), /queries/);
  assert.throws(() => squareL2(model, x, y, { eps: 1, box: UNIT, imageShape: [4, 4, 4] }), /at least 5×5/);
});

test('squareL2 beats a gradient-masked model where PGD-ℓ2 finds nothing; square-l2 is in the catalog', () => {
  const d = 64, n = 32, model = quantised(smallNet(5, d, 4));
  const { x, y } = selfLabelled(model, 6, n, d, 0.2, 0.8);
  const eps = 2;
  const pgdL2 = pgd(model, x, y, { norm: 'l2', eps, box: UNIT, steps: 20, stepSize: eps / 8, randomStart: false });
  assert.equal(pgdL2.success.reduce((a, b) => a + b, 0), 0, 'no gradient: PGD never leaves the clean point');
  const found = makeAttack('square-l2', { box: UNIT, steps: 300, key: key(7) }).attack(model, x, y, eps).success.reduce((a, b) => a + b, 0);
  assert.ok(found >= n / 4, `square-l2 found ${found}/${n}`);
});
