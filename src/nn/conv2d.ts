// 2-D convolution layer: weight [out, in/groups, kH, kW], bias [out]; PyTorch's default init
// (kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn), bias likewise) unless stds are given.
import type { FloatDType } from '../core/dtype.js';
import { split, type Key } from '../core/random.js';
import { add, conv2d, reshape, type Conv2dOptions, type Tensor } from '../tensor/index.js';
import { normalInit, uniformInit } from './init.js';
import { Module } from './module.js';

export interface Conv2dLayerOptions extends Conv2dOptions {
  key: Key;
  bias?: boolean;
  /** Weight std σ_w: weights ~ N(0, σ_w²/fanIn) instead of the PyTorch default. */
  wStd?: number;
  bStd?: number;
  dtype?: FloatDType;
}

export class Conv2d extends Module {
  readonly options: Conv2dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number | [number, number], options: Conv2dLayerOptions) {
    super();
    const { key, bias = true, wStd, bStd, dtype = 'f32', ...conv } = options;
    this.options = conv;
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = conv.groups ?? 1;
    const fanIn = (inChannels / groups) * kh * kw;
    const [k1, k2] = split(key);
    const shape = [outChannels, inChannels / groups, kh, kw];
    const bound = 1 / Math.sqrt(fanIn);
    this.addParameter('weight', wStd === undefined ? uniformInit(k1!, shape, bound, dtype) : normalInit(k1!, shape, { std: wStd / Math.sqrt(fanIn), dtype }));
    if (bias) this.addParameter('bias', bStd === undefined ? uniformInit(k2!, [outChannels], bound, dtype) : normalInit(k2!, [outChannels], { std: bStd, dtype }));
  }

  /** x [N, in, H, W] → [N, out, H', W']. */
  forward(x: Tensor): Tensor {
    const y = conv2d(x, this.param('weight'), this.options);
    return this.params.bias ? add(y, reshape(this.param('bias'), [1, this.outChannels, 1, 1])) : y;
  }
}
