// Elementwise kernels: unary maps, broadcasting binary maps and the three-way `where`.
import type { TypedArray } from '../../core/dtype.js';
import { broadcastStrides, shapesEqual, type Shape } from '../../core/shape.js';
import { forEachRow, innerLoop } from './strided.js';

/** out[i] = f(x[i]). */
export function unary(f: (x: number) => number, x: TypedArray, out: TypedArray): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

/** out = f(a, b) with NumPy broadcasting of aShape and bShape to outShape. */
export function binary(
  f: (a: number, b: number) => number,
  a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape,
): void {
  const n = out.length;
  if (shapesEqual(aShape, outShape) && shapesEqual(bShape, outShape)) {
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return;
  }
  if (b.length === 1 && shapesEqual(aShape, outShape)) {
    const bv = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, bv);
    return;
  }
  if (a.length === 1 && shapesEqual(bShape, outShape)) {
    const av = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]!);
    return;
  }
  const strides = [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape), broadcastStrides(outShape, outShape)];
  const [len, [sa, sb]] = innerLoop(outShape, strides);
  forEachRow(outShape, strides, ([ao, bo, oo]) => {
    for (let j = 0; j < len; j++) out[oo! + j] = f(a[ao! + j * sa!]!, b[bo! + j * sb!]!);
  });
}

/** out = cond ? a : b, all three broadcast to outShape. */
export function where(
  cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape,
  out: TypedArray, outShape: Shape,
): void {
  const strides = [condShape, aShape, bShape, outShape].map((s) => broadcastStrides(s, outShape));
  const [len, [sc, sa, sb]] = innerLoop(outShape, strides);
  forEachRow(outShape, strides, ([co, ao, bo, oo]) => {
    for (let j = 0; j < len; j++) out[oo! + j] = cond[co! + j * sc!] ? a[ao! + j * sa!]! : b[bo! + j * sb!]!;
  });
}
