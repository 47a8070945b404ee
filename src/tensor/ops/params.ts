// Checks of primitive parameters shared by the shape rules. A shape rule (Primitive.infer) validates every
// parameter it is given, so a primitive applied directly (apply(primitives.conv2d, …)) is as safe as its
// public op: no backend kernel ever receives a stride of 0, a negative padding or an axis out of range.
import { rangeError } from '../../core/errors.js';

/** Kernels index with 32-bit integers (native and wasm pass parameters as Int32Array). */
export const MAX_INT32 = 2 ** 31 - 1;

/**
 * `values` is exactly `length` integers in [min, 2³¹ − 1] (one integer may be given bare when length is 1),
 * or a range error naming `op` and `arg`; `form` describes the entries, e.g. '[strideH, strideW]'.
 */
export function checkInts(op: string, arg: string, values: unknown, length: number, min: number, form: string): void {
  const list = length === 1 && !Array.isArray(values) ? [values] : values;
  const ints = Array.isArray(list) && list.length === length && list.every((v) => Number.isInteger(v));
  if (!ints || (list as number[]).some((v) => v < min)) throw rangeError(op, arg, `${length === 1 ? 'an integer' : 'integers'} ≥ ${min} (${form})`, values);
  if ((list as number[]).some((v) => v > MAX_INT32)) throw rangeError(op, arg, `integers ≤ 2³¹ − 1 (${form}; kernels index with 32-bit integers)`, values);
}

/** Every dimension of an output shape, and its element count, fit the kernels' 32-bit indices. */
export function checkOutputSize(op: string, shape: readonly number[], form: string): void {
  if (shape.reduce((p, d) => p * d, 1) > MAX_INT32 || shape.some((d) => d > MAX_INT32)) {
    throw rangeError(op, 'output', `at most 2³¹ − 1 elements (${form}; kernels index with 32-bit integers)`, shape);
  }
}

/** `axis` is an integer in [0, rank) (a normalised axis), or a range error. */
export function checkAxis(op: string, arg: string, axis: unknown, rank: number): void {
  if (!Number.isInteger(axis) || (axis as number) < 0 || (axis as number) >= rank) throw rangeError(op, arg, `an axis in [0, ${rank}) of a rank-${rank} tensor`, axis);
}

/** `axes` are distinct integers in [0, rank) (normalised axes), or a range error. */
export function checkAxes(op: string, axes: unknown, rank: number): void {
  const ok = Array.isArray(axes) && new Set(axes).size === axes.length && axes.every((a) => Number.isInteger(a) && a >= 0 && a < rank);
  if (!ok) throw rangeError(op, 'axes', `distinct axes in [0, ${rank}) of a rank-${rank} tensor`, axes);
}
