// Convolution, flatten and global average pooling for small images (NCHW), with their kernel maps on
// the full spatial covariance K[p, q] (neural-tangents Conv / Flatten / GlobalAvgPool with
// diagonal_spatial = False). Stride s (default 1); padding 'same' (odd kernels, zeros), 'circular' (odd
// kernels, the image wrapped around as on a torus) or 'valid'; NTK parameterisation:
//   finite:  W [C_out, C_in, kh, kw], b [C_out] ~ N(0, 1), y = conv(x, W)·σ_w/√(C_in·kh·kw) + σ_b·b
//   kernel:  K_new[o1, o2] = (σ_w²/(kh·kw)) Σ_d K[s·o1 + d − pad, s·o2 + d − pad] + σ_b²   (zero outside,
//            or the indices taken mod H / W for 'circular'),
//            Θ_new = K_new + (σ_w²/(kh·kw)) Σ_d Θ[…same shifts…]
// (the same filter tap d multiplies both positions, so only equal shifts correlate).
//   flatten:        K = (1/P) Σ_p K[p, p]   (then a dense layer averages over C·P features)
//   globalAvgPool:  K = (1/P²) Σ_{p,q} K[p, q]
// The [P, P] maps run on the backend's positionConv / positionReduce kernels (backend/cpu/positions.ts is their
// reference code). With diagonalSpatial kernels (kernel.ts) conv maps the diagonals alone, K_new[o] = (σ_w²/(kh·kw)) Σ_d K[s·o + d − pad]
// + σ_b² (equal shifts only, so the diagonal needs only the diagonal), flatten averages them, and
// globalAvgPool refuses (it needs every K[p, q]).
import { getBackend } from '../backend/registry.js';
import { shapeError, valueError } from '../core/errors.js';
import { split } from '../core/random.js';
import { add, concat, conv2d, mean, mul, random, reshape, slice, type Tensor } from '../tensor/index.js';
import type { Kernel } from './kernel.js';
import { positionsOf, refuseDiagonalSpatial } from './kernel.js';
import { elementwiseLayer, single, type Layer, type Shape } from './layer.js';

export interface ConvOptions {
  readonly wStd?: number;
  /** σ_b, or null for no bias (default null). */
  readonly bStd?: number | null;
  readonly padding?: 'same' | 'valid' | 'circular';
  /** Stride in both directions (default 1). */
  readonly stride?: number;
}

function imageShape(layer: string, s: Shape): [number, number, number] {
  if (s.length !== 3) throw shapeError(layer, 'input', 'images [C, H, W]', s);
  return s as [number, number, number];
}

/** The diagonal version: (1/(kh·kw)) Σ_d src[s·o + d − pad] for `blocks` stacked [P] diagonals → [blocks, P′]. */
function convolveDiagonal(src: Float64Array, blocks: number, H: number, W: number, kh: number, kw: number, padH: number, padW: number, outH: number, outW: number, stride: number, circular: boolean): Float64Array {
  const P = H * W, Q = outH * outW, out = new Float64Array(blocks * Q), norm = 1 / (kh * kw);
  const index = (i: number, n: number) => (circular ? ((i % n) + n) % n : i >= 0 && i < n ? i : -1);
  for (let b = 0; b < blocks; b++) {
    for (let h = 0; h < outH; h++) for (let w = 0; w < outW; w++) {
      let s = 0;
      for (let dh = 0; dh < kh; dh++) {
        const i = index(stride * h + dh - padH, H);
        if (i < 0) continue;
        for (let dw = 0; dw < kw; dw++) {
          const j = index(stride * w + dw - padW, W);
          if (j >= 0) s += src[b * P + i * W + j]!;
        }
      }
      out[b * Q + h * outW + w] = s * norm;
    }
  }
  return out;
}

/** x [N, C, H, W] padded circularly: its last padH rows before and first padH after, then the same for columns. */
function wrapImages(x: Tensor, padH: number, padW: number): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const rows = padH === 0 ? x : concat([slice(x, [0, 0, H - padH, 0], [N, C, H, W]), x, slice(x, [0, 0, 0, 0], [N, C, padH, W])], 2);
  const H2 = H + 2 * padH;
  return padW === 0 ? rows : concat([slice(rows, [0, 0, 0, W - padW], [N, C, H2, W]), rows, slice(rows, [0, 0, 0, 0], [N, C, H2, padW])], 3);
}

/** conv(outChannels, [kh, kw]) on images [C, H, W] → [outChannels, H′, W′]. */
export function conv(outChannels: number, kernelSize: number | readonly [number, number], options: ConvOptions = {}): Layer {
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  const wStd = options.wStd ?? 1, bStd = options.bStd === undefined ? null : options.bStd;
  const padding = options.padding ?? 'same', stride = options.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw valueError('conv', 'stride', 'a positive integer', stride);
  if (!Number.isInteger(outChannels) || outChannels < 1) throw valueError('conv', 'outChannels', 'a positive integer', outChannels);
  if (![kh, kw].every((v) => Number.isInteger(v) && v >= 1)) throw valueError('conv', 'kernelSize', 'positive integers', [kh, kw]);
  if (padding !== 'same' && padding !== 'valid' && padding !== 'circular') throw valueError('conv', 'padding', "'same', 'circular' or 'valid'", padding);
  if (padding !== 'valid' && (kh % 2 === 0 || kw % 2 === 0)) throw valueError('conv', 'kernelSize', `odd sizes with padding '${padding}'`, [kh, kw]);
  if (!(wStd >= 0) || (bStd !== null && !(bStd >= 0))) throw valueError('conv', 'wStd/bStd', 'finite numbers ≥ 0', [wStd, bStd]);
  const [padH, padW] = padding === 'valid' ? [0, 0] : [(kh - 1) / 2, (kw - 1) / 2];
  const circular = padding === 'circular';
  const outSize = (H: number, W: number): [number, number] => {
    if (circular && (padH > H || padW > W)) throw shapeError('conv', 'input', `images at least ${padH}×${padW} to wrap a ${kh}×${kw} kernel`, [H, W]);
    const oh = Math.floor((H + 2 * padH - kh) / stride) + 1, ow = Math.floor((W + 2 * padW - kw) / stride) + 1;
    if (oh < 1 || ow < 1) throw shapeError('conv', 'input', `images at least ${kh}×${kw} for a 'valid' convolution`, [H, W]);
    return [oh, ow];
  };
  const w2 = wStd * wStd, b2 = bStd === null ? 0 : bStd * bStd;
  return {
    name: `conv(${outChannels}, ${kh}×${kw}, ${padding}${stride > 1 ? `, stride ${stride}` : ''}, wStd=${wStd}, bStd=${bStd})`,
    init(key, inputShape, initOptions) {
      const [C, H, W] = imageShape('conv', single('conv', 'input', inputShape));
      const dtype = initOptions?.dtype ?? 'f64';
      const [kW, kB] = split(key);
      const params: Record<string, Tensor> = { weight: random.normal(kW!, [outChannels, C, kh, kw], { dtype }) };
      if (bStd !== null) params.bias = random.normal(kB!, [outChannels], { dtype });
      return { params, outputShape: [outChannels, ...outSize(H, W)] };
    },
    apply(params, input) {
      const x = single('conv', 'input', input);
      const Wt = params.weight as Tensor;
      if (x.rank !== 4 || x.shape[1] !== Wt.shape[1]) throw shapeError('conv', 'x', `[N, ${Wt.shape[1]}, H, W]`, x.shape);
      const wrapped = circular ? wrapImages(x, padH, padW) : x; // circular: a valid convolution of the wrapped image
      let y = mul(conv2d(wrapped, Wt, { padding: circular ? 0 : [padH, padW], stride }), wStd / Math.sqrt(Wt.shape[1]! * kh * kw));
      const b = params.bias as Tensor | undefined;
      if (b) y = add(y, reshape(mul(b, bStd!), [1, outChannels, 1, 1]));
      return y;
    },
    kernel(input) {
      const k = single('conv', 'input', input);
      if (k.spatial.length !== 2) throw shapeError('conv', 'kernel', 'a kernel of images (inputs [N, C, H, W])', `spatial [${k.spatial.join(', ')}]`);
      const [H, W] = k.spatial as [number, number];
      const [oh, ow] = outSize(H, W);
      let go: (v: Float64Array, blocks: number, shift: number, add: Float64Array | null) => Float64Array;
      if (k.diagonalSpatial) {
        go = (v, blocks, shift, add) => convolveDiagonal(v, blocks, H, W, kh, kw, padH, padW, oh, ow, stride, circular).map((c, i) => w2 * c + shift + (add === null ? 0 : add[i]!));
      } else {
        // the [P, P] blocks on the backend's positionConv: w2·(its tap mean) + shift (+ add)
        const backend = getBackend(), Q = oh * ow;
        go = (v, blocks, shift, add) => {
          const out = backend.allocateOutput('f64', blocks * Q * Q) as Float64Array;
          backend.positionConv({ blocks, h: H, w: W, kh, kw, stride, padH, padW, outH: oh, outW: ow, circular, scale: w2, shift }, v, add, out);
          return out;
        };
      }
      const nngp = go(k.nngp, k.n1 * k.n2, b2, null);
      const ntk = go(k.ntk, k.n1 * k.n2, 0, nngp); // K_new + w2·conv(Θ)
      const cov1 = go(k.cov1, k.n1, b2, null);
      const cov2 = k.cov2 === k.cov1 ? cov1 : go(k.cov2, k.n2, b2, null);
      return { ...k, spatial: [oh, ow], channels: outChannels, nngp, ntk, cov1, cov2, isGaussian: true };
    },
    positionStep(k) {
      if (k.spatial.length !== 2) return null;
      const [H, W] = k.spatial as [number, number], [outH, outW] = outSize(H, W);
      const step = { op: 'conv', conv: { blocks: 0, h: H, w: W, kh, kw, stride, padH, padW, outH, outW, circular, scale: w2, shift: b2 } } as const;
      return { step, out: { spatial: [outH, outW], channels: outChannels, isGaussian: true } };
    },
  };
}

/** Reduce each [P, P] block of a kernel to one number with the given position weights. */
function reducePositions(k: Kernel, diagonalOnly: boolean, channels: number): Kernel {
  if (k.diagonalSpatial) {
    if (!diagonalOnly) refuseDiagonalSpatial('globalAvgPool', k);
    const P = positionsOf(k);
    const mean = (v: Float64Array, blocks: number) => Float64Array.from({ length: blocks }, (_, b) => v.subarray(b * P, (b + 1) * P).reduce((s, x) => s + x, 0) / P);
    const cov1 = mean(k.cov1, k.n1);
    return { ...k, spatial: [], channels, nngp: mean(k.nngp, k.n1 * k.n2), ntk: mean(k.ntk, k.n1 * k.n2), cov1, cov2: k.cov2 === k.cov1 ? cov1 : mean(k.cov2, k.n2), diagonalSpatial: false };
  }
  const P = positionsOf(k), backend = getBackend();
  const reduce = (v: Float64Array, blocks: number): Float64Array => {
    const out = new Float64Array(blocks);
    backend.positionReduce(blocks, P, diagonalOnly, v, out);
    return out;
  };
  const cov1 = reduce(k.cov1, k.n1);
  return {
    ...k, spatial: [], channels, nngp: reduce(k.nngp, k.n1 * k.n2), ntk: reduce(k.ntk, k.n1 * k.n2),
    cov1, cov2: k.cov2 === k.cov1 ? cov1 : reduce(k.cov2, k.n2),
  };
}

/** [C, H, W] → [C·H·W]. */
export const flatten = (): Layer => elementwiseLayer('flatten', {
  shape: (s) => [s.reduce((a, b) => a * b, 1)],
  apply: (x) => reshape(x, [x.shape[0]!, x.size / x.shape[0]!]),
  // not Gaussian afterwards (neural-tangents): the flattened features at different positions are not i.i.d.
  kernel: (k) => (k.spatial.length === 0 ? k : { ...reducePositions(k, true, k.channels * positionsOf(k)), isGaussian: false }),
  positionStep: (k) => (k.spatial.length === 2 ? { step: { op: 'reduce', positions: positionsOf(k), diagonalOnly: true }, out: { spatial: [], channels: k.channels * positionsOf(k), isGaussian: false } } : null),
});

/** [C, H, W] → [C], the mean over positions. */
export const globalAvgPool = (): Layer => elementwiseLayer('globalAvgPool', {
  shape: (s) => [imageShape('globalAvgPool', s)[0]],
  apply: (x) => {
    if (x.rank !== 4) throw shapeError('globalAvgPool', 'x', '[N, C, H, W]', x.shape);
    return mean(x, [2, 3]);
  },
  kernel: (k) => {
    if (k.spatial.length !== 2) throw shapeError('globalAvgPool', 'kernel', 'a kernel of images', `spatial [${k.spatial.join(', ')}]`);
    return reducePositions(k, false, k.channels);
  },
  positionStep: (k) => (k.spatial.length === 2 ? { step: { op: 'reduce', positions: positionsOf(k), diagonalOnly: false }, out: { ...k, spatial: [] } } : null),
});
