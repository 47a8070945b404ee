// DeepFool (Moosavi-Dezfooli et al., CVPR 2016): a minimum-norm attack by repeated linearisation. At the
// current point, with z the logits, f_k = z_k − z_y and w_k = ∇f_k (k ≠ y), the closest linearised decision
// boundary is l = argmin_k |f_k| / ‖w_k‖_* (‖·‖_* the dual norm: ℓ2 for ℓ2, ℓ1 for ℓ∞), reached by
//   ℓ2:  r = (|f_l| / ‖w_l‖₂²)·w_l        ℓ∞:  r = (|f_l| / ‖w_l‖₁)·sign(w_l)
// The steps add up to r_tot and the iterate is x + (1 + overshoot)·r_tot, clipped to the box, until the
// label changes or `steps` run out. On an affine classifier the first step is the exact minimal distance to
// the cell of y (a convex polytope). The top `candidates` classes by logit are searched (all by default);
// each iteration takes one input gradient per candidate class.
// As a fixed-budget attack (`eps`), the minimal perturbation is returned when its norm is ≤ ε and counts as
// a success; otherwise it is scaled back onto the ε-sphere (and usually fails).
import { rangeError } from '../core/errors.js';
import { Tensor, mul, sum, valueAndGrad } from '../tensor/index.js';
import type { AttackResult } from './attacks.js';
import { checkNorm, emptyLike, perExample, rowNorms, type Norm } from './geometry.js';
import { argmaxRows, predictLogits } from './gradient.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';

export interface DeepFoolOptions {
  norm: Norm;
  box: InputBox;
  /** Fixed budget (per example or one); Infinity = report the minimal perturbation whatever its size. */
  eps?: number | ArrayLike<number>;
  /** Iterations (default 50). */
  steps?: number;
  /** Overshoot factor past the linearised boundary (default 0.02, the paper's value). */
  overshoot?: number;
  /** Classes searched per example: the top ones by clean logit (default all). */
  candidates?: number;
}

export interface DeepFoolResult extends AttackResult {
  /** Norm of the minimal perturbation found (before the ε cap); Infinity where the label never changed. */
  norms: Float64Array;
}

/** d z_k(x_i) / d x_i for one class k_i per example: [N, d]. */
function classGradients(model: Classifier, x: Tensor, classes: Int32Array, k: number): Float64Array {
  const pick = new Float64Array(x.shape[0]! * k);
  classes.forEach((c, i) => { pick[i * k + c] = 1; });
  const [, [g]] = valueAndGrad((xx: Tensor) => sum(mul(model(xx), new Tensor(x.dtype === 'f64' ? pick : Float32Array.from(pick), [x.shape[0]!, k]))))(x);
  return Float64Array.from(g!.data);
}

export function deepFool(model: Classifier, x: Tensor, y: Tensor, o: DeepFoolOptions): DeepFoolResult {
  const op = 'deepFool';
  checkNorm(o.norm, op);
  checkBox(o.box, op);
  checkLabels(x, y, op);
  assertInBox(x, o.box, op);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const steps = o.steps ?? 50, overshoot = o.overshoot ?? 0.02;
  if (!Number.isInteger(steps) || steps < 1) throw rangeError(op, 'steps', 'a positive integer', steps);
  if (!(overshoot >= 0)) throw rangeError(op, 'overshoot', 'a number ≥ 0', overshoot);
  const eps = o.eps === undefined ? new Float64Array(n).fill(Infinity) : perExample(o.eps, n, op);
  const clean = predictLogits(model, x), K = clean.shape[1]!;
  const top = Math.min(K, o.candidates ?? K);
  // The candidate classes per example: the top `top` clean logits other than y.
  const cands = Array.from({ length: n }, (_, i) => Array.from({ length: K }, (_, c) => c).filter((c) => c !== y.data[i]).sort((a, b) => clean.data[i * K + b]! - clean.data[i * K + a]!).slice(0, Math.max(1, top - 1)));
  const total = new Float64Array(n * d), cur = emptyLike(x.data as Float32Array | Float64Array);
  cur.set(x.data);
  const done = new Uint8Array(n), norms = new Float64Array(n).fill(Infinity);
  const { lower, upper } = o.box;
  for (let it = 0; it <= steps; it++) {
    const xt = new Tensor(cur, x.shape);
    const z = predictLogits(model, xt), pred = argmaxRows(z);
    for (let i = 0; i < n; i++) {
      if (!done[i] && pred[i] !== y.data[i]) {
        done[i] = 1;
        norms[i] = rowNorms(Float64Array.from(cur.subarray(i * d, (i + 1) * d), (v, j) => v - x.data[i * d + j]!), 1, o.norm)[0]!;
      }
    }
    if (it === steps || done.every((v) => v === 1)) break;
    const gy = classGradients(model, xt, Int32Array.from(y.data), K);
    const bestRatio = new Float64Array(n).fill(Infinity), bestW = new Float64Array(n * d), bestF = new Float64Array(n);
    for (let slot = 0; slot < cands[0]!.length; slot++) {
      const ks = Int32Array.from(cands, (c) => c[Math.min(slot, c.length - 1)]!);
      const gk = classGradients(model, xt, ks, K);
      for (let i = 0; i < n; i++) {
        if (done[i]) continue;
        const f = z.data[i * K + ks[i]!]! - z.data[i * K + y.data[i]!]!;
        let dual = 0;
        for (let j = 0; j < d; j++) {
          const w = gk[i * d + j]! - gy[i * d + j]!;
          dual += o.norm === 'l2' ? w * w : Math.abs(w);
        }
        dual = o.norm === 'l2' ? Math.sqrt(dual) : dual;
        const ratio = Math.abs(f) / Math.max(dual, 1e-12);
        if (ratio < bestRatio[i]!) {
          bestRatio[i] = ratio;
          bestF[i] = f;
          for (let j = 0; j < d; j++) bestW[i * d + j] = gk[i * d + j]! - gy[i * d + j]!;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const w = bestW.subarray(i * d, (i + 1) * d);
      const wn = rowNorms(w, 1, o.norm === 'l2' ? 'l2' : 'linf');
      let scale: number;
      if (o.norm === 'l2') scale = (Math.abs(bestF[i]!) + 1e-6) / Math.max(wn[0]! ** 2, 1e-24);
      else scale = (Math.abs(bestF[i]!) + 1e-6) / Math.max(w.reduce((s, v) => s + Math.abs(v), 0), 1e-12);
      for (let j = 0; j < d; j++) {
        total[i * d + j]! += o.norm === 'l2' ? scale * w[j]! : scale * Math.sign(w[j]!);
        cur[i * d + j] = Math.min(upper, Math.max(lower, x.data[i * d + j]! + (1 + overshoot) * total[i * d + j]!));
      }
    }
  }
  // The ε cap: a perturbation longer than ε is scaled back onto the ε-sphere.
  const out = emptyLike(cur);
  for (let i = 0; i < n; i++) {
    const delta = Float64Array.from(cur.subarray(i * d, (i + 1) * d), (v, j) => v - x.data[i * d + j]!);
    const len = rowNorms(delta, 1, o.norm)[0]!;
    const f = len > eps[i]! ? eps[i]! / len : 1;
    for (let j = 0; j < d; j++) out[i * d + j] = Math.min(upper, Math.max(lower, x.data[i * d + j]! + f * delta[j]!));
  }
  const xAdv = new Tensor(out, x.shape);
  const final = predictLogits(model, xAdv), pred = argmaxRows(final);
  const success = Uint8Array.from(pred, (p, i) => (p !== y.data[i] ? 1 : 0));
  return { x: xAdv, success, objective: Float64Array.from(norms, (v) => -v), norms };
}
