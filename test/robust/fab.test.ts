// FAB / FAB-T: the hyperplane ∩ box projections equal a brute-force search (and the closed forms without a
// box); on affine models FAB's minimal perturbation is the exact distance to the boundary (ℓ2, ℓ∞, ℓ1) within
// a few %; returned points respect the box and ε exactly with real success flags; FAB beats noise of the same
// norm; FAB-T is at least as strong as FAB; bad options are refused with clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, uniformValues } from '../../src/core/random.js';
import { Tensor, add, matmul, relu } from '../../src/tensor/index.js';
import {
  argmaxRows, fab, fabRandomStart, hyperplaneBoxProjection, makeAttack, noiseOfNorm, normOf, predictLogits, rowNorms, type Classifier, type FabNorm,
} from '../../src/robust/index.js';
import { randomTensor } from '../support/random.js';

const UNIT = { lower: 0, upper: 1 };
const BIG_BOX = { lower: -100, upper: 100 };
const NORMS: FabNorm[] = ['linf', 'l2', 'l1'];

/** A random hyperplane through a random point of the unit box, and a start point t in the box near its faces (so the box binds). */
function randomCase(seed: number, D: number): { t: Float64Array; w: Float64Array; b: number } {
  const u = uniformValues(key(seed), 3 * D, 'f64');
  const t = Float64Array.from(u.slice(0, D), (v) => (v < 0.5 ? 0.3 * v : 1 - 0.3 * (1 - v))), q = u.slice(D, 2 * D), w = Float64Array.from(u.slice(2 * D), (v) => 2 * v - 1);
  if (Math.abs(w[D - 1]!) < 0.3) w[D - 1] = 0.3 * Math.sign(w[D - 1]! || 1); // the last coordinate solves the hyperplane in the brute force
  return { t, w, b: w.reduce((s, v, j) => s + v * q[j]!, 0) };
}

/** min ‖z − t‖ over z in the unit box on ⟨w, z⟩ = b: a grid over the first D − 1 coordinates, the last one solved. */
function bruteForce(t: Float64Array, w: Float64Array, b: number, norm: FabNorm, cells: number): number {
  const D = t.length, z = new Float64Array(D), delta = new Float64Array(D);
  let best = Infinity;
  const total = (cells + 1) ** (D - 1);
  for (let index = 0; index < total; index++) {
    let rest = index, s = b;
    for (let j = 0; j < D - 1; j++) { z[j] = (rest % (cells + 1)) / cells; rest = Math.floor(rest / (cells + 1)); s -= w[j]! * z[j]!; }
    z[D - 1] = s / w[D - 1]!;
    if (z[D - 1]! < 0 || z[D - 1]! > 1) continue;
    for (let j = 0; j < D; j++) delta[j] = z[j]! - t[j]!;
    best = Math.min(best, normOf(delta, norm));
  }
  return best;
}

test('hyperplane ∩ box projections (ℓ∞, ℓ2, ℓ1) are feasible and match a brute-force search in 2-D (1e-4) and 3-D (grid spacing)', () => {
  let boxActive = 0;
  for (const norm of NORMS) {
    for (let seed = 0; seed < 12; seed++) {
      for (const [D, cells, tol] of [[2, 200000, 1e-4], [3, 300, 2e-2]] as const) {
        const { t, w, b } = randomCase(100 * D + seed, D);
        const d = hyperplaneBoxProjection(norm, t, w, b, UNIT);
        const reached = w.reduce((s, v, j) => s + v * (t[j]! + d[j]!), 0);
        assert.ok(Math.abs(reached - b) < 1e-9, `${norm} D=${D} seed ${seed}: on the hyperplane (${reached} vs ${b})`);
        d.forEach((v, j) => assert.ok(t[j]! + v >= -1e-12 && t[j]! + v <= 1 + 1e-12, `${norm} D=${D} seed ${seed}: in the box`));
        const ours = normOf(d, norm), brute = bruteForce(t, w, b, norm, cells);
        assert.ok(ours <= brute + 1e-9, `${norm} D=${D} seed ${seed}: ${ours} is beaten by a feasible point at ${brute}`);
        assert.ok(brute <= ours + tol, `${norm} D=${D} seed ${seed}: brute force ${brute} vs ours ${ours}`);
        // the projection without the box: ℓ∞ |c|/‖w‖₁, ℓ2 |c|/‖w‖₂, ℓ1 |c|/‖w‖∞
        const c = Math.abs(w.reduce((s, v, j) => s + v * t[j]!, 0) - b);
        const free = c / normOf(w, norm === 'linf' ? 'l1' : norm === 'l1' ? 'linf' : 'l2');
        if (ours > free * (1 + 1e-9)) boxActive++;
      }
    }
  }
  assert.ok(boxActive >= 15, `the box constrains the answer in ${boxActive} of the cases (the test must exercise it)`);
});

test('without an active box the projections are the closed forms; out of reach they return the box corner', () => {
  const D = 10, { t, w } = randomCase(7, D);
  const b = w.reduce((s, v, j) => s + v * t[j]!, 0) - 0.3; // c = 0.3
  const l2 = hyperplaneBoxProjection('l2', t, w, b, BIG_BOX), w2 = w.reduce((s, v) => s + v * v, 0);
  l2.forEach((v, j) => assert.ok(Math.abs(v + (0.3 * w[j]!) / w2) < 1e-12, `ℓ2 d[${j}]`));
  const linf = hyperplaneBoxProjection('linf', t, w, b, BIG_BOX), w1 = w.reduce((s, v) => s + Math.abs(v), 0);
  linf.forEach((v, j) => assert.ok(Math.abs(v + (0.3 * Math.sign(w[j]!)) / w1) < 1e-12, `ℓ∞ d[${j}]`));
  const top = w.reduce((m, v, j) => (Math.abs(v) > Math.abs(w[m]!) ? j : m), 0);
  const l1 = hyperplaneBoxProjection('l1', t, w, b, BIG_BOX);
  l1.forEach((v, j) => assert.ok(Math.abs(v - (j === top ? -0.3 / w[top]! : 0)) < 1e-12, `ℓ1 d[${j}]`));
  const far = w.reduce((s, v) => s + Math.abs(v), 0) + 5; // ⟨w, z⟩ = far is outside the unit box
  for (const norm of NORMS) {
    const d = hyperplaneBoxProjection(norm, t, w, far, UNIT);
    d.forEach((v, j) => assert.ok(Math.abs(t[j]! + v - (w[j]! > 0 ? 1 : 0)) < 1e-12, `${norm}: corner coordinate ${j}`));
  }
});

test('FAB on an affine 4-class model: the minimal ℓ2, ℓ∞ and ℓ1 perturbations are the exact distances min_k |f_k|/‖w_k − w_y‖_* within 3%', () => {
  const [C, d, n] = [4, 6, 24];
  const w = randomTensor(1, [C, d], -1, 1), b = randomTensor(2, [C], -0.5, 0.5);
  const model: Classifier = (x) => add(matmul(x, w, { transB: true }), b);
  const x = randomTensor(3, [n, d], -1, 1);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  for (const norm of NORMS) {
    const r = fab(model, x, y, { norm, eps: 50, box: BIG_BOX, steps: 30 });
    for (let i = 0; i < n; i++) {
      const yi = y.data[i]!;
      let want = Infinity;
      for (let k = 0; k < C; k++) {
        if (k === yi) continue;
        const dw = new Float64Array(d);
        let f = b.data[k]! - b.data[yi]!;
        for (let j = 0; j < d; j++) { dw[j] = w.data[k * d + j]! - w.data[yi * d + j]!; f += dw[j]! * x.data[i * d + j]!; }
        want = Math.min(want, Math.abs(f) / normOf(dw, norm === 'linf' ? 'l1' : norm === 'l1' ? 'linf' : 'l2'));
      }
      assert.equal(r.success[i], 1, `${norm} example ${i} broken`);
      assert.ok(r.norms[i]! >= want * (1 - 1e-9), `${norm} example ${i}: ${r.norms[i]} below the exact distance ${want}`);
      assert.ok(r.norms[i]! <= want * 1.03, `${norm} example ${i}: ${r.norms[i]} vs exact ${want}`);
    }
  }
});

test('FAB on a 2-class affine model follows the reference iteration exactly: overshoot η, step back β, bias α = min(‖d1‖/(‖d1‖+‖d2‖), α_max)', () => {
  // Along the one boundary normal every iterate is x0 + s·d*, d* the minimal perturbation: step 1 gives s = η,
  // the step back s = βη, step 2 from there d1 = (1 − s)·d*, d2 = d*, so s₂ = (1 − α)(s + η(1 − s)) + αη.
  const d = 5, n = 8;
  const w = randomTensor(41, [2, d], -1, 1), b = randomTensor(42, [2], -0.2, 0.2);
  const model: Classifier = (x) => add(matmul(x, w, { transB: true }), b);
  const x = randomTensor(43, [n, d], -1, 1);
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  const dw = Float64Array.from({ length: d }, (_, j) => w.data[d + j]! - w.data[j]!);
  for (const norm of NORMS) {
    const dual = normOf(dw, norm === 'linf' ? 'l1' : norm === 'l1' ? 'linf' : 'l2');
    for (const o of [{ eta: 1.05, beta: 0.9, alphaMax: 0.1 }, { eta: 1.05, beta: 0.5, alphaMax: 0.1 }, { eta: 1.2, beta: 0.5, alphaMax: 0.5 }]) {
      const sBack = o.beta * o.eta, alpha = Math.min((1 - sBack) / (2 - sBack), o.alphaMax);
      const s2 = (1 - alpha) * (sBack + o.eta * (1 - sBack)) + alpha * o.eta;
      const one = fab(model, x, y, { norm, eps: 50, box: BIG_BOX, steps: 1, ...o });
      const two = fab(model, x, y, { norm, eps: 50, box: BIG_BOX, steps: 2, ...o });
      for (let i = 0; i < n; i++) {
        let f = b.data[1]! - b.data[0]!;
        for (let j = 0; j < d; j++) f += dw[j]! * x.data[i * d + j]!;
        const distance = Math.abs(f) / dual;
        assert.ok(Math.abs(one.norms[i]! / distance - o.eta) < 1e-9, `${norm} ${JSON.stringify(o)} example ${i}, step 1: ${one.norms[i]! / distance}`);
        assert.ok(Math.abs(two.norms[i]! / distance - s2) < 1e-9, `${norm} ${JSON.stringify(o)} example ${i}, step 2: ${two.norms[i]! / distance} vs ${s2}`);
      }
    }
  }
});

test('FAB random starts lie at norm exactly ε/2 around x0 (away from the box faces), differ per key, and are clipped to the box', () => {
  const n = 5, D = 7, eps = [0.2, 0.1, 0.3, 0.05, 0.4];
  const x0 = Float64Array.from(randomTensor(51, [n, D], 0.4, 0.6).data);
  for (const norm of NORMS) {
    const a = fabRandomStart(x0, eps, norm, UNIT, key(1)), b = fabRandomStart(x0, eps, norm, UNIT, key(2));
    const lengths = Float64Array.from({ length: n }, (_, i) => normOf(Float64Array.from(a.subarray(i * D, (i + 1) * D), (v, j) => v - x0[i * D + j]!), norm));
    lengths.forEach((v, i) => assert.ok(Math.abs(v - eps[i]! / 2) < 1e-12, `${norm} start ${i}: norm ${v} vs ε/2 = ${eps[i]! / 2}`));
    assert.ok(a.some((v, j) => v !== b[j]), `${norm}: two keys give two starts`);
    const clipped = fabRandomStart(x0, Array(n).fill(5), norm, UNIT, key(3));
    clipped.forEach((v) => assert.ok(v >= 0 && v <= 1, `${norm}: clipped to the box`));
  }
});

/** A random ReLU network D → 32 → C. */
function net(seed: number, D: number, C: number): Classifier {
  const w1 = randomTensor(seed, [32, D], -1, 1, 'f32'), b1 = randomTensor(seed + 1, [32], -0.5, 0.5, 'f32');
  const w2 = randomTensor(seed + 2, [C, 32], -1, 1, 'f32');
  return (x) => matmul(relu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true });
}

const count = (s: Uint8Array) => s.reduce((a, v) => a + v, 0);

test('FAB and FAB-T on a ReLU net: inside the box and the ε-ball exactly, real success flags, stronger than noise, restarts never hurt', () => {
  const D = 12, n = 40, model = net(11, D, 6);
  const x = randomTensor(12, [n, D], 0, 1, 'f32');
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  for (const [norm, eps] of [['linf', 0.05], ['l2', 0.2]] as const) {
    for (const targeted of [false, true]) {
      const what = `${norm}${targeted ? ' FAB-T' : ' FAB'}`;
      const r = fab(model, x, y, { norm, eps, box: UNIT, steps: 30, targeted, targetClasses: 5 });
      const norms = rowNorms(Float64Array.from(r.x.data, (v, j) => v - x.data[j]!), n, norm);
      norms.forEach((v, i) => assert.ok(v <= eps, `${what} ball ${i}: ${v} > ${eps}`));
      r.x.data.forEach((v) => assert.ok(v >= 0 && v <= 1, `${what} box`));
      const pred = argmaxRows(predictLogits(model, r.x));
      r.success.forEach((s, i) => {
        assert.equal(s, pred[i] !== y.data[i] ? 1 : 0, `${what} success flag ${i}`);
        if (s) assert.ok(r.norms[i]! <= eps, `${what} ${i}: success means a minimal norm ≤ ε`);
        if (r.norms[i]! <= 0.999 * eps) assert.equal(s, 1, `${what} ${i}: a found norm ${r.norms[i]} ≤ ε counts`);
      });
      const noise = argmaxRows(predictLogits(model, noiseOfNorm(x, eps, norm, UNIT, key(13)))).reduce((s, p, i) => s + (p !== y.data[i] ? 1 : 0), 0);
      assert.ok(count(r.success) > noise + 3, `${what}: ${count(r.success)} broken vs noise ${noise}`);
    }
    const one = fab(model, x, y, { norm, eps, box: UNIT, steps: 20 });
    const three = fab(model, x, y, { norm, eps, box: UNIT, steps: 20, restarts: 3, key: key(14) });
    one.success.forEach((s, i) => { if (s) assert.equal(three.success[i], 1, `${norm}: restarts keep example ${i} broken`); });
  }
});

test('FAB-T (9 targets) is at least as strong as FAB on a 10-class net, and the catalog runs all four FAB entries', () => {
  const D = 10, n = 30, model = net(21, D, 10);
  const x = randomTensor(22, [n, D], 0, 1, 'f32');
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [n]);
  for (const [norm, eps] of [['linf', 0.03], ['l2', 0.1]] as const) {
    const untargeted = makeAttack(`fab-${norm}`, { box: UNIT, steps: 20, restarts: 1 }).attack(model, x, y, eps);
    const targeted = makeAttack(`fab-t-${norm}`, { box: UNIT, steps: 20 }).attack(model, x, y, eps);
    const [u, t] = [count(untargeted.success), count(targeted.success)];
    assert.ok(t >= u, `${norm}: FAB-T breaks ${t}, FAB ${u}`);
    assert.ok(u > 0 && u < n, `${norm}: ε leaves something to compare (${u} of ${n})`);
  }
  const named = makeAttack('fab-t-l2', { box: UNIT, steps: 10 });
  assert.equal(named.norm, 'l2');
  assert.equal(named.stronger().name, 'fab-t-l2');
});

test('FAB refuses bad options with clear errors', () => {
  const model = net(31, 4, 3), x = randomTensor(32, [3, 4], 0, 1, 'f32');
  const y = new Tensor(argmaxRows(predictLogits(model, x)), [3]);
  const base = { norm: 'linf' as const, eps: 0.1, box: UNIT };
  assert.throws(() => fab(model, x, y, { ...base, norm: 'l3' as FabNorm }), /fab: norm expected 'linf', 'l2' or 'l1', got l3/);
  assert.throws(() => fab(model, x, y, { ...base, steps: 0 }), /fab: steps expected an integer ≥ 1, got 0/);
  assert.throws(() => fab(model, x, y, { ...base, restarts: 1.5 }), /restarts expected an integer ≥ 1/);
  assert.throws(() => fab(model, x, y, { ...base, box: { lower: 1, upper: 0 } }), /box expected finite lower < upper/);
  assert.throws(() => fab(model, x, y, { ...base, alphaMax: 2 }), /alphaMax expected a number in \[0, 1\]/);
  assert.throws(() => fab(model, x, y, { ...base, beta: 0 }), /beta expected a number in \(0, 1\]/);
  assert.throws(() => fab(model, x, y, { ...base, eps: -1 }), /eps expected finite values ≥ 0/);
  assert.throws(() => fab(model, x, new Tensor(Int32Array.from([0, 1]), [2]), base), /y expected \[3\]/);
  assert.throws(() => fab(model, x, new Tensor(Int32Array.from([0, 1, 7]), [3]), base), /y expected class indices in \[0, 3\)/);
  assert.throws(() => fab(model, x, y, { ...base, targeted: true, targetClasses: 0 }), /fabTargeted: targetClasses expected an integer ≥ 1/);
  assert.throws(() => fab(model, randomTensor(33, [3, 4], 1.5, 2, 'f32'), y, base), /elements in the input box/);
});
