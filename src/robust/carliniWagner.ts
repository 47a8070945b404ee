// Carlini–Wagner ℓ2 (Carlini & Wagner, S&P 2017): a minimum-norm attack that optimises, per example,
//   ‖x′ − x‖₂² + c · max(z_y − max_{j≠y} z_j, −κ)          (targeted: max(max_{j≠t} z_j − z_t, −κ))
// over x′ = lower + (upper − lower)·(tanh(w) + 1)/2 (always inside the box) with Adam on w, and a binary
// search over c per example: c is halved towards the last success (an adversarial x′ was found) and raised
// ×10 (until a first success) or bisected otherwise, as the reference implementation. The smallest ℓ2
// adversarial found over the whole search is kept. As a fixed-budget attack (`eps`) a result longer than ε
// is scaled back onto the ε-sphere around x.
import { rangeError } from '../core/errors.js';
import { Tensor, add, minimum, mul, neg, sub, sum, tanh, valueAndGrad } from '../tensor/index.js';
import type { AttackResult } from './attacks.js';
import { emptyLike, perExample, rowNorms } from './geometry.js';
import { argmaxRows, predictLogits } from './gradient.js';
import { attackObjective } from './losses.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';

export interface CarliniWagnerOptions {
  box: InputBox;
  /** Fixed budget (ℓ2); default Infinity: the minimal perturbation is returned whatever its size. */
  eps?: number | ArrayLike<number>;
  /** Binary-search rounds over c (default 5). */
  searchSteps?: number;
  /** Adam steps per round (default 100). */
  steps?: number;
  /** Initial c (default 0.01). */
  initialConst?: number;
  /** Adam learning rate on w (default 0.01). */
  learningRate?: number;
  /** κ: the margin the adversarial class must win by (default 0). */
  confidence?: number;
  targets?: Tensor;
}

export interface CarliniWagnerResult extends AttackResult {
  /** ℓ2 norm of the smallest adversarial perturbation found (Infinity where none). */
  norms: Float64Array;
}

export function carliniWagnerL2(model: Classifier, x: Tensor, y: Tensor, o: CarliniWagnerOptions): CarliniWagnerResult {
  const op = 'carliniWagnerL2';
  checkBox(o.box, op);
  checkLabels(x, y, op);
  if (o.targets) checkLabels(x, o.targets, op, 'targets');
  assertInBox(x, o.box, op);
  const n = x.shape[0]!, d = featuresPerExample(x);
  const searchSteps = o.searchSteps ?? 5, steps = o.steps ?? 100, lr = o.learningRate ?? 0.01, kappa = o.confidence ?? 0;
  for (const [name, v] of [['searchSteps', searchSteps], ['steps', steps]] as const) if (!Number.isInteger(v) || v < 1) throw rangeError(op, name, 'a positive integer', v);
  if (!(lr > 0) || !(kappa >= 0)) throw rangeError(op, 'learningRate / confidence', 'lr > 0 and κ ≥ 0', [lr, kappa]);
  const eps = o.eps === undefined ? new Float64Array(n).fill(Infinity) : perExample(o.eps, n, op);
  const { lower, upper } = o.box, half = (upper - lower) / 2;
  const f64 = x.dtype === 'f64';
  const toTensor = (a: Float64Array) => new Tensor(f64 ? a : Float32Array.from(a), x.shape);
  // w0 = atanh of x mapped to (−1, 1), pulled slightly inside so atanh stays finite.
  const w0 = Float64Array.from(x.data, (v) => Math.atanh(Math.max(-1 + 1e-6, Math.min(1 - 1e-6, (v - lower) / half - 1))));
  const bestNorm = new Float64Array(n).fill(Infinity), best = Float64Array.from(x.data);
  const c = new Float64Array(n).fill(o.initialConst ?? 0.01), lo = new Float64Array(n), hi = new Float64Array(n).fill(Infinity);
  const cls = o.targets ?? y;
  for (let round = 0; round < searchSteps; round++) {
    const w = Float64Array.from(w0), m = new Float64Array(n * d), v = new Float64Array(n * d);
    const found = new Uint8Array(n);
    const cT = new Tensor(f64 ? Float64Array.from(c) : Float32Array.from(c), [n]);
    for (let step = 1; step <= steps; step++) {
      let adv: Tensor | undefined, logits: Tensor | undefined;
      const [, [g]] = valueAndGrad((wt: Tensor) => {
        adv = add(mul(add(tanh(wt), 1), half), lower);
        logits = model(adv);
        const distance = sum(mul(sub(adv, x), sub(adv, x)), Array.from({ length: x.rank - 1 }, (_, i) => i + 1));
        // attackObjective 'margin' is max_{j≠y} z_j − z_y (untargeted) / z_t − max_{j≠t} z_j (targeted): the attacker's gain
        const margin = attackObjective(logits, y, 'margin', o.targets);
        const hinge = neg(minimum(margin, kappa)); // max(−gain, −κ)
        return sum(add(distance, mul(cT, hinge)));
      })(toTensor(w));
      // Record successes at the current point (before the step).
      const pred = argmaxRows(logits!), z = logits!.data, k = logits!.shape[1]!;
      const delta = Float64Array.from(adv!.data, (a, j) => a - x.data[j]!);
      const norms = rowNorms(delta, n, 'l2');
      for (let i = 0; i < n; i++) {
        const ok = o.targets ? pred[i] === cls.data[i] : pred[i] !== y.data[i];
        if (!ok) continue;
        // the class must win by κ as the objective asks
        let other = -Infinity;
        for (let j = 0; j < k; j++) if (j !== cls.data[i]) other = Math.max(other, z[i * k + j]!);
        if (o.targets ? z[i * k + cls.data[i]!]! - other < kappa : other - z[i * k + y.data[i]!]! < kappa) continue;
        found[i] = 1;
        if (norms[i]! < bestNorm[i]!) {
          bestNorm[i] = norms[i]!;
          for (let j = 0; j < d; j++) best[i * d + j] = adv!.data[i * d + j]!;
        }
      }
      // Adam on w.
      const b1 = 0.9, b2 = 0.999;
      for (let j = 0; j < n * d; j++) {
        const gj = g!.data[j]!;
        m[j] = b1 * m[j]! + (1 - b1) * gj;
        v[j] = b2 * v[j]! + (1 - b2) * gj * gj;
        w[j]! -= (lr * (m[j]! / (1 - b1 ** step))) / (Math.sqrt(v[j]! / (1 - b2 ** step)) + 1e-8);
      }
    }
    for (let i = 0; i < n; i++) {
      if (found[i]) {
        hi[i] = Math.min(hi[i]!, c[i]!);
        c[i] = (lo[i]! + hi[i]!) / 2;
      } else {
        lo[i] = Math.max(lo[i]!, c[i]!);
        c[i] = hi[i] === Infinity ? c[i]! * 10 : (lo[i]! + hi[i]!) / 2;
      }
    }
  }
  // The ε cap.
  const out = emptyLike(x.data as Float32Array | Float64Array);
  for (let i = 0; i < n; i++) {
    const f = bestNorm[i]! > eps[i]! ? eps[i]! / bestNorm[i]! : 1;
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = Math.min(upper, Math.max(lower, x.data[j]! + f * (best[j]! - x.data[j]!)));
  }
  const xAdv = new Tensor(out, x.shape);
  const pred = argmaxRows(predictLogits(model, xAdv));
  const success = Uint8Array.from(pred, (p, i) => (o.targets ? p === cls.data[i] : p !== y.data[i]) ? 1 : 0);
  return { x: xAdv, success, objective: Float64Array.from(bestNorm, (b) => -b), norms: bestNorm };
}
