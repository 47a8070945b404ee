// Weight initialisers (explicit keys). Fan-in/fan-out follow PyTorch: for a weight
// [out, in, ...kernel], fanIn = in·prod(kernel), fanOut = out·prod(kernel).
import type { FloatDType } from '../core/dtype.js';
import { rangeError, valueError } from '../core/errors.js';
import type { Key } from '../core/random.js';
import type { Shape } from '../core/shape.js';
import { random, type Tensor } from '../tensor/index.js';

export type Nonlinearity = 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid' | 'selu';

export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw valueError('init', 'shape', 'a weight of rank ≥ 2 ([out, in, ...])', shape);
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** torch.nn.init.calculate_gain. */
export function gain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': return Math.sqrt(2 / (1 + negativeSlope ** 2));
    case 'selu': return 3 / 4;
  }
}

export interface KaimingOptions {
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
  /** Negative slope for leaky_relu (PyTorch's `a`). */
  a?: number;
  dtype?: FloatDType;
}

function kaimingStd(shape: Shape, o: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3/fan) (torch.nn.init.kaiming_uniform_). */
export function kaimingUniform(key: Key, shape: Shape, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(shape, o);
  return random.uniform(key, shape, { dtype: o.dtype ?? 'f32', minval: -bound, maxval: bound });
}

/** N(0, (gain/√fan)²) (torch.nn.init.kaiming_normal_). */
export function kaimingNormal(key: Key, shape: Shape, o: KaimingOptions = {}): Tensor {
  return random.normal(key, shape, { dtype: o.dtype ?? 'f32', std: kaimingStd(shape, o) });
}

/** U(−b, b) with b = gain·√(6/(fanIn + fanOut)). */
export function xavierUniform(key: Key, shape: Shape, o: { gain?: number; dtype?: FloatDType } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const bound = (o.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return random.uniform(key, shape, { dtype: o.dtype ?? 'f32', minval: -bound, maxval: bound });
}

/** N(0, gain²·2/(fanIn + fanOut)). */
export function xavierNormal(key: Key, shape: Shape, o: { gain?: number; dtype?: FloatDType } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return random.normal(key, shape, { dtype: o.dtype ?? 'f32', std: (o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) });
}

/** N(0, std²) truncated to [lower·std, upper·std] (bounds in standard deviations, default ±2). */
export function truncatedNormal(key: Key, shape: Shape, o: { std?: number; lower?: number; upper?: number; dtype?: FloatDType } = {}): Tensor {
  const std = o.std ?? 1;
  if (!(std > 0)) throw rangeError('truncatedNormal', 'std', 'a positive number', std);
  return random.truncatedNormal(key, shape, { dtype: o.dtype ?? 'f32', lower: o.lower ?? -2, upper: o.upper ?? 2, std });
}

/** N(0, std²). */
export function normalInit(key: Key, shape: Shape, o: { std?: number; dtype?: FloatDType } = {}): Tensor {
  return random.normal(key, shape, { dtype: o.dtype ?? 'f32', std: o.std ?? 1 });
}

/** U(−bound, bound). */
export function uniformInit(key: Key, shape: Shape, bound: number, dtype: FloatDType = 'f32'): Tensor {
  return random.uniform(key, shape, { dtype, minval: -bound, maxval: bound });
}
