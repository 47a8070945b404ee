// Input gradients of the attack objective from the engine's reverse-mode autograd, plus plain
// predictions. The objective is summed over the batch; examples do not interact in eval mode, so
// the gradient of the sum w.r.t. row i is the gradient of example i's own objective.
import { Tensor, noGrad, stopGradient, sum, valueAndGrad, vjp } from '../tensor/index.js';
import { attackObjective, type AttackLoss } from './losses.js';
import type { Classifier } from './inputSpace.js';
import { rangeError } from '../core/errors.js';

export interface ObjectiveAndGradient {
  /** d objective_i / d x_i, shape of x. */
  grad: Tensor;
  /** Logits at x [N, C] (detached). */
  logits: Tensor;
  /** The objective per example [N]. */
  objective: Float64Array;
}

export function objectiveAndGradient(model: Classifier, x: Tensor, y: Tensor, loss: AttackLoss, targets?: Tensor): ObjectiveAndGradient {
  let logits: Tensor | undefined, perExample: Tensor | undefined;
  const [, [g]] = valueAndGrad((xx: Tensor) => {
    logits = model(xx);
    perExample = attackObjective(logits, y, loss, targets);
    return sum(perExample);
  })(x);
  return { grad: g!, logits: stopGradient(logits!), objective: Float64Array.from(perExample!.data) };
}

/**
 * EOT (expectation over transformation, Athalye et al. 2018) for a randomized model: the input gradient
 * averaged over `eotIter` forward/backward passes, each drawing the model's own randomness afresh. As in
 * fra31/auto-attack's APGD (eot_iter), the logits and the objective are those of the LAST pass, not
 * averages. eotIter = 1 returns objectiveAndGradient itself (bit-identical to the plain gradient path).
 */
export function eotObjectiveAndGradient(model: Classifier, x: Tensor, y: Tensor, loss: AttackLoss, targets: Tensor | undefined, eotIter: number): ObjectiveAndGradient {
  if (!Number.isInteger(eotIter) || eotIter < 1) throw rangeError('eotObjectiveAndGradient', 'eotIter', 'an integer ≥ 1', eotIter);
  let pass = objectiveAndGradient(model, x, y, loss, targets);
  if (eotIter === 1) return pass;
  const total = Float64Array.from(pass.grad.data);
  for (let t = 1; t < eotIter; t++) {
    pass = objectiveAndGradient(model, x, y, loss, targets);
    for (let j = 0; j < total.length; j++) total[j]! += pass.grad.data[j]!;
  }
  const mean = pass.grad.data instanceof Float64Array ? new Float64Array(total.length) : new Float32Array(total.length);
  for (let j = 0; j < total.length; j++) mean[j] = total[j]! / eotIter;
  return { ...pass, grad: new Tensor(mean, pass.grad.shape) };
}

/** Logits of x without recording gradients. */
export function predictLogits(model: Classifier, x: Tensor): Tensor {
  return noGrad(() => model(x));
}

/** argmax per row of logits [N, C]. */
export function argmaxRows(logits: Tensor): Int32Array {
  const [n, c] = logits.shape as [number, number];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < c; j++) if (logits.data[i * c + j]! > best) { best = logits.data[i * c + j]!; out[i] = j; }
  }
  return out;
}

/** 1 where the attack succeeded: prediction ≠ y (untargeted) or = target (targeted). */
export function attackSuccess(logits: Tensor, y: Tensor, targets?: Tensor): Uint8Array {
  const pred = argmaxRows(logits), out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = targets ? Number(pred[i] === targets.data[i]) : Number(pred[i] !== y.data[i]);
  return out;
}

export interface LogitsWithPullback {
  /** Logits at x [N, C] (detached). */
  logits: Tensor;
  /** Σ_k v_ik·∂z_ik/∂x_i per example for cotangent rows v [N·C] (flat): a gradient [N·D], from the one forward pass. */
  pullback: (cotangent: Float64Array) => Float64Array;
}

/** One forward pass of the model at x and its vector-Jacobian product (per-class gradients without re-running the model). */
export function logitsWithPullback(model: Classifier, x: Tensor): LogitsWithPullback {
  const [logits, pull] = vjp((xx: Tensor) => model(xx), x);
  const pullback = (cotangent: Float64Array) => {
    const v = new Tensor(logits.dtype === 'f64' ? cotangent : Float32Array.from(cotangent), logits.shape);
    return Float64Array.from(pull(v)[0]!.data);
  };
  return { logits, pullback };
}
