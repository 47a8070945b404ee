// Linear (fully connected) layer: y = x·Wᵀ + b, weight [out, in] as PyTorch.
// Parameterisations:
//   'standard' (default): PyTorch init, W, b ~ U(−1/√in, 1/√in), or N(0, wStd²/in) / N(0, bStd²) when stds are given.
//   'ntk': W, b ~ N(0, 1) and y = (wStd/√in)·x·Wᵀ + bStd·b (Jacot et al.; neural-tangents' Dense).
import type { FloatDType } from '../core/dtype.js';
import { shapeError } from '../core/errors.js';
import { split, type Key } from '../core/random.js';
import { add, matmul, mul, reshape, zeros, type Tensor } from '../tensor/index.js';
import { normalInit, uniformInit } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  key: Key;
  bias?: boolean;
  parameterization?: 'standard' | 'ntk';
  /** Weight standard deviation σ_w (variance σ_w²/in in standard parameterisation). */
  wStd?: number;
  /** Bias standard deviation σ_b; 0 gives a bias initialised to zero (distinct from bias: false). */
  bStd?: number;
  dtype?: FloatDType;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly parameterization: 'standard' | 'ntk';
  private readonly scaleW: number;
  private readonly scaleB: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const { key, bias = true, parameterization = 'standard', wStd, bStd, dtype = 'f32' } = options;
    this.parameterization = parameterization;
    const [kw, kb] = split(key);
    const shape = [outFeatures, inFeatures];
    if (parameterization === 'ntk') {
      this.addParameter('weight', normalInit(kw!, shape, { dtype }));
      this.scaleW = (wStd ?? 1) / Math.sqrt(inFeatures);
      this.scaleB = bStd ?? 0;
      if (bias) this.addParameter('bias', normalInit(kb!, [outFeatures], { dtype }));
    } else {
      const bound = 1 / Math.sqrt(inFeatures);
      this.addParameter('weight', wStd === undefined ? uniformInit(kw!, shape, bound, dtype) : normalInit(kw!, shape, { std: wStd / Math.sqrt(inFeatures), dtype }));
      if (bias) {
        const b = bStd === undefined ? uniformInit(kb!, [outFeatures], bound, dtype) : bStd === 0 ? zeros([outFeatures], dtype) : normalInit(kb!, [outFeatures], { std: bStd, dtype });
        this.addParameter('bias', b);
      }
      this.scaleW = 1;
      this.scaleB = 1;
    }
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    if (x.shape.at(-1) !== this.inFeatures) throw shapeError('Linear', 'x', `last dimension ${this.inFeatures}`, x.shape);
    const rows = x.rank === 1 ? reshape(x, [1, this.inFeatures]) : x;
    let y = matmul(rows, this.param('weight'), { transB: true });
    if (this.scaleW !== 1) y = mul(y, this.scaleW);
    if (this.params.bias) y = add(y, this.scaleB === 1 ? this.param('bias') : mul(this.param('bias'), this.scaleB));
    return x.rank === 1 ? reshape(y, [this.outFeatures]) : y;
  }
}
