// ℓ1-APGD and its geometry: the exact projection onto ℓ1 ball ∩ box against two independent references
// (Dykstra's alternating projections and a bisection on the soft threshold), its KKT conditions and no
// closer feasible point; the sparse top-k direction; the attack inside the ℓ1 ball and the box, with real
// success flags, stronger than ℓ1 noise, and within reach of the exact ℓ1 distance of a linear model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, normalValues, uniformValues } from '../../src/core/random.js';
import { Tensor, add, matmul, relu } from '../../src/tensor/index.js';
import {
  APGD_L1, apgd, argmaxRows, deepFool, evaluateRobustness, fgsm, makeAttack, noiseOfNorm, pgd, predictLogits, projectL1BallInBox, projectToBall, randomPointInBall,
  rowNorms, topKAscentDirection, type Classifier, type InputBox,
} from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const UNIT = { lower: 0, upper: 1 };
const l1 = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, j) => s + Math.abs(v - b[j]!), 0);
const dist2 = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, j) => s + (v - b[j]!) ** 2, 0);

/** Euclidean projection onto the ℓ1 ball of radius eps around c (Duchi et al. 2008, sort-based). */
function projectL1Ball(p: number[], c: number[], eps: number): number[] {
  const v = p.map((x, j) => x - c[j]!);
  if (eps <= 0) return [...c];
  if (v.reduce((s, x) => s + Math.abs(x), 0) <= eps) return [...p];
  const u = v.map(Math.abs).sort((a, b) => b - a);
  let cum = 0, theta = 0;
  for (let j = 0; j < u.length; j++) {
    cum += u[j]!;
    const t = (cum - eps) / (j + 1);
    if (u[j]! - t > 0) theta = t;
  }
  return v.map((x, j) => c[j]! + Math.sign(x) * Math.max(Math.abs(x) - theta, 0));
}

/** Dykstra's algorithm: converges to the projection onto the intersection of the ball and the box. */
function dykstra(p: number[], c: number[], eps: number, box: InputBox, iters = 20000): number[] {
  let x = [...p], P = p.map(() => 0), Q = p.map(() => 0);
  for (let k = 0; k < iters; k++) {
    const y = projectL1Ball(x.map((v, j) => v + P[j]!), c, eps);
    P = x.map((v, j) => v + P[j]! - y[j]!);
    const z = y.map((v, j) => Math.min(box.upper, Math.max(box.lower, v + Q[j]!)));
    Q = y.map((v, j) => v + Q[j]! - z[j]!);
    x = z;
  }
  return x;
}

/** Bisection on λ of ‖clip(soft(p − c, λ))‖₁ = eps (slow, 200 halvings). */
function bisection(p: number[], c: number[], eps: number, box: InputBox): number[] {
  const at = (lam: number) => p.map((v, j) => Math.min(box.upper, Math.max(box.lower, c[j]! + Math.sign(v - c[j]!) * Math.max(Math.abs(v - c[j]!) - lam, 0))));
  if (l1(at(0), c) <= eps) return at(0);
  let lo = 0, hi = Math.max(...p.map((v, j) => Math.abs(v - c[j]!)));
  for (let k = 0; k < 200; k++) { const mid = (lo + hi) / 2; if (l1(at(mid), c) > eps) lo = mid; else hi = mid; }
  return at(hi);
}

/** Random problems: centres in the box (some on its faces), points far outside, radii small and large. */
function problems(count: number): { p: number[]; c: number[]; eps: number; box: InputBox }[] {
  const out = [];
  for (let t = 0; t < count; t++) {
    const d = 1 + (t % 7), u = uniformValues(key(100 + t), 3 * d + 3, 'f64');
    const box = t % 3 === 0 ? UNIT : { lower: -1 + u[0]!, upper: 1 + 2 * u[1]! };
    const w = box.upper - box.lower;
    const c = Array.from({ length: d }, (_, j) => (u[2 + j]! < 0.15 ? box.lower : u[2 + j]! > 0.85 ? box.upper : box.lower + w * u[2 + j]!));
    const p = Array.from({ length: d }, (_, j) => c[j]! + 3 * w * (u[2 + d + j]! - 0.5));
    const eps = [0, 0.05, 0.3, 1, 3][t % 5]! * w * (0.5 + u[2 + 2 * d]!);
    out.push({ p, c, eps, box });
  }
  return out;
}

test('the ℓ1 ∩ box projection equals Dykstra and a bisection reference, is feasible, and has no closer feasible point', () => {
  for (const [t, { p, c, eps, box }] of problems(60).entries()) {
    const q = Array.from(projectL1BallInBox(p, c, eps, box));
    const what = `problem ${t} (D=${p.length}, ε=${eps.toFixed(3)})`;
    for (const v of q) assert.ok(v >= box.lower && v <= box.upper, `${what}: ${v} outside the box`);
    assert.ok(l1(q, c) <= eps * (1 + 1e-12) + 1e-12, `${what}: ‖q − c‖₁ = ${l1(q, c)} > ε`);
    const ref = dykstra(p, c, eps, box), bis = bisection(p, c, eps, box);
    q.forEach((v, j) => {
      assert.ok(Math.abs(v - ref[j]!) < 1e-6, `${what}: q[${j}] = ${v}, Dykstra ${ref[j]}`);
      assert.ok(Math.abs(v - bis[j]!) < 1e-9, `${what}: q[${j}] = ${v}, bisection ${bis[j]}`);
    });
    // No feasible point is closer: random feasible points, and points on segments from q towards them.
    const best = dist2(q, p), u = uniformValues(key(900 + t), 40 * p.length + 40, 'f64');
    for (let s = 0; s < 40; s++) {
      const r = c.map((cj, j) => box.lower + (box.upper - box.lower) * u[s * p.length + j]!);
      const norm = l1(r, c), shrink = norm > eps ? eps / norm : 1; // towards c: stays in the box
      const feasible = r.map((v, j) => c[j]! + (v - c[j]!) * shrink);
      assert.ok(dist2(feasible, p) >= best - 1e-12, `${what}: random feasible point closer`);
      const near = q.map((v, j) => v + 1e-3 * u[40 * p.length + s]! * (feasible[j]! - v));
      assert.ok(dist2(near, p) >= best - 1e-12, `${what}: a nearby feasible point is closer (not a minimum)`);
    }
  }
});

test('the ℓ1 ∩ box projection satisfies the KKT conditions with one threshold λ, and the trivial cases', () => {
  for (const [t, { p, c, eps, box }] of problems(60).entries()) {
    const q = projectL1BallInBox(p, c, eps, box), what = `problem ${t}`;
    const v = p.map((x, j) => x - c[j]!), delta = Array.from(q, (x, j) => x - c[j]!);
    const cap = v.map((x, j) => (x > 0 ? box.upper - c[j]! : c[j]! - box.lower));
    const free = delta.map((dj, j) => Math.abs(dj) > 1e-12 && Math.abs(dj) < cap[j]! - 1e-12);
    const slack = eps - l1(q, c);
    const lambda = slack > 1e-9 ? 0 : free.some(Boolean) ? Math.abs(v[free.indexOf(true)]!) - Math.abs(delta[free.indexOf(true)]!) : undefined;
    delta.forEach((dj, j) => {
      if (dj !== 0) assert.equal(Math.sign(dj), Math.sign(v[j]!), `${what}: sign of δ[${j}]`);
      if (lambda === undefined || cap[j]! <= 1e-12) return; // a centre on the face v points at: pinned, any λ
      if (free[j]) assert.ok(Math.abs(Math.abs(v[j]!) - Math.abs(dj) - lambda) < 1e-9, `${what}: free coordinate ${j} shrunk by ${Math.abs(v[j]!) - Math.abs(dj)}, λ = ${lambda}`);
      else if (Math.abs(dj) >= cap[j]! - 1e-12) assert.ok(Math.abs(v[j]!) - cap[j]! >= lambda - 1e-9, `${what}: capped coordinate ${j} should not be at the box`);
      else assert.ok(Math.abs(v[j]!) <= lambda + 1e-9, `${what}: zeroed coordinate ${j} with |v| = ${Math.abs(v[j]!)} > λ = ${lambda}`);
    });
  }
  // inside the ball: the plain box clip; ε = 0: the centre
  const c = [0.2, 0.9, 0.5], p = [0.25, 1.5, 0.45];
  assert.deepEqual(Array.from(projectL1BallInBox(p, c, 10, UNIT)), [0.25, 1, 0.45]);
  assert.deepEqual(Array.from(projectL1BallInBox(p, c, 0, UNIT)), c);
  // two coordinates far out, radius 0.4: one threshold λ = 4.4 zeroes the second (4.1 out) and leaves 0.4 to the first
  assert.deepEqual(Array.from(projectL1BallInBox([5, 5, 0.5], c, 0.4, UNIT), (x) => +x.toFixed(12)), [0.6, 0.9, 0.5]);
});

test('the sparse direction keeps the top-k |g| coordinates as auto-attack (sorted index ⌊(1 − k)·D⌋) and has ℓ1 norm 1', () => {
  const g = [0.1, -3, 2, 0, -0.5, 1, 0.2, -0.05, 4, 0.3];
  const dir = topKAscentDirection(g, 1, [0.2]); // index ⌊0.8·10⌋ = 8 of the sorted |g|: threshold 3 → {−3, 4}
  assert.deepEqual(Array.from(dir, (v) => +v.toFixed(9)), [0, -0.5, 0, 0, 0, 0, 0, 0, 0.5, 0]);
  const steepest = topKAscentDirection(g, 1, [0]);
  assert.deepEqual(Array.from(steepest, (v) => +v.toFixed(9)), [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  const all = topKAscentDirection(g, 1, [1]); // every coordinate, but the zero gradient entry gets no sign
  assert.ok(Math.abs(rowNorms(all, 1, 'l1')[0]! - 1) < 1e-9 && all[3] === 0);
  assert.equal(APGD_L1.initialTopK, 0.2);
});

function net(seed: number, d: number, c: number): Classifier {
  const w1 = randomTensor(seed, [24, d], -1, 1, 'f32'), b1 = randomTensor(seed + 1, [24], -0.5, 0.5, 'f32');
  const w2 = randomTensor(seed + 2, [c, 24], -1, 1, 'f32');
  return (x) => matmul(relu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true });
}

test('ℓ1-APGD (CE and DLR, plain and largerEps) stays in the ℓ1 ball and the box, flags real successes, beats ℓ1 noise', () => {
  const d = 16, n = 40, model = net(1, d, 5);
  const x = randomTensor(2, [n, d], 0, 1, 'f32'), y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const eps = 0.6, count = (s: ArrayLike<number>) => Array.from(s).reduce((a, b) => a + b, 0);
  const start = randomPointInBall(x.data, new Float64Array(n).fill(eps), n, 'l1', UNIT, key(3));
  rowNorms(Float64Array.from(start, (v, j) => v - x.data[j]!), n, 'l1').forEach((v) => assert.ok(v <= eps * (1 + 1e-6) + 1e-6, `start ${v}`));
  let noiseWrong = 0;
  for (let draw = 0; draw < 20; draw++) {
    const pred = argmaxRows(predictLogits(model, noiseOfNorm(x, eps, 'l1', UNIT, key(50 + draw))));
    noiseWrong = Math.max(noiseWrong, pred.reduce((s, p, i) => s + (p !== y.data[i] ? 1 : 0), 0));
  }
  for (const loss of ['ce', 'dlr'] as const) for (const largerEps of [false, true]) {
    const r = apgd(model, x, y, { norm: 'l1', eps, box: UNIT, loss, steps: 50, largerEps, key: key(4) });
    const what = `${loss}${largerEps ? ' largerEps' : ''}`;
    rowNorms(Float64Array.from(r.x.data, (v, j) => v - x.data[j]!), n, 'l1').forEach((v, i) => assert.ok(v <= eps * (1 + 1e-6) + 1e-6, `${what}: ‖δ_${i}‖₁ = ${v} > ε`));
    r.x.data.forEach((v) => assert.ok(v >= 0 && v <= 1, `${what}: ${v} outside the box`));
    const pred = argmaxRows(predictLogits(model, r.x));
    r.success.forEach((s, i) => assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `${what}: success flag ${i}`));
    assert.ok(count(r.success) >= noiseWrong + 5, `${what}: APGD-ℓ1 broke ${count(r.success)}, worst of 20 noise draws ${noiseWrong}`);
  }
  const viaCatalog = makeAttack('apgd-ce-l1', { box: UNIT, steps: 20 });
  assert.equal(viaCatalog.norm, 'l1');
  assert.ok(count(viaCatalog.attack(model, x, y, eps).success) > noiseWrong);
});

test('ℓ1-APGD on a binary linear model reaches the exact ℓ1 distance to the boundary inside the box', () => {
  // The ℓ1 distance of a linear boundary under box constraints is a fractional knapsack: move the coordinates
  // of largest |Δw| to their box faces first.
  const d = 10, n = 30, w = randomTensor(7, [2, d], -1, 1), x = randomTensor(8, [n, d], 0, 1);
  const b = new Tensor(Float64Array.from([0, 0]), [2]);
  const model: Classifier = (xx) => add(matmul(xx, w, { transB: true }), b);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const distance = Array.from({ length: n }, (_, i) => {
    const s = y.data[i] === 0 ? 1 : -1; // margin m = s·Δwᵀx to remove
    const dw = Array.from({ length: d }, (_, j) => s * (w.data[j]! - w.data[d + j]!));
    let m = dw.reduce((acc, v, j) => acc + v * x.data[i * d + j]!, 0), cost = 0;
    for (const j of Array.from(dw.keys()).sort((a, c) => Math.abs(dw[c]!) - Math.abs(dw[a]!))) {
      const room = dw[j]! > 0 ? x.data[i * d + j]! : 1 - x.data[i * d + j]!; // distance to the face that lowers m
      const use = Math.min(room, m / Math.abs(dw[j]!));
      cost += use; m -= use * Math.abs(dw[j]!);
      if (m <= 1e-12) return cost;
    }
    return Infinity;
  });
  let reachable = 0, reachedPlain = 0;
  for (const eps of [0.5, 1, 1.6, 2.5]) {
    // auto-attack's standard ℓ1 schedule (3ε → 2ε → ε): every example closer than ε is broken, none farther
    const r = apgd(model, x, y, { norm: 'l1', eps, box: UNIT, steps: 100, largerEps: true, key: key(9) });
    for (let i = 0; i < n; i++) assert.equal(r.success[i], distance[i]! < eps ? 1 : 0, `ε=${eps} example ${i}: distance ${distance[i]}, success ${r.success[i]}`);
    // the plain run can stall when its top-k coordinates all sit on the box (the k schedule is box-blind): most, not all
    const plain = apgd(model, x, y, { norm: 'l1', eps, box: UNIT, steps: 100, key: key(9) });
    for (let i = 0; i < n; i++) {
      if (distance[i]! > eps) assert.equal(plain.success[i], 0, `plain ε=${eps} example ${i}: broken beyond its distance ${distance[i]}`);
      if (distance[i]! < eps / 1.1) { reachable++; reachedPlain += plain.success[i]!; }
    }
  }
  assert.ok(reachable >= 40 && reachedPlain >= 0.85 * reachable, `plain ℓ1-APGD broke ${reachedPlain} of ${reachable} examples closer than ε/1.1`);
});

test('the attacks without an ℓ1 version refuse it by name; largerEps needs ℓ1; the ℓ1 noise has norm ε', () => {
  const model = net(3, 6, 4), x = randomTensor(4, [5, 6], 0, 1, 'f32'), y = new Tensor(argmaxRows(predictLogits(model, x)), [5]);
  for (const run of [() => pgd(model, x, y, { norm: 'l1', eps: 0.1, box: UNIT }), () => fgsm(model, x, y, { norm: 'l1', eps: 0.1, box: UNIT }), () => deepFool(model, x, y, { norm: 'l1', eps: 0.1, box: UNIT })]) {
    assert.throws(run, /no ℓ1 version; ℓ1 attacks: apgd/);
  }
  assert.throws(() => apgd(model, x, y, { norm: 'linf', eps: 0.1, box: UNIT, largerEps: true }), /largerEps/);
  const big = new Tensor(Float64Array.from(normalValues(key(5), 5 * 6, 'f64'), (v) => 0.5 + 0.01 * v), [5, 6]);
  rowNorms(Float64Array.from(noiseOfNorm(big, 0.2, 'l1', UNIT, key(6)).data, (v, j) => v - big.data[j]!), 5, 'l1').forEach((v) => assert.ok(Math.abs(v - 0.2) < 1e-9, `noise ℓ1 ${v}`));
  const z = Float64Array.from([0.5, 0.5, 5, -5, 0.5, 0.5]);
  projectToBall(z, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.6], 1, 'l1', UNIT);
  assert.deepEqual(Array.from(z, (v) => +v.toFixed(12)), [0.5, 0.5, 0.6, 0, 0.5, 0.5]);
});

test('evaluateRobustness runs the ℓ1 threat model end to end: every check passes and ℓ1-APGD stays well below ℓ1 noise', () => {
  const d = 16, model = net(11, d, 4), x = randomTensor(12, [40, d], 0, 1, 'f32'), y = new Tensor(argmaxRows(predictLogits(model, x)), [40]);
  const named = makeAttack('apgd-ce-l1', { box: UNIT, steps: 30 });
  const r = evaluateRobustness({ model, x, y, box: UNIT, norm: named.norm, epsilons: [0.2, 0.5, 1], attack: named.attack, strongerAttack: named.stronger().attack, classes: 4, eotIter: named.eotIter });
  assert.deepEqual(r.warnings.map((w) => w.name), []);
  assert.match(r.checks.find((c) => c.name === 'large-eps')!.message, /ε = 16 /); // box width · D for ℓ1
  for (const p of r.points.filter((q) => q.eps >= 0.5)) assert.ok(p.robustAccuracy <= p.noiseAccuracy - 0.2, `ε=${p.eps}: APGD ${p.robustAccuracy} vs noise ${p.noiseAccuracy}`);
});
