// ℓ1-APGD (Croce & Hein 2021, "Mind the box: ℓ1-APGD for sparse adversarial attacks on image
// classifiers"; fra31/auto-attack autoattack/autopgd_base.py with norm 'L1'). Per example:
//
//   start   x0 + N(0, 1) projected onto the ℓ1 ball ∩ box (geometry.ts randomPointInBall)
//   step    x ← P(x + η·s),  s = the signs of the top-k |∇| coordinates / their number
//           (topKAscentDirection), P the exact projection onto ball ∩ box (l1Projection.ts);
//           no momentum (auto-attack's L1 branch has none)
//   η       starts at α·ε with α = 1
//   k       starts at 20% of the D coordinates; every max(⌊0.04·steps⌋, 1) iterations, with sp = ‖x_best − x0‖₀:
//             k ← sp / 1.5 (as a fraction sp / D / 1.5);
//             if sp / sp_old < 0.95 (the best point got sparser): η ← α·ε and restart from x_best,
//             else η ← η / 1.5;  η clamped to [α·ε / 10, α·ε];  sp_old ← sp (initially D)
//
// `largerEps` is auto-attack's use_largereps (set by AutoAttack's standard version for ℓ1): three stages at
// 3ε, 2ε, ε with ⌈0.3·steps⌉, ⌈0.3·steps⌉ and the remaining iterations, each started from the previous
// stage's best point projected onto the smaller ball, k and sp_old then taken from that start's sparsity.
// Only the last stage (at ε) counts as the attack's result.
import { foldIn, key as makeKey, type Key } from '../core/random.js';
import { Tensor } from '../tensor/index.js';
import { emptyLike, perExample, projectToBall, randomPointInBall, topKAscentDirection } from './geometry.js';
import { featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';
import { attackSuccess, eotObjectiveAndGradient } from './gradient.js';
import { mergeBest, type AttackResult } from './attacks.js';
import type { AttackLoss } from './losses.js';

/** The options of apgd that ℓ1-APGD reads (ApgdOptions with norm 'l1'; rho and momentum have no ℓ1 role). */
export interface ApgdL1Options {
  eps: number | ArrayLike<number>;
  box: InputBox;
  loss?: Extract<AttackLoss, 'ce' | 'dlr'>;
  targets?: Tensor;
  steps?: number;
  restarts?: number;
  key?: Key;
  /** Forward/backward passes averaged per gradient (EOT for randomized models); default 1. */
  eotIter?: number;
  /** ℓ1 only: auto-attack's use_largereps schedule (3ε, 2ε, ε over 30/30/40% of the steps); default false. */
  largerEps?: boolean;
}

/** Constants of auto-attack's L1 branch (autopgd_base.py, attack_single_run). */
export const APGD_L1 = {
  /** Initial (and maximal) step, relative to ε. */
  alpha: 1,
  /** Initial fraction of coordinates in the sparse step. */
  initialTopK: 0.2,
  /** Iterations between sparsity checks, as a fraction of the budget (at least 1). */
  checkEvery: 0.04,
  /** A check that finds the best point sparser than this ratio resets the step to α·ε. */
  sparserRatio: 0.95,
  /** Step divisor when it did not get sparser; also k = sparsity / 1.5. */
  reduction: 1.5,
  /** The step never falls below α·ε / minStep. */
  minStep: 10,
  /** use_largereps: radii and iteration shares of the three stages. */
  largerEps: [3, 2, 1] as const,
  largerEpsShare: [0.3, 0.3] as const,
} as const;

type Floats = Float32Array | Float64Array;

/** Non-zero entries of (a − b) per row. */
function sparsity(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const d = a.length / n, out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) if (a[j] !== b[j]) out[i]!++;
  return out;
}

/** Input already validated by apgd (which dispatches here for norm 'l1'). */
export function apgdL1(model: Classifier, x: Tensor, y: Tensor, o: ApgdL1Options): AttackResult {
  const steps = o.steps ?? 100, restarts = o.restarts ?? 1, loss = o.loss ?? 'ce', eotIter = o.eotIter ?? 1;
  const n = x.shape[0]!, d = featuresPerExample(x), eps = perExample(o.eps, n, 'apgd');
  const key = o.key ?? makeKey(0);
  const overall = { x: emptyLike(x.data), success: new Uint8Array(n), objective: new Float64Array(n).fill(-Infinity) };
  overall.x.set(x.data);
  const evaluate = (cur: Floats) => {
    const r = eotObjectiveAndGradient(model, new Tensor(cur, x.shape), y, loss, o.targets, eotIter);
    return { ...r, success: attackSuccess(r.logits, y, o.targets) };
  };

  /** One run of `iters` iterations at radius `radius` from `start`; returns the point of largest objective. */
  const singleRun = (start: Floats, radius: Float64Array, iters: number, fromGivenStart: boolean, record: boolean): Floats => {
    let cur = start;
    let ev = evaluate(cur);
    if (record) mergeBest(overall, { x: cur, success: ev.success, objective: ev.objective }, d);
    const maxStep = Float64Array.from(radius, (e) => APGD_L1.alpha * e), step = Float64Array.from(maxStep);
    const bestX = Float64Array.from(cur), bestLoss = Float64Array.from(ev.objective);
    const grad = Float64Array.from(ev.grad.data), bestGrad = Float64Array.from(grad);
    let sparseOld = fromGivenStart ? sparsity(cur, x.data, n) : new Float64Array(n).fill(d);
    const topK = fromGivenStart ? Float64Array.from(sparseOld, (s) => s / d / APGD_L1.reduction) : new Float64Array(n).fill(APGD_L1.initialTopK);
    const checkEvery = Math.max(Math.floor(APGD_L1.checkEvery * iters), 1);
    for (let k = 0; k < iters; k++) {
      const dir = topKAscentDirection(grad, n, topK);
      const next = emptyLike(x.data);
      for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) next[j] = cur[j]! + step[i]! * dir[j]!;
      cur = projectToBall(next, x.data, radius, n, 'l1', o.box);
      ev = evaluate(cur);
      grad.set(ev.grad.data);
      if (record) mergeBest(overall, { x: cur, success: ev.success, objective: ev.objective }, d);
      for (let i = 0; i < n; i++) {
        if (!(ev.objective[i]! > bestLoss[i]!)) continue;
        bestLoss[i] = ev.objective[i]!;
        for (let j = i * d; j < (i + 1) * d; j++) { bestX[j] = cur[j]!; bestGrad[j] = grad[j]!; }
      }
      if ((k + 1) % checkEvery === 0) {
        const sparseNow = sparsity(bestX, x.data, n);
        for (let i = 0; i < n; i++) {
          const sparser = sparseNow[i]! / sparseOld[i]! < APGD_L1.sparserRatio; // 0/0 = NaN: not sparser, as in torch
          topK[i] = sparseNow[i]! / d / APGD_L1.reduction;
          step[i] = sparser ? maxStep[i]! : step[i]! / APGD_L1.reduction;
          step[i] = Math.min(maxStep[i]!, Math.max(maxStep[i]! / APGD_L1.minStep, step[i]!));
          if (sparser) for (let j = i * d; j < (i + 1) * d; j++) { cur[j] = bestX[j]!; grad[j] = bestGrad[j]!; }
        }
        sparseOld = sparseNow;
      }
      if (record && overall.success.every((s) => s === 1)) break;
    }
    const best = emptyLike(x.data);
    best.set(bestX);
    return best;
  };

  for (let r = 0; r < restarts; r++) {
    if (!o.largerEps) {
      singleRun(randomPointInBall(x.data, eps, n, 'l1', o.box, foldIn(key, r)), eps, steps, false, true);
      continue;
    }
    const [first, second] = APGD_L1.largerEpsShare.map((share) => Math.ceil(share * steps)) as [number, number];
    const stages = [first, second, Math.max(steps - first - second, 0)];
    const radii = APGD_L1.largerEps.map((m) => Float64Array.from(eps, (e) => m * e));
    let start = randomPointInBall(x.data, radii[0]!, n, 'l1', o.box, foldIn(key, r));
    stages.forEach((iters, s) => {
      start = projectToBall(start, x.data, radii[s]!, n, 'l1', o.box);
      start = singleRun(start, radii[s]!, iters, true, s === stages.length - 1);
    });
  }
  return { x: new Tensor(overall.x, x.shape), success: overall.success, objective: overall.objective };
}
