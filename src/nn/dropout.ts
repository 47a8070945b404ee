// Dropout: in training mode zero each element with probability p and scale survivors by 1/(1 − p)
// (inverted dropout, as PyTorch). Randomness comes from the forward context's key.
import { rangeError, valueError } from '../core/errors.js';
import { cast, mul, random, type Tensor } from '../tensor/index.js';
import { Module, type ForwardContext } from './module.js';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw rangeError('Dropout', 'p', 'a probability in [0, 1)', p);
  }

  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    if (!this.training || this.p === 0) return x;
    if (!ctx?.key) throw valueError('Dropout', 'ctx.key', 'a random key in training mode (pass { key } to forward)', 'none');
    const keep = cast(random.bernoulli(ctx.key, x.shape, 1 - this.p), x.dtype);
    return mul(x, mul(keep, 1 / (1 - this.p)));
  }
}
