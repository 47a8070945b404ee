// The unbounded BIM of "Adversarial Examples as an Input-Fault Tolerance Problem" (Galloway et al.
// 2018, uoguelph-mlrg/nips18-secml-advex-input-fault): no ε-ball, no box clip; a step that grows with
// the iteration i = 0, 1, …:
//   ℓ2:  x ← x + ε_i · g/max(‖g‖₂, 1e−12),  ε_i = clip(0.01 + i/10⁴, 0, 0.1)
//   ℓ∞:  x ← x + ε_i · sign(g),             ε_i = clip(1e−4 + i/10⁴, 0, 0.1)
// g = ∇ CE(y) (misclassification) or −∇ CE(target) (targeted). The distortion keeps growing, so the
// result is a trajectory: snapshots at chosen iterations give characteristic curves vs SNR.
import { rangeError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { ascentDirection, checkNorm, emptyLike, type Norm } from './geometry.js';
import { checkLabels, featuresPerExample, type Classifier } from './inputSpace.js';
import { objectiveAndGradient } from './gradient.js';

export interface UnboundedBimOptions {
  norm: Norm;
  steps: number;
  targets?: Tensor;
  /** Step size at iteration i (default: the paper's schedule for the norm). */
  stepSize?: (i: number) => number;
  /** Iterations after which to keep a copy of x (0 = the clean input). */
  snapshots?: readonly number[];
}

export function paperStepSchedule(norm: Norm): (i: number) => number {
  const start = norm === 'l2' ? 0.01 : 1e-4;
  return (i) => Math.min(0.1, Math.max(0, start + i / 1e4));
}

export function unboundedBim(model: Classifier, x: Tensor, y: Tensor, o: UnboundedBimOptions): { x: Tensor; snapshots: { step: number; x: Tensor }[] } {
  checkNorm(o.norm, 'unboundedBim');
  checkLabels(x, y, 'unboundedBim');
  if (!Number.isInteger(o.steps) || o.steps < 0) throw rangeError('unboundedBim', 'steps', 'an integer ≥ 0', o.steps);
  const schedule = o.stepSize ?? paperStepSchedule(o.norm);
  const want = new Set(o.snapshots ?? []);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const snapshots: { step: number; x: Tensor }[] = [];
  let cur = emptyLike(x.data);
  cur.set(x.data);
  if (want.has(0)) snapshots.push({ step: 0, x: new Tensor(cur.slice(), x.shape) });
  for (let i = 0; i < o.steps; i++) {
    const { grad } = objectiveAndGradient(model, new Tensor(cur, x.shape), y, 'ce', o.targets);
    const dir = ascentDirection(grad.data, n, o.norm), size = schedule(i);
    const next = emptyLike(x.data);
    for (let j = 0; j < n * d; j++) next[j] = cur[j]! + size * dir[j]!;
    cur = next;
    if (want.has(i + 1)) snapshots.push({ step: i + 1, x: new Tensor(cur, x.shape) });
  }
  return { x: new Tensor(cur, x.shape), snapshots };
}
