// Index primitives: take (index-select / embedding lookup), takeAlongAxis (gather),
// scatterAdd, and cumsum (VJPs in ../gradients.ts).
import { allocate, isFloat } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import { normalizeAxis } from '../../core/shape.js';
import * as cpu from '../../backend/cpu/indexing.js';
import { cumsum as cumsumKernel } from '../../backend/cpu/movement.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { checkAxis } from './params.js';

/** Indices must be an integer tensor with every entry in [0, n). */
function checkIndices(op: string, idx: Tensor, n: number, axis: number): void {
  if (isFloat(idx.dtype)) throw dtypeError(op, 'indices', 'an integer dtype (i32, u16, u8)', idx.dtype);
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i]!;
    if (v < 0 || v >= n) throw rangeError(op, `indices (flat position ${i})`, `an index in [0, ${n}) for axis ${axis} of size ${n}`, v);
  }
}

export const takePrimitive: Primitive<'take'> = {
  name: 'take',
  infer: ([x, idx], { axis }) => {
    checkAxis('take', 'axis', axis, x!.rank);
    checkIndices('take', idx!, x!.shape[axis]!, axis);
    return { shape: [...x!.shape.slice(0, axis), ...idx!.shape, ...x!.shape.slice(axis + 1)], dtype: x!.dtype };
  },
  forward: ([x, idx], { axis }, out) => {
    const data = allocate(out.dtype, out.shape.reduce((p, d) => p * d, 1));
    cpu.take(x!.data, x!.shape, idx!.data, axis, data);
    return data;
  },
};

/** Select entries of x along `axis` by `indices` (any shape): output [..x[:axis], ..indices, ..x[axis+1:]]. */
export function take(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return apply(takePrimitive, [x, indices], { axis: normalizeAxis('take', axis, x.rank) });
}

function checkAlongAxis(op: string, x: Tensor, idx: Tensor, axis: number): void {
  checkAxis(op, 'axis', axis, x.rank);
  if (idx.rank !== x.rank) throw shapeError(op, 'indices', `rank ${x.rank} (the rank of x)`, idx.shape);
  idx.shape.forEach((d, i) => {
    if (i !== axis && d > x.shape[i]!) throw shapeError(op, 'indices', `dimension ${i} ≤ ${x.shape[i]} (x's)`, idx.shape);
  });
  checkIndices(op, idx, x.shape[axis]!, axis);
}

export const takeAlongAxisPrimitive: Primitive<'takeAlongAxis'> = {
  name: 'takeAlongAxis',
  infer: ([x, idx], { axis }) => {
    checkAlongAxis('takeAlongAxis', x!, idx!, axis);
    return { shape: [...idx!.shape], dtype: x!.dtype };
  },
  forward: ([x, idx], { axis }, out) => {
    const data = allocate(out.dtype, idx!.size);
    cpu.takeAlongAxis(x!.data, x!.shape, idx!.data, idx!.shape, axis, data);
    return data;
  },
};

/** out[..i..] = x[..indices[..i..]..] along `axis` (torch.gather); out has the indices' shape. */
export function takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
  return apply(takeAlongAxisPrimitive, [x, indices], { axis: normalizeAxis('takeAlongAxis', axis, x.rank) });
}

export const scatterAddPrimitive: Primitive<'scatterAdd'> = {
  name: 'scatterAdd',
  infer: ([x, idx, updates], { axis }) => {
    checkAlongAxis('scatterAdd', x!, idx!, axis);
    if (updates!.dtype !== x!.dtype) throw dtypeError('scatterAdd', 'updates', x!.dtype, updates!.dtype);
    if (updates!.shape.join() !== idx!.shape.join()) throw shapeError('scatterAdd', 'updates', `the indices' shape [${idx!.shape.join(', ')}]`, updates!.shape);
    return { shape: [...x!.shape], dtype: x!.dtype };
  },
  forward: ([x, idx, updates], { axis }) => {
    const data = allocate(x!.dtype, x!.size);
    cpu.scatterAdd(x!.data, x!.shape, idx!.data, idx!.shape, updates!.data, axis, data);
    return data;
  },
};

/** out = x, then out[..indices[..i..]..] += updates[..i..] along `axis` (torch.scatter_add). */
export function scatterAdd(x: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  return apply(scatterAddPrimitive, [x, indices, updates], { axis: normalizeAxis('scatterAdd', axis, x.rank) });
}

export const cumsumPrimitive: Primitive<'cumsum'> = {
  name: 'cumsum',
  infer: ([x], { axis }) => {
    checkAxis('cumsum', 'axis', axis, x!.rank);
    return { shape: [...x!.shape], dtype: x!.dtype };
  },
  forward: ([x], { axis, reverse }) => {
    const data = allocate(x!.dtype, x!.size);
    cumsumKernel(x!.data, x!.shape, axis, reverse, data);
    return data;
  },
};

/** Inclusive cumulative sum along `axis` (from the end when `reverse`). */
export function cumsum(x: Tensor, axis: number, reverse = false): Tensor {
  return apply(cumsumPrimitive, [x], { axis: normalizeAxis('cumsum', axis, x.rank), reverse });
}
