// Local average and sum pooling of images (neural-tangents' AvgPool with count_include_pad, SumPool): linear maps of
// positions, so its kernel map is exact. With A [Q, P] the averaging matrix of the pooling (output position
// o averages the window's input positions, each weighted 1/(kh·kw), zero padding counted):
//   finite:  y = avgPool2d(x, window, stride, padding)          [C, H, W] → [C, H′, W′]
//   kernel:  K_new = A K Aᵀ and Θ_new = A Θ Aᵀ for every [P, P] block (self-covariances too)
// Padding 'valid' (none) or 'same' (stride 1 and an odd window: (k − 1)/2 on each side, output H × W).
// sumPool is avgPool times the window's kh·kw pixels (its kernel times (kh·kw)²). The kernel map runs on the
// backend's positionPool kernel (backend/cpu/positions.ts is its reference code).
import { shapeError, valueError } from '../core/errors.js';
import { avgPool2d as avgPoolTensor, mul, type Tensor } from '../tensor/index.js';
import { getBackend } from '../backend/registry.js';
import type { PositionPoolParams } from '../backend/kernels.js';
import { refuseDiagonalSpatial } from './kernel.js';
import { elementwiseLayer, type Layer } from './layer.js';

export interface AvgPoolOptions {
  /** Default: the window. */
  readonly stride?: number;
  readonly padding?: 'valid' | 'same';
}

/** avgPool(window) on images [C, H, W]. */
export const avgPool = (window: number, o: AvgPoolOptions = {}): Layer => windowPool(window, o, 1);

/** The window pooling behind avgPool (scale 1) and sumPool (scale window⁴ on the kernel, window² on the features). */
function windowPool(window: number, o: AvgPoolOptions, scale: number): Layer {
  const stride = o.stride ?? window, padding = o.padding ?? 'valid';
  if (!Number.isInteger(window) || window < 1) throw valueError('avgPool', 'window', 'a positive integer', window);
  if (!Number.isInteger(stride) || stride < 1) throw valueError('avgPool', 'stride', 'a positive integer', stride);
  if (padding === 'same' && (stride !== 1 || window % 2 === 0)) throw valueError('avgPool', 'padding', "'same' with stride 1 and an odd window", `${padding}, stride ${stride}, window ${window}`);
  const pad = padding === 'same' ? (window - 1) / 2 : 0;
  const outSize = (n: number) => {
    const out = Math.floor((n + 2 * pad - window) / stride) + 1;
    if (out < 1) throw shapeError('avgPool', 'input', `images of at least ${window - 2 * pad} pixels a side`, n);
    return out;
  };
  const name = `avgPool(${window}, stride ${stride}, ${padding})`;
  const params = (spatial: readonly number[], blocks: number): PositionPoolParams => {
    const [H, W] = spatial as [number, number];
    return { blocks, h: H, w: W, window, stride, pad, outH: outSize(H), outW: outSize(W), scale };
  };
  return elementwiseLayer(name, {
    shape: (s) => {
      if (s.length !== 3) throw shapeError('avgPool', 'input', 'images [C, H, W]', s);
      return [s[0]!, outSize(s[1]!), outSize(s[2]!)];
    },
    apply: (x) => avgPoolTensor(x, { kernelSize: window, stride, padding: pad }),
    kernel: (k) => {
      if (k.spatial.length !== 2) throw shapeError('avgPool', 'kernel', 'a kernel of images', `spatial [${k.spatial.join(', ')}]`);
      refuseDiagonalSpatial(name, k); // A K Aᵀ needs the off-diagonal K[p, q]
      const { outH, outW } = params(k.spatial, 0), Q = outH * outW;
      const backend = getBackend();
      const map = (src: Float64Array, blocks: number): Float64Array => {
        const out = backend.allocateOutput('f64', blocks * Q * Q) as Float64Array;
        backend.positionPool(params(k.spatial, blocks), src, out);
        return out;
      };
      const cov1 = map(k.cov1, k.n1);
      return { ...k, spatial: [outH, outW], nngp: map(k.nngp, k.n1 * k.n2), ntk: map(k.ntk, k.n1 * k.n2), cov1, cov2: k.cov2 === k.cov1 ? cov1 : map(k.cov2, k.n2) };
    },
    positionStep: (k) => {
      if (k.spatial.length !== 2) return null;
      const pool = params(k.spatial, 0);
      return { step: { op: 'pool', pool }, out: { ...k, spatial: [pool.outH, pool.outW] } };
    },
  });
}

/** sumPool(window) on images [C, H, W]: the sum over each window (avgPool × window²). */
export function sumPool(window: number, o: AvgPoolOptions = {}): Layer {
  const area = window * window, pooled = windowPool(window, o, area * area);
  return { ...pooled, name: pooled.name.replace('avgPool', 'sumPool'), apply: (params, x) => mul(pooled.apply(params, x) as Tensor, area) };
}
