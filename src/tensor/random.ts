// Random tensors from explicit keys (see core/random.ts): the same key gives the same tensor
// on every backend and thread count.
import { fromValues, type DType, type FloatDType } from '../core/dtype.js';
import { checkShape, sizeOf, type Shape } from '../core/shape.js';
import * as r from '../core/random.js';
import { Tensor } from './tensor.js';

export { key, split, foldIn, type Key } from '../core/random.js';

const make = (values: ArrayLike<number>, shape: Shape, dtype: DType): Tensor => new Tensor(fromValues(dtype, values), shape);

/** Uniform in [minval, maxval). */
export function uniform(k: r.Key, shape: Shape, options: { dtype?: FloatDType; minval?: number; maxval?: number } = {}): Tensor {
  checkShape('random.uniform', 'shape', shape);
  const { dtype = 'f32', minval = 0, maxval = 1 } = options;
  const u = r.uniformValues(k, sizeOf(shape), dtype);
  for (let i = 0; i < u.length; i++) u[i] = minval + (maxval - minval) * u[i]!;
  return make(u, shape, dtype);
}

/** Normal with mean `mean` and standard deviation `std`. */
export function normal(k: r.Key, shape: Shape, options: { dtype?: FloatDType; mean?: number; std?: number } = {}): Tensor {
  checkShape('random.normal', 'shape', shape);
  const { dtype = 'f32', mean = 0, std = 1 } = options;
  const z = r.normalValues(k, sizeOf(shape), dtype);
  for (let i = 0; i < z.length; i++) z[i] = mean + std * z[i]!;
  return make(z, shape, dtype);
}

/** Standard normal truncated to [lower, upper] (in standard deviations), then scaled by `std`. */
export function truncatedNormal(k: r.Key, shape: Shape, options: { dtype?: FloatDType; lower?: number; upper?: number; std?: number } = {}): Tensor {
  checkShape('random.truncatedNormal', 'shape', shape);
  const { dtype = 'f32', lower = -2, upper = 2, std = 1 } = options;
  const z = r.truncatedNormalValues(k, sizeOf(shape), lower, upper, dtype);
  for (let i = 0; i < z.length; i++) z[i] = std * z[i]!;
  return make(z, shape, dtype);
}

/** u8 tensor of 1s with probability p. */
export function bernoulli(k: r.Key, shape: Shape, p: number): Tensor {
  checkShape('random.bernoulli', 'shape', shape);
  return new Tensor(r.bernoulliValues(k, sizeOf(shape), p), shape);
}

/** i32 random permutation of 0..n-1. */
export function permutation(k: r.Key, n: number): Tensor {
  return new Tensor(r.permutationValues(k, n), [n]);
}

/** i32 integers uniform in [low, high). */
export function randint(k: r.Key, shape: Shape, low: number, high: number): Tensor {
  checkShape('random.randint', 'shape', shape);
  return new Tensor(r.randintValues(k, sizeOf(shape), low, high), shape);
}

/** One class index per row of `logits` [..., C], sampled from softmax(logits) → i32 [...]. */
export function categorical(k: r.Key, logits: Tensor): Tensor {
  const classes = logits.shape.at(-1) ?? 1;
  const rows = logits.size / Math.max(classes, 1);
  return new Tensor(r.categoricalValues(k, logits.data, rows, classes), logits.shape.slice(0, -1));
}
