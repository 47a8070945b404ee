// Embedding table: ids (integer, any shape) → vectors [..., dim]; weight [num, dim] ~ N(0, 1) as PyTorch.
import type { FloatDType } from '../core/dtype.js';
import type { Key } from '../core/random.js';
import { take, type Tensor } from '../tensor/index.js';
import { normalInit } from './init.js';
import { Module } from './module.js';

export class Embedding extends Module {
  constructor(readonly numEmbeddings: number, readonly dim: number, options: { key: Key; std?: number; dtype?: FloatDType }) {
    super();
    this.addParameter('weight', normalInit(options.key, [numEmbeddings, dim], { std: options.std ?? 1, dtype: options.dtype ?? 'f32' }));
  }

  forward(ids: Tensor): Tensor {
    return take(this.param('weight'), ids, 0);
  }
}
