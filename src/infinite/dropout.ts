// Dropout (neural-tangents stax.Dropout(rate, mode), _src/stax/linear.py; finite layer as jax stax.Dropout).
// `rate` is the KEEP probability (rate = 1 keeps everything), as there.
//   mode 'test':  y = x, the kernel unchanged.
//   mode 'train': y = x·m/rate with m ~ Bernoulli(rate) per element, drawn from the forward key (apply's
//                 { key }; an error without one). Two factors of one input at one position share the mask, so
//                 E[m m′]/rate² = 1/rate there and 1 elsewhere:
//                   self-covariances K(x, x)[p, p] × 1/rate (every example, diagonal positions);
//                   nngp and ntk × 1/rate on the entries (i, i, p, p) when x2 is x1 (kernel.ts: cov2 === cov1),
//                   and unchanged between different inputs (independent masks).
//                 The representation is no longer Gaussian (isGaussian = false), as in neural-tangents.
import { valueError } from '../core/errors.js';
import { mul, random, Tensor } from '../tensor/index.js';
import { positionsOf, type Kernel } from './kernel.js';
import { single, type Layer } from './layer.js';

/** Copies of the blocks of `src` with their position diagonal × factor; `every` block, or only blocks (i, i) of [n, n]. */
function scaleDiagonal(src: Float64Array, blocks: number, P: number, factor: number, every: boolean, n: number, diagonalOnly: boolean): Float64Array {
  const out = Float64Array.from(src);
  const per = diagonalOnly ? P : P * P, stride = diagonalOnly ? 1 : P + 1;
  for (let b = 0; b < blocks; b++) {
    if (!every && b % (n + 1) !== 0) continue;
    for (let p = 0; p < P; p++) out[b * per + p * stride]! *= factor;
  }
  return out;
}

export function dropout(rate: number, mode: 'train' | 'test' = 'train'): Layer {
  const op = 'dropout';
  if (!(rate > 0 && rate <= 1)) throw valueError(op, 'rate', 'a keep probability in (0, 1] (neural-tangents: rate = 1 keeps every unit)', rate);
  if (mode !== 'train' && mode !== 'test') throw valueError(op, 'mode', "'train' or 'test'", mode);
  const name = `dropout(${rate}, ${mode})`;
  return {
    name,
    init: (_key, inputShape) => ({ params: {}, outputShape: single(name, 'input', inputShape) }),
    apply(_params, input, options) {
      const x = single(name, 'input', input);
      if (mode === 'test' || rate === 1) return x;
      if (!options?.key) throw valueError(op, 'apply options key', "a random key in 'train' mode (pass { key } to apply, or use mode 'test')", 'none');
      const keep = random.bernoulli(options.key, x.shape, rate).data;
      const scaled = x.dtype === 'f32' ? new Float32Array(keep.length) : new Float64Array(keep.length);
      for (let i = 0; i < keep.length; i++) scaled[i] = keep[i] ? 1 / rate : 0;
      return mul(x, new Tensor(scaled, x.shape));
    },
    kernel(input) {
      const k = single(name, 'input', input);
      if (mode === 'test') return k;
      const P = positionsOf(k), f = 1 / rate, same = k.cov2 === k.cov1 && k.n1 === k.n2;
      const D = k.diagonalSpatial;
      const cov1 = scaleDiagonal(k.cov1, k.n1, P, f, true, k.n1, D);
      const pairs = (v: Float64Array) => (same ? scaleDiagonal(v, k.n1 * k.n2, P, f, false, k.n1, D) : Float64Array.from(v));
      const out: Kernel = {
        ...k, nngp: pairs(k.nngp), ntk: pairs(k.ntk), cov1, cov2: k.cov2 === k.cov1 ? cov1 : scaleDiagonal(k.cov2, k.n2, P, f, true, k.n2, D), isGaussian: false,
      };
      return out;
    },
  };
}
