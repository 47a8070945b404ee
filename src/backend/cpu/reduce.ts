// Reductions over a set of axes: sum (float64 accumulation) and max.
import type { TypedArray } from '../../core/dtype.js';
import { stridesOf, type Shape } from '../../core/shape.js';
import { forEachRow } from './strided.js';

/** Strides that map each input index to its output slot: 0 along reduced axes. */
function outputStrides(shape: Shape, axes: readonly number[]): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const s = stridesOf(kept);
  return s.map((v, i) => (axes.includes(i) ? 0 : v));
}

/** out[j] = Σ x over the reduced axes (out has the kept dimensions, row-major). */
export function reduceSum(x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void {
  const acc = new Float64Array(out.length);
  const strides = [stridesOf(shape), outputStrides(shape, axes)];
  forEachRow(shape, strides, ([xo, oo], len, [sx, so]) => {
    if (so === 0) {
      let s = 0;
      for (let j = 0; j < len; j++) s += x[xo! + j * sx!]!;
      acc[oo!]! += s;
    } else {
      for (let j = 0; j < len; j++) acc[oo! + j * so!]! += x[xo! + j * sx!]!;
    }
  });
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}

/** out[j] = max x over the reduced axes; NaN propagates. */
export function reduceMax(x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void {
  const acc = new Float64Array(out.length).fill(-Infinity);
  const strides = [stridesOf(shape), outputStrides(shape, axes)];
  forEachRow(shape, strides, ([xo, oo], len, [sx, so]) => {
    for (let j = 0; j < len; j++) {
      const v = x[xo! + j * sx!]!, o = oo! + j * so!;
      if (v > acc[o]! || Number.isNaN(v)) acc[o] = v;
    }
  });
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}
