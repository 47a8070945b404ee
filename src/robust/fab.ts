// FAB, the Fast Adaptive Boundary attack (Croce & Hein, ICML 2020), and its targeted variant FAB-T, as
// fra31/auto-attack runs them (fab_base.py, fab_pt.py, autoattack.py). A minimum-norm attack: it looks for
// the adversarial point closest to x0 and, as a member of AutoAttack, counts a point as broken only when
// that point's perturbation norm is ≤ ε.
//
// One run, from x1 = x0 (or a random start at norm ε/2 around x0), repeats `steps` times:
//   1. linearise at x1: f_k = z_k − z_y, g_k = ∇f_k (untargeted: every k ≠ y, then the k of smallest
//      |f_k| / ‖g_k‖_*; FAB-T: only k = the target class t), so the boundary is {z : ⟨g_k, z⟩ = b},
//      b = ⟨g_k, x1⟩ − f_k;
//   2. d1, d2 = the minimal-norm displacements of x1 and of x0 onto that hyperplane inside the box
//      (fabProjection.ts);
//   3. α = min(‖d1‖ / (‖d1‖ + ‖d2‖), α_max) (norms floored at 1e−8), and
//      x1 ← clip_box((1 − α)·(x1 + η·d1) + α·(x0 + η·d2))   (a biased step toward x0, overshoot η);
//   4. if x1 is misclassified (prediction ≠ y, for FAB-T too): keep it when ‖x1 − x0‖ is the smallest so
//      far, then step back toward x0: x1 ← x0 + β·(x1 − x0).
// AutoAttack's settings: steps 100, α_max 0.1, η 1.05, β 0.9; FAB-T tries the classes ranked 2nd … 10th by
// the clean logits (9 targets), one run each ('standard'); untargeted FAB runs 5 restarts ('plus'), the
// first from x0. Each run (target or restart) attacks only the points no earlier run has broken.
// Points misclassified to begin with are returned unchanged and count as broken (norm 0).
// Cost per iteration: one forward pass and C pullbacks (untargeted) or one pullback (FAB-T), plus one
// forward pass for the prediction.
import { foldIn, key as makeKey, normalValues, uniformValues, type Key } from '../core/random.js';
import { rangeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import type { AttackResult } from './attacks.js';
import { emptyLike, perExample } from './geometry.js';
import { argmaxRows, logitsWithPullback, predictLogits } from './gradient.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';
import { dualNormOf, hyperplaneBoxProjection, normOf, type FabNorm } from './fabProjection.js';

export interface FabOptions {
  /** 'linf', 'l2' or 'l1'. */
  norm: FabNorm;
  /** Budget: the radius of the random restarts (at ε/2) and of the final success check (norm ≤ ε). */
  eps: number | ArrayLike<number>;
  box: InputBox;
  /** Iterations per run (default 100). */
  steps?: number;
  /** Runs per target (FAB-T) or in total (FAB); runs after the first start at random (default 1). */
  restarts?: number;
  /** Largest weight of the step toward x0 (default 0.1). */
  alphaMax?: number;
  /** Overshoot past the linearised boundary (default 1.05). */
  eta?: number;
  /** Step back toward x0 after a success (default 0.9). */
  beta?: number;
  /** FAB-T: aim at the top other classes of the clean logits, one after the other. */
  targeted?: boolean;
  /** FAB-T: how many target classes (default 9, at most classes − 1). */
  targetClasses?: number;
  key?: Key;
}

export interface FabResult extends AttackResult {
  /** Smallest adversarial perturbation norm found per example (0 if misclassified clean, Infinity if none). */
  norms: Float64Array;
}

type Floats = Float32Array | Float64Array;

interface RunSettings {
  norm: FabNorm;
  box: InputBox;
  steps: number;
  alphaMax: number;
  eta: number;
  beta: number;
}

/** Clip one value to the box. */
const clip = (v: number, box: InputBox) => Math.min(box.upper, Math.max(box.lower, v));

/**
 * FAB's random start for each row of x0 [n, D]: x0 + (ε/2)·t/‖t‖, t uniform in [−1, 1]^D (ℓ∞) or standard
 * normal (ℓ2, ℓ1), clipped to the box (fab_base.py, restarts after the first).
 */
export function fabRandomStart(x0: Floats, eps: ArrayLike<number>, norm: FabNorm, box: InputBox, key: Key): Floats {
  const n = eps.length, D = x0.length / n, out = emptyLike(x0);
  const t = norm === 'linf' ? Float64Array.from(uniformValues(key, x0.length, 'f64'), (u) => 2 * u - 1) : normalValues(key, x0.length, 'f64');
  for (let i = 0; i < n; i++) {
    const row = t.subarray(i * D, (i + 1) * D), len = Math.max(normOf(row, norm), 1e-12);
    for (let j = 0; j < D; j++) out[i * D + j] = clip(x0[i * D + j]! + (0.5 * eps[i]! * row[j]!) / len, box);
  }
  return out;
}

/**
 * One FAB run on rows x0 [n, D] (shape = the tensor shape) with labels y [n] and, for FAB-T, targets [n].
 * Returns per row the closest misclassified iterate (x0 where none) and its norm (Infinity where none).
 */
function fabRun(model: Classifier, x0: Floats, shape: readonly number[], y: Int32Array, s: RunSettings, start: Floats, targets?: Int32Array): { adv: Floats; norms: Float64Array } {
  const n = y.length, D = x0.length / n;
  const cur = emptyLike(x0);
  cur.set(start);
  const adv = emptyLike(x0);
  adv.set(x0);
  const norms = new Float64Array(n).fill(Infinity);
  for (let it = 0; it < s.steps; it++) {
    const { logits, pullback } = logitsWithPullback(model, new Tensor(cur, shape));
    const C = logits.shape[1]!, z = logits.data;
    // w [n, D], f [n]: the chosen linearised boundary f + ⟨w, x − x1⟩ = 0 per row.
    const w = new Float64Array(n * D), f = new Float64Array(n);
    if (targets) {
      const cot = new Float64Array(n * C);
      for (let i = 0; i < n; i++) { cot[i * C + targets[i]!] = 1; cot[i * C + y[i]!] = -1; f[i] = z[i * C + targets[i]!]! - z[i * C + y[i]!]!; }
      w.set(pullback(cot));
    } else {
      // gradients of every logit: grads[k] [n, D]
      const grads = Array.from({ length: C }, (_, k) => {
        const cot = new Float64Array(n * C);
        for (let i = 0; i < n; i++) cot[i * C + k] = 1;
        return pullback(cot);
      });
      const best = new Float64Array(n).fill(Infinity), g = new Float64Array(D);
      for (let i = 0; i < n; i++) {
        const yi = y[i]!, gy = grads[yi]!;
        for (let k = 0; k < C; k++) {
          if (k === yi) continue;
          for (let j = 0; j < D; j++) g[j] = grads[k]![i * D + j]! - gy[i * D + j]!;
          const fk = z[i * C + k]! - z[i * C + yi]!;
          const dist = Math.abs(fk) / (1e-12 + dualNormOf(g, s.norm));
          if (dist < best[i]!) { best[i] = dist; f[i] = fk; w.set(g, i * D); }
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const wi = w.subarray(i * D, (i + 1) * D), x1 = cur.subarray(i * D, (i + 1) * D), xi = x0.subarray(i * D, (i + 1) * D);
      let b = -f[i]!;
      for (let j = 0; j < D; j++) b += wi[j]! * x1[j]!;
      const d1 = hyperplaneBoxProjection(s.norm, x1, wi, b, s.box), d2 = hyperplaneBoxProjection(s.norm, xi, wi, b, s.box);
      const a1 = Math.max(normOf(d1, s.norm), 1e-8), a2 = Math.max(normOf(d2, s.norm), 1e-8);
      const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), s.alphaMax);
      for (let j = 0; j < D; j++) x1[j] = clip((x1[j]! + s.eta * d1[j]!) * (1 - alpha) + (xi[j]! + s.eta * d2[j]!) * alpha, s.box);
    }
    const pred = argmaxRows(predictLogits(model, new Tensor(cur, shape)));
    for (let i = 0; i < n; i++) {
      if (pred[i] === y[i]) continue;
      const x1 = cur.subarray(i * D, (i + 1) * D), xi = x0.subarray(i * D, (i + 1) * D);
      const len = normOf(Float64Array.from(x1, (v, j) => v - xi[j]!), s.norm);
      if (len < norms[i]!) { norms[i] = len; adv.set(x1, i * D); }
      for (let j = 0; j < D; j++) x1[j] = xi[j]! + (x1[j]! - xi[j]!) * s.beta;
    }
  }
  return { adv, norms };
}

/** Rows `idx` of a flat [N, D] array. */
function pickRows(a: Floats, idx: readonly number[], D: number): Floats {
  const out = a instanceof Float64Array ? new Float64Array(idx.length * D) : new Float32Array(idx.length * D);
  idx.forEach((i, r) => out.set(a.subarray(i * D, (i + 1) * D), r * D));
  return out;
}

function checkFabNorm(norm: string, op: string): asserts norm is FabNorm {
  if (norm !== 'linf' && norm !== 'l2' && norm !== 'l1') throw valueError(op, 'norm', "'linf', 'l2' or 'l1'", norm);
}

/** FAB (untargeted) or FAB-T (`targeted`); see the file comment. */
export function fab(model: Classifier, x: Tensor, y: Tensor, o: FabOptions): FabResult {
  const op = o.targeted ? 'fabTargeted' : 'fab';
  checkFabNorm(o.norm, op);
  checkBox(o.box, op);
  checkLabels(x, y, op);
  if (x.dtype !== 'f32' && x.dtype !== 'f64') throw valueError(op, 'x', 'f32 or f64 inputs', x.dtype);
  assertInBox(x, o.box, op);
  const s: RunSettings = { norm: o.norm, box: o.box, steps: o.steps ?? 100, alphaMax: o.alphaMax ?? 0.1, eta: o.eta ?? 1.05, beta: o.beta ?? 0.9 };
  const restarts = o.restarts ?? 1;
  if (!Number.isInteger(s.steps) || s.steps < 1) throw rangeError(op, 'steps', 'an integer ≥ 1', s.steps);
  if (!Number.isInteger(restarts) || restarts < 1) throw rangeError(op, 'restarts', 'an integer ≥ 1', restarts);
  if (!(s.alphaMax >= 0 && s.alphaMax <= 1)) throw rangeError(op, 'alphaMax', 'a number in [0, 1]', s.alphaMax);
  if (!(s.eta > 0 && Number.isFinite(s.eta))) throw rangeError(op, 'eta', 'a finite number > 0', s.eta);
  if (!(s.beta > 0 && s.beta <= 1)) throw rangeError(op, 'beta', 'a number in (0, 1]', s.beta);
  const n = x.shape[0]!, D = featuresPerExample(x), eps = perExample(o.eps, n, op);
  const x0 = x.data as Floats, labels = Int32Array.from(y.data);
  const clean = predictLogits(model, x), C = clean.shape[1]!, cleanPred = argmaxRows(clean);
  for (let i = 0; i < n; i++) if (!(labels[i]! >= 0 && labels[i]! < C)) throw rangeError(op, 'y', `class indices in [0, ${C})`, `y[${i}] = ${labels[i]}`);
  const targetCount = o.targeted ? Math.min(o.targetClasses ?? 9, C - 1) : 0;
  if (o.targeted && (!Number.isInteger(targetCount) || targetCount < 1)) throw rangeError(op, 'targetClasses', 'an integer ≥ 1 (and a model with ≥ 2 classes)', o.targetClasses);
  const key = o.key ?? makeKey(0);

  const out = emptyLike(x0);
  out.set(x0);
  const success = Uint8Array.from(cleanPred, (p, i) => (p !== labels[i] ? 1 : 0));
  const norms = Float64Array.from(success, (b) => (b ? 0 : Infinity));
  // Clean ranking per example: classes by logit, descending (rank 0 is the top class).
  const ranking = Array.from({ length: n }, (_, i) => Array.from({ length: C }, (_, c) => c).sort((a, b) => clean.data[i * C + b]! - clean.data[i * C + a]! || a - b));

  const runOnRobust = (runKey: Key, restart: number, rank: number | undefined) => {
    const left: number[] = [];
    for (let i = 0; i < n; i++) if (!success[i]) left.push(i);
    if (left.length === 0) return;
    const xs = pickRows(x0, left, D), ys = Int32Array.from(left, (i) => labels[i]!), es = Float64Array.from(left, (i) => eps[i]!);
    const shape = [left.length, ...x.shape.slice(1)];
    const start = restart > 0 ? fabRandomStart(xs, es, s.norm, s.box, runKey) : xs;
    const targets = rank === undefined ? undefined : Int32Array.from(left, (i) => ranking[i]![rank]!);
    const r = fabRun(model, xs, shape, ys, s, start, targets);
    // AutoAttack's check on the returned points: broken iff misclassified and ‖adv − x0‖ ≤ ε.
    const pred = argmaxRows(predictLogits(model, new Tensor(r.adv, shape)));
    left.forEach((i, k) => {
      const row = r.adv.subarray(k * D, (k + 1) * D), xi = x0.subarray(i * D, (i + 1) * D);
      const len = r.norms[k] === Infinity ? Infinity : normOf(Float64Array.from(row, (v, j) => v - xi[j]!), s.norm);
      norms[i] = Math.min(norms[i]!, len);
      if (pred[k] !== labels[i] && len <= eps[i]!) {
        out.set(row, i * D);
        success[i] = 1;
      }
    });
  };
  if (o.targeted) {
    for (let rank = 1; rank <= targetCount; rank++) for (let r = 0; r < restarts; r++) runOnRobust(foldIn(foldIn(key, rank), r), r, rank);
  } else {
    for (let r = 0; r < restarts; r++) runOnRobust(foldIn(key, r), r, undefined);
  }
  return { x: new Tensor(out, x.shape), success, objective: Float64Array.from(norms, (v) => -v), norms };
}
