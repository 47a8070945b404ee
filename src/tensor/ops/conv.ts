// Convolution and pooling: conv2d (stride, padding, dilation, groups), conv1d on top of it,
// max-pool and avg-pool 2d. The heavy loops are backend kernels (cpu reference, wasm im2col, native);
// the VJPs (backend kernels too) are in ../gradients.ts.
import { allocate, isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import type { Conv2dParams, Pool2dParams } from '../../backend/kernels.js';
import { apply } from '../tape.js';
import type { Conv2dOptionsResolved, Pool2dOptionsResolved, Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Symmetric p, [pH, pW], or [top, bottom, left, right]. */
  padding?: number | [number, number] | [number, number, number, number];
  dilation?: number | [number, number];
  groups?: number;
}

const pair = (op: string, name: string, v: number | [number, number] | undefined, dflt: number, min: number): [number, number] => {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) throw rangeError(op, name, `integers ≥ ${min}`, p);
  return p;
};

/** The kernel parameters of conv2d(x, w) under resolved options (infer has validated them). */
export function convParams(x: Tensor, w: Tensor, o: Conv2dOptionsResolved): Conv2dParams {
  const [n, cIn, h, wd] = x.shape as [number, number, number, number];
  const [cOut, , kh, kw] = w.shape as [number, number, number, number];
  const [padTop, padBottom, padLeft, padRight] = o.padding;
  const outH = Math.floor((h + padTop + padBottom - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const outW = Math.floor((wd + padLeft + padRight - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  return {
    n, cIn, h, w: wd, cOut, kh, kw, strideH: o.stride[0], strideW: o.stride[1], padTop, padBottom, padLeft, padRight,
    dilationH: o.dilation[0], dilationW: o.dilation[1], groups: o.groups, outH, outW,
  };
}

export const conv2dPrimitive: Primitive<'conv2d'> = {
  name: 'conv2d',
  infer: ([x, w], o) => {
    if (x!.rank !== 4) throw shapeError('conv2d', 'x', '[N, C, H, W]', x!.shape);
    if (w!.rank !== 4) throw shapeError('conv2d', 'weight', '[Cout, Cin/groups, kH, kW]', w!.shape);
    if (!isFloat(x!.dtype)) throw dtypeError('conv2d', 'x', 'f32 or f64', x!.dtype);
    if (w!.dtype !== x!.dtype) throw dtypeError('conv2d', 'weight', x!.dtype, w!.dtype);
    const p = convParams(x!, w!, o);
    if (p.cIn % o.groups !== 0 || p.cOut % o.groups !== 0) throw shapeError('conv2d', 'groups', `a divisor of Cin=${p.cIn} and Cout=${p.cOut}`, o.groups);
    if (w!.shape[1] !== p.cIn / o.groups) throw shapeError('conv2d', 'weight', `dimension 1 = Cin/groups = ${p.cIn / o.groups}`, w!.shape);
    if (p.outH < 1 || p.outW < 1) throw shapeError('conv2d', 'x', `a padded input at least as large as the dilated kernel`, x!.shape);
    return { shape: [p.n, p.cOut, p.outH, p.outW], dtype: x!.dtype };
  },
  forward: ([x, w], o, out) => {
    const y = allocate(out.dtype, out.shape.reduce((a, b) => a * b, 1)) as FloatArray;
    getBackend().conv2d(convParams(x!, w!, o), x!.data as FloatArray, w!.data as FloatArray, y);
    return y;
  },
};

function resolveConv2d(op: string, options: Conv2dOptions): Conv2dOptionsResolved {
  const pd = options.padding ?? 0;
  const padding: [number, number, number, number] = typeof pd === 'number' ? [pd, pd, pd, pd]
    : pd.length === 2 ? [pd[0], pd[0], pd[1], pd[1]] : [pd[0], pd[1], pd[2], pd[3]];
  if (!padding.every((v) => Number.isInteger(v) && v >= 0)) throw rangeError(op, 'padding', 'non-negative integers', padding);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw rangeError(op, 'groups', 'a positive integer', groups);
  return { stride: pair(op, 'stride', options.stride, 1, 1), padding, dilation: pair(op, 'dilation', options.dilation, 1, 1), groups };
}

/** x [N, Cin, H, W] ⋆ weight [Cout, Cin/groups, kH, kW] → [N, Cout, outH, outW] (cross-correlation, as PyTorch). */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return apply(conv2dPrimitive, [x, weight], resolveConv2d('conv2d', options));
}

export interface Conv1dOptions {
  stride?: number;
  /** Symmetric p or [left, right]; causal convolution is [k − 1, 0]. */
  padding?: number | [number, number];
  dilation?: number;
  groups?: number;
}

/**
 * x [N, Cin, L] ⋆ weight [Cout, Cin/groups, k] → [N, Cout, outL]: conv2d over a height-1 image.
 * Depthwise causal (Mamba's short convolution): groups = Cin, padding [k − 1, 0].
 */
export function conv1d(x: Tensor, weight: Tensor, options: Conv1dOptions = {}): Tensor {
  if (x.rank !== 3) throw shapeError('conv1d', 'x', '[N, C, L]', x.shape);
  if (weight.rank !== 3) throw shapeError('conv1d', 'weight', '[Cout, Cin/groups, k]', weight.shape);
  const pd = options.padding ?? 0;
  const [left, right] = typeof pd === 'number' ? [pd, pd] : pd;
  const y = conv2d(reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]), reshape(weight, [weight.shape[0]!, weight.shape[1]!, 1, weight.shape[2]!]), {
    stride: [1, options.stride ?? 1], padding: [0, 0, left, right], dilation: [1, options.dilation ?? 1], groups: options.groups ?? 1,
  });
  return reshape(y, [y.shape[0]!, y.shape[1]!, y.shape[3]!]);
}

export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** Defaults to kernelSize. */
  stride?: number | [number, number];
  padding?: number | [number, number];
}

/** The kernel parameters of a pooling of x under resolved options (infer has validated them). */
export function poolParams(x: Tensor, o: Pool2dOptionsResolved): Pool2dParams {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const outH = Math.floor((h + 2 * o.padding[0] - o.kernel[0]) / o.stride[0]) + 1;
  const outW = Math.floor((w + 2 * o.padding[1] - o.kernel[1]) / o.stride[1]) + 1;
  return { n, c, h, w, kh: o.kernel[0], kw: o.kernel[1], strideH: o.stride[0], strideW: o.stride[1], padH: o.padding[0], padW: o.padding[1], outH, outW };
}

function poolPrimitive<N extends 'maxPool2d' | 'avgPool2d'>(name: N): Primitive<N> {
  return {
    name,
    infer: ([x], o) => {
      if (x!.rank !== 4) throw shapeError(name, 'x', '[N, C, H, W]', x!.shape);
      if (!isFloat(x!.dtype)) throw dtypeError(name, 'x', 'f32 or f64', x!.dtype);
      if (o.padding[0] * 2 > o.kernel[0] || o.padding[1] * 2 > o.kernel[1]) throw rangeError(name, 'padding', 'at most half the kernel size', o.padding);
      const p = poolParams(x!, o);
      if (p.outH < 1 || p.outW < 1) throw shapeError(name, 'x', 'spatial size at least the kernel size', x!.shape);
      return { shape: [p.n, p.c, p.outH, p.outW], dtype: x!.dtype };
    },
    forward: ([x], o, out) => {
      const y = allocate(out.dtype, out.shape.reduce((a, b) => a * b, 1)) as FloatArray;
      const backend = getBackend();
      if (name === 'maxPool2d') backend.maxPool2d(poolParams(x!, o), x!.data as FloatArray, y);
      else backend.avgPool2d(poolParams(x!, o), x!.data as FloatArray, y);
      return y;
    },
  };
}

export const maxPool2dPrimitive = poolPrimitive('maxPool2d');
export const avgPool2dPrimitive = poolPrimitive('avgPool2d');

function resolvePool(op: string, o: Pool2dOptions): Pool2dOptionsResolved {
  const kernel = pair(op, 'kernelSize', o.kernelSize, 1, 1);
  return { kernel, stride: o.stride === undefined ? kernel : pair(op, 'stride', o.stride, 1, 1), padding: pair(op, 'padding', o.padding, 0, 0) };
}

/** Max over kH×kW windows of x [N, C, H, W]; padding cells never win (PyTorch semantics). */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(maxPool2dPrimitive, [x], resolvePool('maxPool2d', options));
}

/** Mean over kH×kW windows; padded cells count as zeros in the divisor (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(avgPool2dPrimitive, [x], resolvePool('avgPool2d', options));
}
