// The input contract of every attack and fault: a classifier is a function from inputs x to LOGITS
// [N, C]; x lives in a declared box [lower, upper] (per element) and ε is measured in the same units.
// Preprocessing (x − mean)/std belongs to the classifier, not to the data: wrap the network with
// `withPreprocessing` and attack in pixel units ([0, 1] for images), so that ε = 8/255 means 8 grey levels.
import { rangeError, shapeError, valueError } from '../core/errors.js';
import { Tensor, div, sub } from '../tensor/index.js';

/** Logits [N, C] of inputs x [N, …]. Must be deterministic for a fixed x (put modules in eval mode). */
export type Classifier = (x: Tensor) => Tensor;

/** The valid range of every input element, in attack units. */
export interface InputBox {
  readonly lower: number;
  readonly upper: number;
}

/** Per-dataset standardisation applied inside the classifier: (x − mean) / std. */
export interface Preprocessing {
  readonly mean: number;
  readonly std: number;
}

/** Pixel intensities in [0, 1]. */
export const UNIT_BOX: InputBox = { lower: 0, upper: 1 };

export function checkBox(box: InputBox, op: string): void {
  if (!(Number.isFinite(box.lower) && Number.isFinite(box.upper) && box.lower < box.upper)) {
    throw rangeError(op, 'box', 'finite lower < upper', `[${box.lower}, ${box.upper}]`);
  }
}

/** The classifier applied to (x − mean) / std: attacks then operate in raw units. */
export function withPreprocessing(net: Classifier, p: Preprocessing): Classifier {
  if (!(p.std > 0)) throw rangeError('withPreprocessing', 'std', 'a positive number', p.std);
  return (x) => net(div(sub(x, p.mean), p.std));
}

/** The box of standardised inputs when raw inputs lie in `raw` (attacking the network directly). */
export function standardizedBox(p: Preprocessing, raw: InputBox = UNIT_BOX): InputBox {
  return { lower: (raw.lower - p.mean) / p.std, upper: (raw.upper - p.mean) / p.std };
}

/** ε in raw units → ε in standardised units (both ℓ∞ and ℓ2 scale by 1/std). */
export function standardizedEps(eps: number, p: Preprocessing): number {
  return eps / p.std;
}

/** Throws when any element of x lies outside the box (by more than `tolerance`). */
export function assertInBox(x: Tensor, box: InputBox, op: string, tolerance = 1e-6): void {
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i]!;
    if (!(v >= box.lower - tolerance && v <= box.upper + tolerance)) {
      throw valueError(op, 'x', `elements in the input box [${box.lower}, ${box.upper}] (check the preprocessing contract: attack raw inputs, standardise inside the classifier)`, `x[${i}] = ${v}`);
    }
  }
}

/** Labels as i32 [N] matching x's batch size. */
export function checkLabels(x: Tensor, y: Tensor, op: string, name = 'y'): void {
  if (y.rank !== 1 || y.shape[0] !== x.shape[0]) throw shapeError(op, name, `[${x.shape[0]}] (one class index per input)`, y.shape);
  if (y.dtype !== 'i32') throw valueError(op, name, 'an i32 tensor of class indices', y.dtype);
}

/** Number of elements per example of x [N, …]. */
export function featuresPerExample(x: Tensor): number {
  return x.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Examples `idx` of x [N, …] as a new tensor [idx.length, …] (the points an attack of a cascade still works on). */
export function exampleRows(x: Tensor, idx: readonly number[]): Tensor {
  const d = featuresPerExample(x), out = x.data instanceof Float64Array ? new Float64Array(idx.length * d) : new Float32Array(idx.length * d);
  idx.forEach((i, r) => out.set(x.data.subarray(i * d, (i + 1) * d) as Float32Array, r * d));
  return new Tensor(out, [idx.length, ...x.shape.slice(1)]);
}

/** Labels `idx` of y [N] as a new i32 tensor. */
export const exampleLabels = (y: Tensor, idx: readonly number[]): Tensor => new Tensor(Int32Array.from(idx, (i) => y.data[i]!), [idx.length]);

/** A tensor of x's shape and dtype holding `data`. */
export function like(x: Tensor, data: Float32Array | Float64Array): Tensor {
  return new Tensor(data, x.shape);
}
