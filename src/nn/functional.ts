// Small functional helpers shared by layers (re-exporting the tensor ops they use).
import { add, div, sqrt, type Tensor } from '../tensor/index.js';

export { add, mean, mul, ones, reshape, rmsNormalize, silu, sub, zeros, type Tensor } from '../tensor/index.js';

/** 1 / √(v + eps). */
export function rsqrtEps(v: Tensor, eps: number): Tensor {
  return div(1, sqrt(add(v, eps)));
}
