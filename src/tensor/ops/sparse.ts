// Constant fan-in sparse matmul: each output unit reads exactly k inputs (SRigL's condensed layer).
// Its VJP (the cpu reference kernel) is in ../gradients.ts.
import { allocate, isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import type { FanInIndices } from '../../backend/kernels.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';

/**
 * The largest entry of an indices tensor (Infinity if any is negative), computed once per tensor: tensors are
 * immutable, so a layer's indices are scanned on first use and every later call is O(1). Validated indices
 * let the backend skip its own bound tracking (FanInParams.indicesValidated).
 */
const largestIndexOf = new WeakMap<Tensor, number>();
function largestIndex(indices: Tensor): number {
  let largest = largestIndexOf.get(indices);
  if (largest === undefined) {
    largest = 0;
    for (const v of indices.data as FanInIndices) largest = v < 0 ? Infinity : Math.max(largest, v);
    largestIndexOf.set(indices, largest);
  }
  return largest;
}

export const fanInMatmulPrimitive: Primitive<'fanInMatmul'> = {
  name: 'fanInMatmul',
  infer: ([x, values, indices]) => {
    if (x!.rank !== 2) throw shapeError('fanInMatmul', 'x', '[batch, in]', x!.shape);
    if (values!.rank !== 2) throw shapeError('fanInMatmul', 'values', '[out, fanIn]', values!.shape);
    if (!isFloat(x!.dtype)) throw dtypeError('fanInMatmul', 'x', 'f32 or f64', x!.dtype);
    if (values!.dtype !== x!.dtype) throw dtypeError('fanInMatmul', 'values', x!.dtype, values!.dtype);
    if (indices!.dtype !== 'u16' && indices!.dtype !== 'i32') throw dtypeError('fanInMatmul', 'indices', 'u16 or i32', indices!.dtype);
    if (indices!.shape.join() !== values!.shape.join()) throw shapeError('fanInMatmul', 'indices', `values' shape [${values!.shape.join(', ')}]`, indices!.shape);
    const inFeatures = x!.shape[1]!;
    if (largestIndex(indices!) >= inFeatures) {
      const i = indices!.data.findIndex((v) => v < 0 || v >= inFeatures);
      throw rangeError('fanInMatmul', `indices (flat position ${i})`, `an input index in [0, ${inFeatures})`, indices!.data[i]!);
    }
    return { shape: [x!.shape[0]!, values!.shape[0]!], dtype: x!.dtype };
  },
  forward: ([x, values, indices], _p, out) => {
    const y = allocate(out.dtype, out.shape[0]! * out.shape[1]!) as FloatArray;
    // infer has checked every index against inFeatures.
    const p = { batch: x!.shape[0]!, inFeatures: x!.shape[1]!, outFeatures: values!.shape[0]!, fanIn: values!.shape[1]!, indicesValidated: true };
    getBackend().fanInMatmul(p, x!.data as FloatArray, values!.data as FloatArray, indices!.data as FanInIndices, y);
    return y;
  },
};

/** y [batch, out] with y[b, o] = Σ_j values[o, j] · x[b, indices[o, j]];  values/indices [out, fanIn]. */
export function fanInMatmul(x: Tensor, values: Tensor, indices: Tensor): Tensor {
  return apply(fanInMatmulPrimitive, [x, values, indices], {});
}
