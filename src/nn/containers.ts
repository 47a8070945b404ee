// Containers and parameter-free layers: Sequential, Flatten, activations, pooling.
import { valueError } from '../core/errors.js';
import * as T from '../tensor/index.js';
import type { Pool2dOptions, Tensor } from '../tensor/index.js';
import { Module, childKey, type ForwardContext } from './module.js';

/** Children applied in order; named "0", "1", … (PyTorch's nn.Sequential naming). */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.addChild(String(i), l));
  }
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    return this.layers.reduce((h, layer, i) => layer.forward(h, childKey(ctx, i)), x);
  }
}

/** Collapse dimensions startDim..end into one ([N, C, H, W] → [N, C·H·W] by default). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (this.startDim >= x.rank) throw valueError('Flatten', 'startDim', `< rank ${x.rank}`, this.startDim);
    return T.reshape(x, [...x.shape.slice(0, this.startDim), -1]);
  }
}

/** A parameter-free layer from an elementwise function. */
export class Activation extends Module {
  constructor(readonly name: string, private readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

export const ReLU = () => new Activation('relu', T.relu);
export const GELU = () => new Activation('gelu', T.gelu);
export const SiLU = () => new Activation('silu', T.silu);
export const Tanh = () => new Activation('tanh', T.tanh);
export const Sigmoid = () => new Activation('sigmoid', T.sigmoid);
export const Erf = () => new Activation('erf', T.erf);
export const Identity = () => new Activation('identity', (x) => x);

export class MaxPool2d extends Module {
  constructor(readonly options: Pool2dOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.maxPool2d(x, this.options);
  }
}

export class AvgPool2d extends Module {
  constructor(readonly options: Pool2dOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return T.avgPool2d(x, this.options);
  }
}

/** Mean over the spatial dimensions: [N, C, H, W] → [N, C]. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return T.mean(x, [2, 3]);
  }
}
