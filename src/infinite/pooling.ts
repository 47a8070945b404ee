// Local average and sum pooling of images (neural-tangents' AvgPool with count_include_pad, SumPool): linear maps of
// positions, so its kernel map is exact. With A [Q, P] the averaging matrix of the pooling (output position
// o averages the window's input positions, each weighted 1/(kh·kw), zero padding counted):
//   finite:  y = avgPool2d(x, window, stride, padding)          [C, H, W] → [C, H′, W′]
//   kernel:  K_new = A K Aᵀ and Θ_new = A Θ Aᵀ for every [P, P] block (self-covariances too)
// Padding 'valid' (none) or 'same' (stride 1 and an odd window: (k − 1)/2 on each side, output H × W).
// sumPool is avgPool times the window's kh·kw pixels (its kernel times (kh·kw)²).
import { shapeError, valueError } from '../core/errors.js';
import { avgPool2d as avgPoolTensor, mul, type Tensor } from '../tensor/index.js';
import { positionsOf, refuseDiagonalSpatial, type Kernel } from './kernel.js';
import { elementwiseLayer, type Layer } from './layer.js';

export interface AvgPoolOptions {
  /** Default: the window. */
  readonly stride?: number;
  readonly padding?: 'valid' | 'same';
}

/** avgPool(window) on images [C, H, W]. */
export function avgPool(window: number, o: AvgPoolOptions = {}): Layer {
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
  return elementwiseLayer(name, {
    shape: (s) => {
      if (s.length !== 3) throw shapeError('avgPool', 'input', 'images [C, H, W]', s);
      return [s[0]!, outSize(s[1]!), outSize(s[2]!)];
    },
    apply: (x) => avgPoolTensor(x, { kernelSize: window, stride, padding: pad }),
    kernel: (k) => {
      if (k.spatial.length !== 2) throw shapeError('avgPool', 'kernel', 'a kernel of images', `spatial [${k.spatial.join(', ')}]`);
      refuseDiagonalSpatial(name, k); // A K Aᵀ needs the off-diagonal K[p, q]
      const [H, W] = k.spatial as [number, number], outH = outSize(H), outW = outSize(W);
      // A as, per output position, its list of input positions (weight 1/window² each).
      const taps: number[][] = [];
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const list: number[] = [];
          for (let dh = 0; dh < window; dh++) {
            for (let dw = 0; dw < window; dw++) {
              const h = oh * stride + dh - pad, w = ow * stride + dw - pad;
              if (h >= 0 && h < H && w >= 0 && w < W) list.push(h * W + w);
            }
          }
          taps.push(list);
        }
      }
      const P = positionsOf(k), Q = outH * outW, norm = 1 / (window * window) ** 2;
      const map = (src: Float64Array, blocks: number): Float64Array => {
        const out = new Float64Array(blocks * Q * Q);
        for (let b = 0; b < blocks; b++) {
          const s0 = b * P * P, o0 = b * Q * Q;
          for (let q1 = 0; q1 < Q; q1++) {
            for (let q2 = 0; q2 < Q; q2++) {
              let s = 0;
              for (const a of taps[q1]!) for (const c of taps[q2]!) s += src[s0 + a * P + c]!;
              out[o0 + q1 * Q + q2] = s * norm;
            }
          }
        }
        return out;
      };
      const cov1 = map(k.cov1, k.n1);
      const pooled: Kernel = {
        ...k, spatial: [outH, outW], nngp: map(k.nngp, k.n1 * k.n2), ntk: map(k.ntk, k.n1 * k.n2), cov1, cov2: k.cov2 === k.cov1 ? cov1 : map(k.cov2, k.n2),
      };
      return pooled;
    },
  });
}

/** sumPool(window) on images [C, H, W]: the sum over each window (avgPool × window²). */
export function sumPool(window: number, o: AvgPoolOptions = {}): Layer {
  const avg = avgPool(window, o), area = window * window;
  const scale = (v: Float64Array) => v.map((x) => x * area * area);
  return {
    name: avg.name.replace('avgPool', 'sumPool'),
    init: avg.init,
    apply: (params, x) => mul(avg.apply(params, x) as Tensor, area),
    kernel: (k) => {
      const a = avg.kernel(k) as Kernel;
      const cov1 = scale(a.cov1);
      return { ...a, nngp: scale(a.nngp), ntk: scale(a.ntk), cov1, cov2: a.cov2 === a.cov1 ? cov1 : scale(a.cov2) };
    },
  };
}
