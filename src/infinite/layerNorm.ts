// Layer normalisation without a learnable affine (neural-tangents stax.LayerNorm(axis, eps), _src/stax/linear.py).
//   finite:  y = (x − mean_A(x)) / √(var_A(x) + eps)   over the axes A of the batched tensor
//            ([N, d]: A = [1]; images [N, C, H, W]: A ∋ 1, the channels, plus any of the spatial axes 2, 3)
//   kernel:  with v(x, p) = eps + mean over the normalised spatial axes of K(x, x)[p′, p′] (p′ ranging over the
//            positions that share p's other coordinates; just K(x, x)[p, p] when A = [1]):
//              K(x, x′)[p, q] ← K(x, x′)[p, q] / √(v(x, p)·v(x′, q)),   Θ likewise,
//            self-covariances too — for vectors K(x,x′)/√(K(x,x)·K(x′,x′)), the correlation.
// The infinite-width limit treats the channel mean as 0 and the channel variance as K(x, x)[p, p], which holds only
// for i.i.d. zero-mean Gaussian channels: the kernel map refuses inputs that are not the output of a dense or conv
// layer (kernel.ts isGaussian), as neural-tangents does. The channel axis must be normalised (else there is no
// infinite-width limit), and tessera does not normalise over the batch axis (axis 0), which neural-tangents allows.
// diagonalSpatial kernels (kernel.ts) work alike: v needs only the diagonal, and the diagonal entries are scaled.
import { shapeError, valueError } from '../core/errors.js';
import { div, mean, mul, sqrt, sub, add, type Tensor } from '../tensor/index.js';
import { positionsOf, type Kernel } from './kernel.js';
import { elementwiseLayer, type Layer } from './layer.js';

export interface LayerNormOptions {
  /** Axes of the batched input [N, C, …] to normalise over (default [1], the channels / features). */
  readonly axis?: number | readonly number[];
  /** Added to the variance (default 1e-12, as neural-tangents). */
  readonly eps?: number;
}

/** v(x, p) = eps + mean of the self-covariance diagonal over the normalised spatial axes, per example [n, P]. */
function normalisers(cov: Float64Array, n: number, spatial: readonly number[], over: readonly number[], eps: number, diagonalOnly: boolean): Float64Array {
  const P = positionsOf({ spatial }), out = new Float64Array(n * P);
  const H = spatial[0] ?? 1, W = spatial[1] ?? 1;
  const overH = over.includes(2), overW = over.includes(3);
  for (let i = 0; i < n; i++) {
    const diag = (h: number, w: number) => (diagonalOnly ? cov[i * P + h * W + w]! : cov[i * P * P + (h * W + w) * (P + 1)]!);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        let s = 0, count = 0;
        for (let h2 = overH ? 0 : h; h2 < (overH ? H : h + 1); h2++) for (let w2 = overW ? 0 : w; w2 < (overW ? W : w + 1); w2++) { s += diag(h2, w2); count++; }
        out[i * P + h * W + w] = eps + s / count;
      }
    }
  }
  return out;
}

/** src[(i, j), p, q] / √(v1[i, p]·v2[j, q]) for the blocks of n1 × n2 (self: n2 = 1 with j = i); diagonalOnly: q = p. */
function scale(src: Float64Array, n1: number, n2: number, P: number, v1: Float64Array, v2: Float64Array, self: boolean, diagonalOnly: boolean): Float64Array {
  const out = new Float64Array(src.length);
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      const jj = self ? i : j;
      if (diagonalOnly) {
        const base = (i * n2 + j) * P;
        for (let p = 0; p < P; p++) out[base + p] = src[base + p]! / Math.sqrt(v1[i * P + p]! * v2[jj * P + p]!);
        continue;
      }
      const base = (i * n2 + j) * P * P;
      for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) out[base + p * P + q] = src[base + p * P + q]! / Math.sqrt(v1[i * P + p]! * v2[jj * P + q]!);
    }
  }
  return out;
}

/** layerNorm({ axis, eps }) on vectors or images (see the header). */
export function layerNorm(options: LayerNormOptions = {}): Layer {
  const op = 'layerNorm';
  const eps = options.eps ?? 1e-12;
  const axes = [...new Set(typeof options.axis === 'number' ? [options.axis] : options.axis ?? [1])].sort();
  if (!(Number.isFinite(eps) && eps >= 0)) throw valueError(op, 'eps', 'a finite number ≥ 0', eps);
  if (!axes.includes(1)) throw valueError(op, 'axis', 'axes that include 1, the channels of [N, C, …] (normalising over channels is what gives an infinite-width limit)', axes);
  const bad = axes.find((a) => !(a === 1 || a === 2 || a === 3));
  if (bad !== undefined) throw valueError(op, 'axis', 'axes of the batched input [N, C, H, W]: 1 (channels) and optionally 2, 3 (height, width); not the batch axis 0', axes);
  const checkRank = (rank: number, what: string) => {
    if (axes.some((a) => a >= rank)) throw shapeError(op, what, `a rank with every normalised axis [${axes.join(', ')}]`, `rank ${rank}`);
  };
  return elementwiseLayer(`layerNorm(axis=[${axes.join(', ')}], eps=${eps})`, {
    shape: (s) => {
      checkRank(s.length + 1, 'input');
      return s;
    },
    apply: (x: Tensor) => {
      checkRank(x.rank, 'x');
      const centred = sub(x, mean(x, axes, true));
      const variance = mean(mul(centred, centred), axes, true);
      return div(centred, sqrt(add(variance, eps)));
    },
    kernel: (k) => {
      checkRank(k.spatial.length + 2, 'kernel');
      if (!k.isGaussian) throw valueError(op, 'input kernel', 'the kernel of a dense or conv layer\'s output (Gaussian channels; neural-tangents refuses the rest too)', 'a kernel after a nonlinearity, flatten, product or the raw inputs');
      const P = positionsOf(k);
      const D = k.diagonalSpatial;
      const v1 = normalisers(k.cov1, k.n1, k.spatial, axes, eps, D), v2 = k.cov2 === k.cov1 ? v1 : normalisers(k.cov2, k.n2, k.spatial, axes, eps, D);
      const cov1 = scale(k.cov1, k.n1, 1, P, v1, v1, true, D);
      return {
        ...k, nngp: scale(k.nngp, k.n1, k.n2, P, v1, v2, false, D), ntk: scale(k.ntk, k.n1, k.n2, P, v1, v2, false, D),
        cov1, cov2: k.cov2 === k.cov1 ? cov1 : scale(k.cov2, k.n2, 1, P, v2, v2, true, D),
      };
    },
  });
}
