// Shapes, strides, broadcasting and axis normalisation (row-major, contiguous).
import { rangeError, shapeError } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides of a contiguous shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, arg: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw shapeError(op, arg, 'non-negative integer dimensions', shape);
  }
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(op, 'operands', `broadcast-compatible shapes`, `[${a.join(', ')}] and [${b.join(', ')}]`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading an array of `shape` as if broadcast to `target`:
 * broadcast (size-1 or missing) dimensions get stride 0.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/** Resolve a possibly negative axis against `rank`; throws a range error naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw rangeError(op, 'axis', `an integer in [${-rank}, ${rank - 1}]`, axis);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise a list of axes (undefined = all), sorted and de-duplicated. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw rangeError(op, 'axes', 'distinct axes', list);
  return out;
}
