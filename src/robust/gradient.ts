// Input gradients of the attack objective from the engine's reverse-mode autograd, plus plain
// predictions. The objective is summed over the batch; examples do not interact in eval mode, so
// the gradient of the sum w.r.t. row i is the gradient of example i's own objective.
import { Tensor, noGrad, stopGradient, sum, valueAndGrad, vjp } from '../tensor/index.js';
import { attackObjective, type AttackLoss } from './losses.js';
import type { Classifier } from './inputSpace.js';

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
