// Data-movement kernels: permute, broadcast, slice (and its scatter), pad, concat, cumsum.
import type { TypedArray } from '../../core/dtype.js';
import { broadcastStrides, stridesOf, type Shape } from '../../core/shape.js';
import { forEachRow } from './strided.js';

/** out = x permuted: out axis i is x axis perm[i]. outShape[i] = shape[perm[i]]. */
export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const strides = [perm.map((p) => xs[p]!), stridesOf(outShape)];
  forEachRow(outShape, strides, ([xo, oo], len, [sx]) => {
    for (let j = 0; j < len; j++) out[oo! + j] = x[xo! + j * sx!]!;
  });
}

/** out (shape outShape) = x broadcast from `shape`. */
export function broadcastTo(x: TypedArray, shape: Shape, out: TypedArray, outShape: Shape): void {
  const strides = [broadcastStrides(shape, outShape), stridesOf(outShape)];
  forEachRow(outShape, strides, ([xo, oo], len, [sx]) => {
    if (sx === 0) out.fill(x[xo!]!, oo!, oo! + len);
    else for (let j = 0; j < len; j++) out[oo! + j] = x[xo! + j * sx!]!;
  });
}

/** The strided view of `shape` starting at `starts` with `steps`, as [offset, strides]. */
function sliceView(shape: Shape, starts: readonly number[], steps: readonly number[]): [number, number[]] {
  const xs = stridesOf(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += starts[i]! * xs[i]!;
  return [offset, xs.map((s, i) => s * steps[i]!)];
}

/** out (shape outShape) = x[starts[i] : … : steps[i]] along every axis. */
export function slice(x: TypedArray, shape: Shape, starts: readonly number[], steps: readonly number[], out: TypedArray, outShape: Shape): void {
  const [base, vs] = sliceView(shape, starts, steps);
  const strides = [vs, stridesOf(outShape)];
  forEachRow(outShape, strides, ([xo, oo], len, [sx]) => {
    if (sx === 1 && len >= 64) out.set(x.subarray(base + xo!, base + xo! + len), oo!); // contiguous rows: one memcpy
    else for (let j = 0; j < len; j++) out[oo! + j] = x[base + xo! + j * sx!]!;
  });
}

/** The adjoint of slice: out (shape `shape`, zero-filled here) receives g (shape gShape) at the sliced positions. */
export function sliceScatter(g: TypedArray, gShape: Shape, shape: Shape, starts: readonly number[], steps: readonly number[], out: TypedArray): void {
  out.fill(0);
  const [base, vs] = sliceView(shape, starts, steps);
  const strides = [vs, stridesOf(gShape)];
  forEachRow(gShape, strides, ([oo, go], len, [so]) => {
    for (let j = 0; j < len; j++) out[base + oo! + j * so!] = g[go! + j]!;
  });
}

/** out = x padded with `value`; pads[i] = [before, after] (non-negative). */
export function pad(x: TypedArray, shape: Shape, pads: readonly (readonly [number, number])[], value: number, out: TypedArray, outShape: Shape): void {
  out.fill(value);
  const os = stridesOf(outShape);
  let base = 0;
  for (let i = 0; i < shape.length; i++) base += pads[i]![0] * os[i]!;
  const strides = [stridesOf(shape), os];
  forEachRow(shape, strides, ([xo, oo], len, [sx, so]) => {
    for (let j = 0; j < len; j++) out[base + oo! + j * so!] = x[xo! + j * sx!]!;
  });
}

/** out = concatenation of parts along `axis`; parts[t] has shape shapes[t]. */
export function concat(parts: readonly TypedArray[], shapes: readonly Shape[], axis: number, out: TypedArray): void {
  const outer = shapes[0]!.slice(0, axis).reduce((p, d) => p * d, 1);
  const blocks = shapes.map((s) => s.slice(axis).reduce((p, d) => p * d, 1));
  const total = blocks.reduce((p, b) => p + b, 0);
  let start = 0;
  for (let t = 0; t < parts.length; t++) {
    const part = parts[t]!, block = blocks[t]!;
    for (let o = 0; o < outer; o++) out.set(part.subarray(o * block, (o + 1) * block), o * total + start);
    start += block;
  }
}

/** Inclusive cumulative sum along `axis` (from the end when `reverse`), float64 accumulation. */
export function cumsum(x: TypedArray, shape: Shape, axis: number, reverse: boolean, out: TypedArray): void {
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let t = 0; t < n; t++) {
        const k = reverse ? n - 1 - t : t;
        const idx = (o * n + k) * inner + i;
        acc += x[idx]!;
        out[idx] = acc;
      }
    }
  }
}
