// Attacks against closed forms on linear models, and their invariants on a small nonlinear network:
// FGSM's closed form, exact ℓ2/ℓ∞ distances to a linear decision boundary, the ε-ball and box never left,
// stronger attacks never weaker, the DLR/margin objectives, APGD's checkpoints, the unbounded BIM schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor, add, matmul, tensor } from '../../src/tensor/index.js';
import {
  apgd, apgdCheckpoints, attackObjective, fgsm, makeAttack, pgd, predictLogits, rowNorms, unboundedBim, worstCase, argmaxRows, type Classifier,
} from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';
import { selfLabelled, smallNet } from '../support/robustModels.js';

const linear = (w: Tensor, b: Tensor): Classifier => (x) => add(matmul(x, w, { transB: true }), b);
const BIG_BOX = { lower: -100, upper: 100 };
const UNIT = { lower: 0, upper: 1 };



test('FGSM on a linear model equals the closed form x + ε·sign(Wᵀ(softmax(Wx + b) − onehot(y))), clipped', () => {
  const w = randomTensor(1, [3, 5], -1, 1), b = randomTensor(2, [3], -1, 1), x = randomTensor(3, [4, 5], 0, 1);
  const y = tensor([0, 1, 2, 1], [4], 'i32');
  const eps = 0.1, r = fgsm(linear(w, b), x, y, { norm: 'linf', eps, box: UNIT });
  for (let i = 0; i < 4; i++) {
    const z = [0, 1, 2].map((c) => b.data[c]! + [0, 1, 2, 3, 4].reduce((s, j) => s + w.data[c * 5 + j]! * x.data[i * 5 + j]!, 0));
    const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), sum = e.reduce((a, v) => a + v, 0);
    for (let j = 0; j < 5; j++) {
      const g = [0, 1, 2].reduce((s, c) => s + w.data[c * 5 + j]! * (e[c]! / sum - (c === y.data[i] ? 1 : 0)), 0);
      const expected = Math.min(1, Math.max(0, x.data[i * 5 + j]! + eps * Math.sign(g)));
      assert.ok(Math.abs(r.x.data[i * 5 + j]! - expected) < 1e-12, `x'[${i},${j}] ${r.x.data[i * 5 + j]} vs ${expected}`);
    }
  }
});

test('PGD on a binary linear model: robust exactly when ε is below the ℓ2 (margin/‖Δw‖₂) or ℓ∞ (margin/‖Δw‖₁) distance', () => {
  const d = 6, n = 40;
  const w = randomTensor(4, [2, d], -1, 1), b = tensor([0.2, -0.2], [2], 'f64');
  const model = linear(w, b), x = randomTensor(5, [n, d], -1, 1);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const dw = Array.from({ length: d }, (_, j) => w.data[j]! - w.data[d + j]!);
  const l2 = Math.hypot(...dw), l1 = dw.reduce((s, v) => s + Math.abs(v), 0);
  for (const [norm, dual] of [['l2', l2], ['linf', l1]] as const) {
    for (const eps of [0.05, 0.2, 0.5]) {
      const r = pgd(model, x, y, { norm, eps, box: BIG_BOX, steps: 30, stepSize: eps / 10, loss: 'margin' });
      for (let i = 0; i < n; i++) {
        const z = predictLogits(model, tensor(Float64Array.from(x.data.subarray(i * d, (i + 1) * d)), [1, d])).data;
        const distance = Math.abs(z[0]! - z[1]!) / dual;
        if (Math.abs(distance - eps) < 1e-3) continue; // on the boundary: either answer
        assert.equal(r.success[i], distance < eps ? 1 : 0, `${norm} ε=${eps} example ${i}: distance ${distance}`);
      }
    }
  }
});

test('PGD and APGD never leave the ε-ball around the clean input nor the box (ℓ∞ and ℓ2, random starts)', () => {
  const model = smallNet(10, 12, 4), { x, y } = selfLabelled(model, 11, 30, 12);
  for (const norm of ['linf', 'l2'] as const) {
    for (const eps of [0, 0.03, 0.3, 2]) {
      const results = [
        pgd(model, x, y, { norm, eps, box: UNIT, steps: 15, randomStart: true, restarts: 2, key: key(3) }),
        pgd(model, x, y, { norm, eps, box: UNIT, steps: 15, stepSize: 3 * eps }),
        apgd(model, x, y, { norm, eps, box: UNIT, steps: 20, loss: 'dlr', key: key(4) }),
        fgsm(model, x, y, { norm, eps, box: UNIT }),
      ];
      for (const r of results) {
        const delta = r.x.data.map((v, i) => v - x.data[i]!);
        for (const dist of rowNorms(delta, 30, norm)) assert.ok(dist <= eps * (1 + 1e-6) + 1e-7, `${norm} ε=${eps}: distance ${dist}`);
        for (const v of r.x.data) assert.ok(v >= 0 && v <= 1, `left the box: ${v}`);
      }
    }
  }
});

test('stronger attacks are never weaker: worst case ≤ each member; more PGD steps/restarts ≤ fewer; PGD ≤ FGSM', () => {
  const model = smallNet(20, 10, 5), { x, y } = selfLabelled(model, 21, 60, 10);
  const acc = (s: Uint8Array) => 1 - s.reduce((a, v) => a + v, 0) / s.length;
  for (const norm of ['linf', 'l2'] as const) {
    const eps = norm === 'linf' ? 0.06 : 0.25;
    const one = acc(fgsm(model, x, y, { norm, eps, box: UNIT }).success);
    const few = acc(pgd(model, x, y, { norm, eps, box: UNIT, steps: 10 }).success);
    const many = acc(pgd(model, x, y, { norm, eps, box: UNIT, steps: 40, randomStart: true, restarts: 3, key: key(1) }).success);
    const ws = worstCase(model, x, y, eps, [makeAttack(`pgd-${norm}`, { box: UNIT }).attack, makeAttack(`apgd-ce-${norm}`, { box: UNIT, steps: 30 }).attack, makeAttack(`apgd-dlr-${norm}`, { box: UNIT, steps: 30 }).attack]);
    assert.ok(few <= one, `${norm}: PGD ${few} vs FGSM ${one}`);
    assert.ok(many <= few, `${norm}: 40 steps × 3 restarts ${many} vs 10 steps ${few}`);
    assert.ok(few < 1 && many < few + 1e-12);
    const wsAcc = acc(ws.success);
    for (const a of ws.perAttackRobustAccuracy) assert.ok(wsAcc <= a, `worst case ${wsAcc} vs member ${a}`);
    // the returned points really are adversarial where success is claimed
    const pred = argmaxRows(predictLogits(model, ws.x));
    ws.success.forEach((s, i) => assert.equal(s, Number(pred[i] !== y.data[i])));
  }
});

test('targeted PGD reaches the target class; margin and DLR objectives match their closed forms', () => {
  const model = smallNet(30, 8, 4), { x, y } = selfLabelled(model, 31, 20, 8);
  const targets = new Tensor(y.data.map((v) => (v + 1) % 4), [20]);
  const r = pgd(model, x, y, { norm: 'linf', eps: 1, box: UNIT, steps: 50, targets });
  const pred = argmaxRows(predictLogits(model, r.x));
  r.success.forEach((s, i) => assert.equal(s, Number(pred[i] === targets.data[i])));
  assert.ok(r.success.reduce((a, v) => a + v, 0) >= 15);

  const z = tensor([[3, 1, 2, 0.5]], [1, 4]), y0 = tensor([1], [1], 'i32'), t0 = tensor([3], [1], 'i32');
  assert.equal(attackObjective(z, y0, 'margin').data[0], 3 - 1);
  assert.equal(attackObjective(z, y0, 'margin', t0).data[0], 0.5 - 3);
  assert.ok(Math.abs(attackObjective(z, y0, 'dlr').data[0]! - -(1 - 3) / (3 - 1 + 1e-12)) < 1e-6);
  assert.ok(Math.abs(attackObjective(z, y0, 'dlr', t0).data[0]! - -(1 - 0.5) / (3 - (1 + 0.5) / 2 + 1e-12)) < 1e-6);
  // shift and scale invariance of DLR
  const z2 = tensor([[3 * 7 + 2, 1 * 7 + 2, 2 * 7 + 2, 0.5 * 7 + 2]], [1, 4]);
  assert.ok(Math.abs(attackObjective(z2, y0, 'dlr').data[0]! - attackObjective(z, y0, 'dlr').data[0]!) < 1e-6);
});

test('APGD checkpoints follow auto-attack: 0, 22, 41, 57, 70, 80, 87, 93, 99 for 100 steps', () => {
  assert.deepEqual(apgdCheckpoints(100), [0, 22, 41, 57, 70, 80, 87, 93, 99]);
  assert.deepEqual(apgdCheckpoints(10), [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('unbounded BIM: the paper schedule, and ℓ2 distortion = Σ ε_i along a constant gradient direction', () => {
  const w = tensor([[1, 2, -1], [-1, 0, 1]], [2, 3], 'f64'), b = tensor([0, 0], [2], 'f64');
  const x = tensor([[0.5, 0.5, 0.5]], [1, 3], 'f64'), y = tensor([0], [1], 'i32');
  const r = unboundedBim(linear(w, b), x, y, { norm: 'l2', steps: 50, snapshots: [0, 10, 50] });
  assert.deepEqual(r.snapshots.map((s) => s.step), [0, 10, 50]);
  const expected = Array.from({ length: 50 }, (_, i) => Math.min(0.1, 0.01 + i / 1e4)).reduce((a, v) => a + v, 0);
  const dist = Math.hypot(...Array.from(r.x.data, (v, i) => v - x.data[i]!));
  assert.ok(Math.abs(dist - expected) < 1e-9, `${dist} vs ${expected}`);
  const li = unboundedBim(linear(w, b), x, y, { norm: 'linf', steps: 20 });
  const expectedInf = Array.from({ length: 20 }, (_, i) => 1e-4 + i / 1e4).reduce((a, v) => a + v, 0);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(Math.abs(li.x.data[j]! - 0.5) - expectedInf) < 1e-12);
});

test('bad inputs are clear errors: inputs outside the box, unknown norm, wrong label shape', () => {
  const model = smallNet(1, 4, 3), x = randomTensor(2, [2, 4], 0, 2, 'f32'), y = tensor([0, 1], [2], 'i32');
  assert.throws(() => pgd(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT }), /input box \[0, 1\]/);
  const ok = randomTensor(3, [2, 4], 0, 1, 'f32');
  assert.throws(() => pgd(model, ok, y, { norm: 'l1' as 'l2', eps: 0.1, box: UNIT }), /'linf' or 'l2'/);
  assert.throws(() => fgsm(model, ok, tensor([0, 1, 2], [3], 'i32'), { norm: 'linf', eps: 0.1, box: UNIT }), /\[2\]/);
  assert.throws(() => makeAttack('cw', { box: UNIT }), /one of fgsm/);
});

test('attacks and snapshots keep the input dtype (f32 stays f32 for f32 networks)', () => {
  const model = smallNet(40, 6, 3), { x, y } = selfLabelled(model, 41, 5, 6);
  assert.equal(x.dtype, 'f32');
  for (const r of [fgsm(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT }), pgd(model, x, y, { norm: 'l2', eps: 0.1, box: UNIT, randomStart: true }), apgd(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT, steps: 5 })]) assert.equal(r.x.dtype, 'f32');
  const traj = unboundedBim(model, x, y, { norm: 'l2', steps: 2, snapshots: [0, 1, 2] });
  assert.deepEqual(traj.snapshots.map((s) => s.x.dtype), ['f32', 'f32', 'f32']);
  assert.deepEqual(traj.snapshots[0]!.x.toArray(), x.toArray());
});
