// Recording primitives on the tape: `apply` runs a primitive's shape rule and forward kernel and, when an
// input requires grad, records a tape node {primitive, inputs, params}. The VJP rules are looked up by
// name only when autograd.ts walks the tape backwards, so ops/ (which call apply) never import gradients.
import { allocate, isFloat } from '../core/dtype.js';
import type { Primitive, PrimitiveName, PrimitiveParams } from './primitive.js';
import { Tensor, type TapeNode } from './tensor.js';
import { checkFinite, isAnomalyDetectionEnabled } from './anomaly.js';

let gradDisabled = 0;
/** The primitive whose VJP is running (for anomaly messages). */
let inVjpOf: string | null = null;

/** Whether operations record tape nodes right now. */
export function isGradEnabled(): boolean {
  return gradDisabled === 0;
}

/** Run `fn` without recording: results do not require grad (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  gradDisabled++;
  try {
    return fn();
  } finally {
    gradDisabled--;
  }
}

/** Run `fn` (a VJP rule of `primitive`) so that anomaly messages of the ops inside name it. */
export function inVjp<T>(primitive: string, fn: () => T): T {
  const outer = inVjpOf;
  inVjpOf = primitive;
  try {
    return fn();
  } finally {
    inVjpOf = outer;
  }
}

/** The same values, cut off from differentiation (jax.lax.stop_gradient / torch detach). Shares storage. */
export function stopGradient(x: Tensor): Tensor {
  return x.requiresGrad ? new Tensor(x.data, x.shape) : x;
}

/** Run primitive `prim` on `inputs`, recording a tape node when gradients are needed. */
export function apply<N extends PrimitiveName>(prim: Primitive<N>, inputs: readonly Tensor[], params: PrimitiveParams[N]): Tensor {
  const out = prim.infer(inputs, params);
  const data = prim.forward(inputs, params, out) ?? allocate(out.dtype, 0);
  if (isAnomalyDetectionEnabled() && isFloat(out.dtype)) checkFinite(inVjpOf ? `${prim.name} (in the VJP of ${inVjpOf})` : prim.name, inputs, data);
  const record = gradDisabled === 0 && isFloat(out.dtype) && inputs.some((t) => t.requiresGrad);
  if (!record) return new Tensor(data, out.shape);
  const node: TapeNode = { primitive: prim.name, inputs, params };
  return new Tensor(data, out.shape, { requiresGrad: true, node });
}
