// Fused softmax primitives: softmax and log-softmax along one axis, and the softmax cross-entropy of
// logits [N, C] against integer targets [N] (per-row losses). Each is one backend kernel forward and one
// backward (backend/cpu/softmax.ts is the reference), instead of max/sub/exp/sum/div/log chains.
// The backward kernels are called from ../gradients.ts.
import { allocate, isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import { normalizeAxis, sizeOf } from '../../core/shape.js';
import type { SoftmaxDims } from '../../backend/kernels.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';

/** x viewed as [outer, n, inner] around `axis`. */
export function softmaxDims(shape: readonly number[], axis: number): SoftmaxDims {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

function softmaxPrimitive<N extends 'softmax' | 'logSoftmax'>(name: N): Primitive<N> {
  const log = name === 'logSoftmax';
  return {
    name,
    infer: ([x], p) => {
      if (!isFloat(x!.dtype)) throw dtypeError(name, 'x', 'f32 or f64', x!.dtype);
      if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= x!.rank) throw shapeError(name, 'axis', `an axis of a rank-${x!.rank} tensor`, p.axis);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    forward: ([x], p, out) => {
      const y = getBackend().allocateOutput(out.dtype, x!.size) as FloatArray;
      getBackend().softmax(softmaxDims(x!.shape, p.axis), log, x!.data as FloatArray, y);
      return y;
    },
  };
}

export const softmaxPrimitives = { softmax: softmaxPrimitive('softmax'), logSoftmax: softmaxPrimitive('logSoftmax') };

export const softmaxCrossEntropyPrimitive: Primitive<'softmaxCrossEntropy'> = {
  name: 'softmaxCrossEntropy',
  infer: ([logits, targets]) => {
    if (logits!.rank !== 2) throw shapeError('softmaxCrossEntropy', 'logits', '[N, C]', logits!.shape);
    if (!isFloat(logits!.dtype)) throw dtypeError('softmaxCrossEntropy', 'logits', 'f32 or f64', logits!.dtype);
    if (targets!.dtype !== 'i32') throw dtypeError('softmaxCrossEntropy', 'targets', 'i32', targets!.dtype);
    if (targets!.rank !== 1 || targets!.shape[0] !== logits!.shape[0]) throw shapeError('softmaxCrossEntropy', 'targets', `[${logits!.shape[0]}]`, targets!.shape);
    const classes = logits!.shape[1]!;
    const bad = targets!.data.findIndex((t) => t < 0 || t >= classes);
    if (bad >= 0) throw rangeError('softmaxCrossEntropy', `targets (row ${bad})`, `a class index in [0, ${classes})`, targets!.data[bad]);
    return { shape: [logits!.shape[0]!], dtype: logits!.dtype };
  },
  forward: ([logits, targets], _p, out) => {
    const [n, c] = logits!.shape as [number, number];
    const losses = allocate(out.dtype, n) as FloatArray;
    getBackend().softmaxCrossEntropy(n, c, logits!.data as FloatArray, targets!.data as Int32Array, losses);
    return losses;
  },
};

/** exp(x) / Σ exp(x) along `axis` (fused). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply(softmaxPrimitives.softmax, [x], { axis: normalizeAxis('softmax', axis, x.rank) });
}

/** x − logsumexp(x) along `axis` (fused). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply(softmaxPrimitives.logSoftmax, [x], { axis: normalizeAxis('logSoftmax', axis, x.rank) });
}

/** Per-row loss logsumexp(logits[r]) − logits[r, targets[r]] of logits [N, C] and integer targets [N] (fused). */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return apply(softmaxCrossEntropyPrimitive, [logits, targets.dtype === 'i32' ? targets : cast(targets, 'i32')], {});
}
