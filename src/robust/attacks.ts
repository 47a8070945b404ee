// Fixed-budget gradient attacks on logits, batched: FGSM / FGM (one step of size ε) and BIM / PGD
// (iterated steps, projection onto the ε-ball around the clean input, box clip, optional uniform
// random start, restarts). ℓ∞: step α·sign(∇); ℓ2: step α·∇/max(‖∇‖₂, 1e−12).
//
// Per example the attack returns the first iterate that succeeds (misclassified, or classified as the
// target) and otherwise the iterate of largest objective, so more steps or restarts never make an
// example more robust; robust accuracy = 1 − mean(success).
import { foldIn, key as makeKey, type Key } from '../core/random.js';
import { rangeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { ascentDirection, checkNorm, emptyLike, perExample, projectToBall, randomPointInBall, type Norm } from './geometry.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';
import type { AttackLoss } from './losses.js';
import { attackSuccess, objectiveAndGradient, predictLogits } from './gradient.js';

export interface AttackOptions {
  norm: Norm;
  /** Budget in input units: a number or one per example. */
  eps: number | ArrayLike<number>;
  box: InputBox;
  loss?: AttackLoss;
  /** Class per example to reach (targeted attack); untargeted when absent. */
  targets?: Tensor;
}

export interface PgdOptions extends AttackOptions {
  steps?: number;
  /** Step size α in input units (default 2.5·ε/steps, Madry et al.). */
  stepSize?: number | ArrayLike<number>;
  randomStart?: boolean;
  restarts?: number;
  key?: Key;
}

export interface AttackResult {
  /** Adversarial inputs, inside the ε-ball around x and the box. */
  x: Tensor;
  /** 1 where the attack succeeded. */
  success: Uint8Array;
  /** Objective at the returned point, per example. */
  objective: Float64Array;
}

/** A batched attack with its budget fixed except for ε (what evaluations and ensembles call). */
export type Attack = (model: Classifier, x: Tensor, y: Tensor, eps: number) => AttackResult;

function validate(op: string, x: Tensor, y: Tensor, o: AttackOptions): Float64Array {
  checkNorm(o.norm, op);
  checkBox(o.box, op);
  checkLabels(x, y, op);
  if (o.targets) checkLabels(x, o.targets, op, 'targets');
  if (x.dtype !== 'f32' && x.dtype !== 'f64') throw valueError(op, 'x', 'f32 or f64 inputs', x.dtype);
  assertInBox(x, o.box, op);
  return perExample(o.eps, x.shape[0]!, op);
}

/** Fast gradient (sign) method: x + ε·sign(∇) (ℓ∞, FGSM) or x + ε·∇/‖∇‖₂ (ℓ2, FGM), clipped to the box. */
export function fgsm(model: Classifier, x: Tensor, y: Tensor, o: AttackOptions): AttackResult {
  const eps = validate('fgsm', x, y, o);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const { grad } = objectiveAndGradient(model, x, y, o.loss ?? 'ce', o.targets);
  const dir = ascentDirection(grad.data, n, o.norm);
  const adv = emptyLike(x.data);
  for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) adv[j] = x.data[j]! + eps[i]! * dir[j]!;
  projectToBall(adv, x.data, eps, n, o.norm, o.box);
  const xAdv = new Tensor(adv, x.shape);
  const final = objectiveAndGradient(model, xAdv, y, o.loss ?? 'ce', o.targets);
  return { x: xAdv, success: attackSuccess(final.logits, y, o.targets), objective: final.objective };
}

/** Keep, per example, the better of the current best and a new candidate (success first, then objective). */
export function mergeBest(best: { x: Float32Array | Float64Array; success: Uint8Array; objective: Float64Array }, cand: { x: ArrayLike<number>; success: Uint8Array; objective: Float64Array }, d: number): void {
  for (let i = 0; i < best.success.length; i++) {
    if (best.success[i]) continue;
    if (cand.success[i] || cand.objective[i]! > best.objective[i]!) {
      for (let j = i * d; j < (i + 1) * d; j++) best.x[j] = cand.x[j]!;
      best.success[i] = cand.success[i]!;
      best.objective[i] = cand.objective[i]!;
    }
  }
}

/** BIM (no random start) / PGD (random start), with restarts; see the file comment. */
export function pgd(model: Classifier, x: Tensor, y: Tensor, o: PgdOptions): AttackResult {
  const eps = validate('pgd', x, y, o);
  const steps = o.steps ?? 10, restarts = o.restarts ?? 1, loss = o.loss ?? 'ce';
  if (!Number.isInteger(steps) || steps < 0) throw rangeError('pgd', 'steps', 'an integer ≥ 0', steps);
  if (!Number.isInteger(restarts) || restarts < 1) throw rangeError('pgd', 'restarts', 'an integer ≥ 1', restarts);
  if (restarts > 1 && !o.randomStart) throw valueError('pgd', 'restarts', '1 unless randomStart is set (restarts without a random start repeat the same run)', restarts);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const alpha = o.stepSize === undefined ? Float64Array.from(eps, (e) => (2.5 * e) / Math.max(steps, 1)) : perExample(o.stepSize, n, 'pgd');
  const key = o.key ?? makeKey(0);
  const best = { x: Float32Array.from(x.data) as Float32Array | Float64Array, success: new Uint8Array(n), objective: new Float64Array(n).fill(-Infinity) };
  if (x.dtype === 'f64') best.x = Float64Array.from(x.data);
  for (let r = 0; r < restarts; r++) {
    let cur = o.randomStart ? randomPointInBall(x.data, eps, n, o.norm, o.box, foldIn(key, r)) : emptyLike(x.data);
    if (!o.randomStart) cur.set(x.data);
    for (let k = 0; ; k++) {
      const xt = new Tensor(cur, x.shape);
      const { grad, logits, objective } = objectiveAndGradient(model, xt, y, loss, o.targets);
      mergeBest(best, { x: cur, success: attackSuccess(logits, y, o.targets), objective }, d);
      if (k === steps || best.success.every((s) => s === 1)) break;
      const dir = ascentDirection(grad.data, n, o.norm);
      const next = emptyLike(x.data);
      for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) next[j] = cur[j]! + alpha[i]! * dir[j]!;
      cur = projectToBall(next, x.data, eps, n, o.norm, o.box);
    }
  }
  return { x: new Tensor(best.x, x.shape), success: best.success, objective: best.objective };
}

/** Accuracy of the model on x against y (no gradients). */
export function accuracyOn(model: Classifier, x: Tensor, y: Tensor): number {
  const s = attackSuccess(predictLogits(model, x), y);
  return 1 - s.reduce((a, b) => a + b, 0) / s.length;
}
