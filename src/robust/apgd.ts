// APGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness…", fra31/auto-attack):
// step-size-free PGD with momentum 0.75 and an adaptive step. Per example the step starts at 2ε; at
// checkpoints w_j (fractions p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) of the
// budget) the step is halved and the iterate reset to the best point when
//   (1) the loss increased in at most ρ = 0.75 of the steps since the last checkpoint, or
//   (2) the step was not reduced at the last checkpoint and the best loss has not improved since.
// APGD-CE uses the CE loss, APGD-DLR the DLR loss (scale invariant); restarts from random starts.
// norm 'l1' runs ℓ1-APGD (apgdL1.ts: sparse top-k steps, exact ℓ1-ball ∩ box projection, its own
// step/sparsity schedule). eotIter > 1 averages every gradient over that many passes of a randomized model
// (EOT; AutoAttack's version 'rand' uses 20).
import { foldIn, key as makeKey } from '../core/random.js';
import { rangeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { ascentDirection, checkNorm, emptyLike, perExample, projectToBall, randomPointInBall, type Norm } from './geometry.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier } from './inputSpace.js';
import { attackSuccess, eotObjectiveAndGradient } from './gradient.js';
import { mergeBest, type AttackResult } from './attacks.js';
import { apgdL1, type ApgdL1Options } from './apgdL1.js';

/** ApgdL1Options (the fields every norm shares) plus the norm and the ℓ∞/ℓ2 step rule's ρ and momentum. */
export interface ApgdOptions extends ApgdL1Options {
  norm: Norm;
  rho?: number;
  momentum?: number;
}

/**
 * The checkpoint iterations w_j for a budget of `steps` iterations, computed as fra31/auto-attack does
 * with integers: first after max(⌊0.22·steps⌋, 1) steps, then spacings shrinking by max(⌊0.03·steps⌋, 1)
 * down to max(⌊0.06·steps⌋, 1). For 100 steps: 0, 22, 41, 57, 70, 80, 87, 93, 99.
 */
export function apgdCheckpoints(steps: number): number[] {
  let span = Math.max(Math.floor(0.22 * steps), 1);
  const decrease = Math.max(Math.floor(0.03 * steps), 1), minimum = Math.max(Math.floor(0.06 * steps), 1);
  const out = [0];
  while (out.at(-1)! + span <= steps) {
    out.push(out.at(-1)! + span);
    span = Math.max(span - decrease, minimum);
  }
  return out;
}

export function apgd(model: Classifier, x: Tensor, y: Tensor, o: ApgdOptions): AttackResult {
  checkNorm(o.norm, 'apgd', ['linf', 'l2', 'l1']);
  checkBox(o.box, 'apgd');
  checkLabels(x, y, 'apgd');
  assertInBox(x, o.box, 'apgd');
  const steps = o.steps ?? 100, restarts = o.restarts ?? 1, rho = o.rho ?? 0.75, momentum = o.momentum ?? 0.75, loss = o.loss ?? 'ce', eotIter = o.eotIter ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw rangeError('apgd', 'steps', 'an integer ≥ 1', steps);
  if (!Number.isInteger(restarts) || restarts < 1) throw rangeError('apgd', 'restarts', 'an integer ≥ 1', restarts);
  if (!Number.isInteger(eotIter) || eotIter < 1) throw rangeError('apgd', 'eotIter', 'an integer ≥ 1', eotIter);
  if (o.largerEps && o.norm !== 'l1') throw valueError('apgd', 'largerEps', "only with norm 'l1' (auto-attack's use_largereps)", o.norm);
  if (o.norm === 'l1') return apgdL1(model, x, y, o);
  const n = x.shape[0]!, d = featuresPerExample(x), eps = perExample(o.eps, n, 'apgd');
  const checkpoints = new Set(apgdCheckpoints(steps).slice(1));
  const overall = { x: emptyLike(x.data), success: new Uint8Array(n), objective: new Float64Array(n).fill(-Infinity) };
  overall.x.set(x.data);
  const key = o.key ?? makeKey(0);
  const evaluate = (cur: Float32Array | Float64Array) => {
    const r = eotObjectiveAndGradient(model, new Tensor(cur, x.shape), y, loss, o.targets, eotIter);
    return { ...r, success: attackSuccess(r.logits, y, o.targets) };
  };
  for (let r = 0; r < restarts; r++) {
    let cur = randomPointInBall(x.data, eps, n, o.norm, o.box, foldIn(key, r));
    let ev = evaluate(cur);
    mergeBest(overall, { x: cur, success: ev.success, objective: ev.objective }, d);
    const step = Float64Array.from(eps, (e) => 2 * e);
    const bestX = Float64Array.from(cur), bestLoss = Float64Array.from(ev.objective);
    let bestGrad = Float64Array.from(ev.grad.data), grad = Float64Array.from(ev.grad.data);
    let prev = Float64Array.from(cur), lastLoss = Float64Array.from(ev.objective);
    const increases = new Float64Array(n), reducedLast = new Uint8Array(n), bestAtLastCheck = Float64Array.from(bestLoss);
    let lastCheckpoint = 0;
    for (let k = 0; k < steps; k++) {
      const a = k === 0 ? 1 : momentum;
      const dir = ascentDirection(grad, n, o.norm);
      const z = emptyLike(x.data);
      for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) z[j] = cur[j]! + step[i]! * dir[j]!;
      projectToBall(z, x.data, eps, n, o.norm, o.box);
      const next = emptyLike(x.data);
      for (let j = 0; j < next.length; j++) next[j] = cur[j]! + a * (z[j]! - cur[j]!) + (1 - a) * (cur[j]! - prev[j]!);
      projectToBall(next, x.data, eps, n, o.norm, o.box);
      prev = Float64Array.from(cur);
      cur = next;
      ev = evaluate(cur);
      grad = Float64Array.from(ev.grad.data);
      mergeBest(overall, { x: cur, success: ev.success, objective: ev.objective }, d);
      for (let i = 0; i < n; i++) {
        if (ev.objective[i]! > lastLoss[i]!) increases[i]!++;
        lastLoss[i] = ev.objective[i]!;
        if (ev.objective[i]! > bestLoss[i]!) {
          bestLoss[i] = ev.objective[i]!;
          for (let j = i * d; j < (i + 1) * d; j++) { bestX[j] = cur[j]!; bestGrad[j] = grad[j]!; }
        }
      }
      if (checkpoints.has(k + 1)) {
        const span = k + 1 - lastCheckpoint;
        for (let i = 0; i < n; i++) {
          const oscillating = increases[i]! <= rho * span;
          const stalled = !reducedLast[i] && bestAtLastCheck[i]! >= bestLoss[i]!;
          reducedLast[i] = Number(oscillating || stalled);
          if (reducedLast[i]) {
            step[i]! /= 2;
            for (let j = i * d; j < (i + 1) * d; j++) { cur[j] = bestX[j]!; grad[j] = bestGrad[j]!; prev[j] = bestX[j]!; }
          }
          bestAtLastCheck[i] = bestLoss[i]!;
          increases[i] = 0;
        }
        lastCheckpoint = k + 1;
      }
      if (overall.success.every((s) => s === 1)) break;
    }
  }
  return { x: new Tensor(overall.x, x.shape), success: overall.success, objective: overall.objective };
}
