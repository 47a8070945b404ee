// Reductions over axes: sum and max primitives; mean and sum-to-shape built on them (VJPs in ../gradients.ts).
import { allocate } from '../../core/dtype.js';
import { shapeError } from '../../core/errors.js';
import { normalizeAxes, shapesEqual, sizeOf, type Shape } from '../../core/shape.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { checkAxes } from './params.js';
import { reshape } from './shape.js';

/** `shape` with `axes` removed (or kept as 1s). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

export const sumPrimitive: Primitive<'sum'> = {
  name: 'sum',
  infer: ([x], p) => {
    checkAxes('sum', p.axes, x!.rank);
    return { shape: reducedShape(x!.shape, p.axes, p.keepdims), dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, sizeOf(out.shape));
    getBackend().reduceSum(x!.data, x!.shape, p.axes, data);
    return data;
  },
};

export const maxPrimitive: Primitive<'max'> = {
  name: 'max',
  infer: ([x], p) => {
    checkAxes('max', p.axes, x!.rank);
    for (const a of p.axes) if (x!.shape[a] === 0) throw shapeError('max', 'x', `a non-empty axis ${a}`, x!.shape);
    return { shape: reducedShape(x!.shape, p.axes, p.keepdims), dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, sizeOf(out.shape));
    getBackend().reduceMax(x!.data, x!.shape, p.axes, data);
    return data;
  },
};

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return apply(sumPrimitive, [x], { axes: normalizeAxes('sum', axes, x.rank), keepdims });
}

/** Maximum over `axes` (all when omitted). */
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return apply(maxPrimitive, [x], { axes: normalizeAxes('max', axes, x.rank), keepdims });
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((p, a) => p * x.shape[a]!, 1);
  return mul(sum(x, ax, keepdims), 1 / count);
}

/** Sum `g` down to `shape` over the dimensions broadcasting added (the adjoint of broadcastTo). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw shapeError('sumToShape', 'shape', `rank ≤ ${g.rank}`, shape);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) throw shapeError('sumToShape', 'shape', `a shape [${g.shape.join(', ')}] broadcasts from`, shape);
  }
  return reshape(sum(g, axes, false), shape);
}
