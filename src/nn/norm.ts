// Layer normalisation and RMS normalisation over the trailing dimensions.
//   layerNorm: (x − mean) / √(var + eps) · weight + bias          (biased variance, as PyTorch)
//   rmsNorm:   x / √(mean(x²) + eps) · weight                      (Zhang & Sennrich; Mamba/Zamba)
//   gatedRmsNorm: g = y ⊙ silu(z), then rmsNorm over each contiguous group of channels, × weight
//                 (Mamba2's RMSNormGated with norm_before_gate = False, group_size = d / groups)
import { shapeError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import { add, mean, mul, ones, reshape, rmsNormalize, rsqrtEps, silu, sub, zeros, type Tensor } from './functional.js';
import { Module } from './module.js';

function trailingAxes(op: string, x: Tensor, shape: Shape): number[] {
  const lead = x.rank - shape.length;
  if (lead < 0 || shape.some((d, i) => x.shape[lead + i] !== d)) throw shapeError(op, 'x', `trailing dimensions [${shape.join(', ')}]`, x.shape);
  return shape.map((_, i) => lead + i);
}

/** Functional layer norm over the trailing `shape` dimensions. */
export function layerNorm(x: Tensor, shape: Shape, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const axes = trailingAxes('layerNorm', x, shape);
  const mu = mean(x, axes, true);
  const c = sub(x, mu);
  let y = mul(c, rsqrtEps(mean(mul(c, c), axes, true), eps));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** Functional RMS norm over the trailing `shape` dimensions (the fused rmsNormalize primitive over them, flattened). */
export function rmsNorm(x: Tensor, shape: Shape, weight?: Tensor, eps = 1e-6): Tensor {
  const axes = trailingAxes('rmsNorm', x, shape);
  const y = axes.length === 1 ? rmsNormalize(x, eps) : reshape(rmsNormalize(reshape(x, [...x.shape.slice(0, axes[0]), shape.reduce((p, d) => p * d, 1)]), eps), x.shape);
  return weight ? mul(y, weight) : y;
}

/** Gated grouped RMS norm of y, z [.., d] with weight [d] and `groups` groups of d/groups channels. */
export function gatedRmsNorm(y: Tensor, z: Tensor, weight: Tensor, groups: number, eps = 1e-5): Tensor {
  const d = y.shape.at(-1)!;
  if (!Number.isInteger(d / groups)) throw shapeError('gatedRmsNorm', 'groups', `a divisor of the width ${d}`, groups);
  const lead = y.shape.slice(0, -1);
  const g = reshape(mul(y, silu(z)), [...lead, groups, d / groups]);
  return mul(reshape(rmsNorm(g, [d / groups], undefined, eps), [...lead, d]), weight);
}

export class LayerNorm extends Module {
  readonly shape: number[];
  constructor(shape: number | number[], readonly options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: 'f32' | 'f64' } = {}) {
    super();
    this.shape = typeof shape === 'number' ? [shape] : shape;
    if (options.elementwiseAffine ?? true) {
      this.addParameter('weight', ones(this.shape, options.dtype ?? 'f32'));
      if (options.bias ?? true) this.addParameter('bias', zeros(this.shape, options.dtype ?? 'f32'));
    }
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.shape, this.params.weight && this.param('weight'), this.params.bias && this.param('bias'), this.options.eps ?? 1e-5);
  }
}

export class RMSNorm extends Module {
  readonly shape: number[];
  constructor(shape: number | number[], readonly options: { eps?: number; dtype?: 'f32' | 'f64' } = {}) {
    super();
    this.shape = typeof shape === 'number' ? [shape] : shape;
    this.addParameter('weight', ones(this.shape, options.dtype ?? 'f32'));
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.shape, this.param('weight'), this.options.eps ?? 1e-6);
  }
}


