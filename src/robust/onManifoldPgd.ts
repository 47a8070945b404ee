// On-manifold PGD for data that lie on spheres (the adversarial-spheres evaluation of Galloway et al.
// 2019, AngusG/bn-adversarial-spheres: utils.evaluate_pgd_acc): from the clean point, repeat
//   x ← x + α·∇/max(‖∇‖₂, 1e−12)          (ℓ2-normalised ascent step on the attack objective)
//   x ← r·x/‖x‖₂                          (re-projection onto the sample's own sphere, radius r)
// There is no ε-ball: the search ranges over the whole sphere, and since the true label is fixed by the
// radius every misclassified iterate is a genuine error of the classifier. The reference uses α = 0.1,
// 1000 steps, CE summed over the batch (the per-example step is normalised, so sum vs mean is moot).
// The radius of example i is ‖x_i‖₂ of the clean input unless given.
//
// As in `pgd`, the attack returns per example the first iterate that is misclassified and otherwise the
// iterate of largest objective, so more steps never make an example more robust; the reference scores
// only the last iterate (`keep: 'final'` reproduces that).
import { rangeError, shapeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { ascentDirection, rowNorms } from './geometry.js';
import { checkLabels, featuresPerExample, type Classifier } from './inputSpace.js';
import type { AttackLoss } from './losses.js';
import { attackSuccess, objectiveAndGradient } from './gradient.js';
import { mergeBest, type AttackResult } from './attacks.js';

export interface OnManifoldPgdOptions {
  /** Number of steps (reference 1000). */
  steps?: number;
  /** Step length α along the sphere's ambient space before re-projection (reference 0.1). */
  stepSize?: number;
  /** Sphere radius per example; default ‖x_i‖₂ of the clean input. */
  radii?: ArrayLike<number>;
  loss?: AttackLoss;
  /** 'first-success' (default: the module's convention) or 'final' (the reference: the last iterate). */
  keep?: 'first-success' | 'final';
  /** Called with every new iterate (after projection), step k = 1 … steps, rows [N·D] in float64. */
  onStep?: (k: number, x: Float64Array) => void;
}

/** In place: each row i of a [n, d] rescaled to Euclidean norm radii[i]. */
export function projectToSpheres<A extends Float64Array>(a: A, n: number, radii: ArrayLike<number>): A {
  const d = a.length / n, norms = rowNorms(a, n, 'l2');
  for (let i = 0; i < n; i++) {
    if (!(norms[i]! > 0)) throw valueError('projectToSpheres', 'x', 'rows with a nonzero norm (a zero row has no direction to project along)', `row ${i}`);
    const s = radii[i]! / norms[i]!;
    for (let j = i * d; j < (i + 1) * d; j++) a[j] = a[j]! * s;
  }
  return a;
}

export function onManifoldPgd(model: Classifier, x: Tensor, y: Tensor, o: OnManifoldPgdOptions = {}): AttackResult {
  const op = 'onManifoldPgd';
  const steps = o.steps ?? 1000, alpha = o.stepSize ?? 0.1, loss = o.loss ?? 'ce', keep = o.keep ?? 'first-success';
  checkLabels(x, y, op);
  if (x.rank !== 2) throw shapeError(op, 'x', '[N, D] points in R^D', x.shape);
  if (x.dtype !== 'f32' && x.dtype !== 'f64') throw valueError(op, 'x', 'f32 or f64 inputs', x.dtype);
  if (!Number.isInteger(steps) || steps < 0) throw rangeError(op, 'steps', 'an integer ≥ 0', steps);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw rangeError(op, 'stepSize', 'a finite number > 0', alpha);
  if (keep !== 'first-success' && keep !== 'final') throw valueError(op, 'keep', "'first-success' or 'final'", keep);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const radii = o.radii ? Float64Array.from(o.radii) : rowNorms(x.data, n, 'l2');
  if (radii.length !== n) throw shapeError(op, 'radii', `${n} radii (one per example)`, radii.length);
  radii.forEach((r, i) => { if (!(r > 0) || !Number.isFinite(r)) throw rangeError(op, 'radii', 'finite positive radii', `radii[${i}] = ${r}`); });

  const asInput = (a: Float64Array) => new Tensor(x.dtype === 'f64' ? a : Float32Array.from(a), x.shape);
  const best = { x: x.dtype === 'f64' ? Float64Array.from(x.data) : Float32Array.from(x.data), success: new Uint8Array(n), objective: new Float64Array(n).fill(-Infinity) };
  let cur: Float64Array = Float64Array.from(x.data);
  for (let k = 0; ; k++) {
    const { grad, logits, objective } = objectiveAndGradient(model, asInput(cur), y, loss);
    const success = attackSuccess(logits, y);
    if (keep === 'final') {
      if (k === steps) return { x: asInput(cur), success, objective };
    } else {
      mergeBest(best, { x: cur, success, objective }, d);
      if (k === steps || best.success.every((s) => s === 1)) break;
    }
    const dir = ascentDirection(grad.data, n, 'l2');
    const next = new Float64Array(cur.length);
    for (let j = 0; j < next.length; j++) next[j] = cur[j]! + alpha * dir[j]!;
    cur = projectToSpheres(next, n, radii);
    o.onStep?.(k + 1, cur);
  }
  return { x: new Tensor(best.x, x.shape), success: best.success, objective: best.objective };
}
