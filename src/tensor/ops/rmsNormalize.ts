// Fused RMS normalisation over the last axis: y = x / √(mean(x²) + eps), one primitive instead of the six
// ops of its composite (square, sum, scale, add, sqrt, divide), on the backend's rmsNormalize kernel. The
// VJP (../gradients.ts) is a composite of engine ops, dx = r·(g − y·mean(g·y)) with r = (mean(x²) + eps)^−½,
// so it differentiates again. nn's rmsNorm (any trailing dimensions, optional weight) is built on it.
import { isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';

export const rmsNormalizePrimitive: Primitive<'rmsNormalize'> = {
  name: 'rmsNormalize',
  infer: ([x], { eps }) => {
    if (x!.rank < 1 || x!.shape.at(-1) === 0) throw shapeError('rmsNormalize', 'x', 'a non-empty last axis', x!.shape);
    if (!isFloat(x!.dtype)) throw dtypeError('rmsNormalize', 'x', 'f32 or f64', x!.dtype);
    if (!(eps >= 0 && Number.isFinite(eps))) throw rangeError('rmsNormalize', 'eps', 'a finite number ≥ 0', eps);
    return { shape: [...x!.shape], dtype: x!.dtype };
  },
  forward: ([x], { eps }, out) => {
    const n = x!.shape.at(-1)!;
    const y = getBackend().allocateOutput(out.dtype, x!.size) as FloatArray;
    getBackend().rmsNormalize(x!.size / n, n, eps, x!.data as FloatArray, y);
    return y;
  },
};

/** x / √(mean(x²) + eps) over the last axis. */
export function rmsNormalize(x: Tensor, eps: number): Tensor {
  return apply(rmsNormalizePrimitive, [x], { eps });
}
