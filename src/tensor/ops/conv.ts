// Convolution: conv2d (stride, padding, dilation, groups) and conv1d on top of it. The heavy loops are
// backend kernels (cpu reference, wasm im2col, native); the VJP (backend kernels too) is in ../gradients.ts.
// The shape rule validates every parameter, so no backend ever receives an invalid Conv2dParams.
import { isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, shapeError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import { conv2dOutputSize, type Conv2dParams } from '../../backend/kernels.js';
import { apply } from '../tape.js';
import type { Conv2dOptionsResolved, Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { checkInts, checkOutputSize } from './params.js';
import { reshape } from './shape.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Symmetric p, [pH, pW], or [top, bottom, left, right]. */
  padding?: number | [number, number] | [number, number, number, number];
  dilation?: number | [number, number];
  groups?: number;
}

/** The kernel parameters of conv2d(x, w) under resolved options (infer has validated them). */
export function convParams(x: Tensor, w: Tensor, o: Conv2dOptionsResolved): Conv2dParams {
  const [n, cIn, h, wd] = x.shape as [number, number, number, number];
  const [cOut, , kh, kw] = w.shape as [number, number, number, number];
  const [padTop, padBottom, padLeft, padRight] = o.padding;
  const geometry = {
    h, w: wd, kh, kw, strideH: o.stride[0], strideW: o.stride[1], padTop, padBottom, padLeft, padRight, dilationH: o.dilation[0], dilationW: o.dilation[1],
  };
  const [outH, outW] = conv2dOutputSize(geometry);
  return { n, cIn, cOut, ...geometry, groups: o.groups, outH, outW };
}

export const conv2dPrimitive: Primitive<'conv2d'> = {
  name: 'conv2d',
  infer: ([x, w], o) => {
    if (x!.rank !== 4) throw shapeError('conv2d', 'x', '[N, C, H, W]', x!.shape);
    if (w!.rank !== 4) throw shapeError('conv2d', 'weight', '[Cout, Cin/groups, kH, kW]', w!.shape);
    if (!isFloat(x!.dtype)) throw dtypeError('conv2d', 'x', 'f32 or f64', x!.dtype);
    if (w!.dtype !== x!.dtype) throw dtypeError('conv2d', 'weight', x!.dtype, w!.dtype);
    checkInts('conv2d', 'stride', o.stride, 2, 1, '[strideH, strideW]');
    checkInts('conv2d', 'padding', o.padding, 4, 0, '[top, bottom, left, right]');
    checkInts('conv2d', 'dilation', o.dilation, 2, 1, '[dilationH, dilationW]');
    checkInts('conv2d', 'groups', o.groups, 1, 1, 'the number of channel groups');
    const [cIn, cOut, kh, kw] = [x!.shape[1]!, w!.shape[0]!, w!.shape[2]!, w!.shape[3]!];
    if (kh < 1 || kw < 1) throw shapeError('conv2d', 'weight', 'a kernel of at least 1×1 ([Cout, Cin/groups, kH ≥ 1, kW ≥ 1])', w!.shape);
    if (cIn % o.groups !== 0 || cOut % o.groups !== 0) throw shapeError('conv2d', 'groups', `a divisor of Cin=${cIn} and Cout=${cOut}`, o.groups);
    if (w!.shape[1] !== cIn / o.groups) throw shapeError('conv2d', 'weight', `dimension 1 = Cin/groups = ${cIn / o.groups}`, w!.shape);
    const p = convParams(x!, w!, o);
    if (p.outH < 1 || p.outW < 1) throw shapeError('conv2d', 'x', `a padded input at least as large as the dilated kernel`, x!.shape);
    const shape = [p.n, p.cOut, p.outH, p.outW];
    checkOutputSize('conv2d', shape, '[N, Cout, outH, outW]');
    return { shape, dtype: x!.dtype };
  },
  forward: ([x, w], o, out) => {
    const y = getBackend().allocateOutput(out.dtype, out.shape.reduce((a, b) => a * b, 1)) as FloatArray;
    getBackend().conv2d(convParams(x!, w!, o), x!.data as FloatArray, w!.data as FloatArray, y);
    return y;
  },
};

/** A number or a pair as a pair (anything else is passed on for the shape rule to reject). */
const pair = (v: number | [number, number] | undefined, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;

/** The option forms of conv2d as the primitive's parameters; conv2dPrimitive.infer validates them. */
function resolveConv2d(options: Conv2dOptions): Conv2dOptionsResolved {
  const pd = options.padding ?? 0;
  const padding = (typeof pd === 'number' ? [pd, pd, pd, pd] : Array.isArray(pd) && pd.length === 2 ? [pd[0], pd[0], pd[1], pd[1]] : pd) as Conv2dOptionsResolved['padding'];
  return { stride: pair(options.stride, 1), padding, dilation: pair(options.dilation, 1), groups: options.groups ?? 1 };
}

/** x [N, Cin, H, W] ⋆ weight [Cout, Cin/groups, kH, kW] → [N, Cout, outH, outW] (cross-correlation, as PyTorch). */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return apply(conv2dPrimitive, [x, weight], resolveConv2d(options));
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
  const { stride = 1, dilation = 1, groups = 1 } = options;
  const pd = options.padding ?? 0;
  const padding = typeof pd === 'number' ? [pd, pd] : pd;
  // Checked here too, so that the errors name conv1d and its own option forms.
  checkInts('conv1d', 'stride', stride, 1, 1, 'the step along L');
  checkInts('conv1d', 'padding', padding, 2, 0, '[left, right]');
  checkInts('conv1d', 'dilation', dilation, 1, 1, 'the spacing of kernel taps');
  checkInts('conv1d', 'groups', groups, 1, 1, 'the number of channel groups');
  const y = conv2d(reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]), reshape(weight, [weight.shape[0]!, weight.shape[1]!, 1, weight.shape[2]!]), {
    stride: [1, stride], padding: [0, 0, padding[0]!, padding[1]!], dilation: [1, dilation], groups,
  });
  return reshape(y, [y.shape[0]!, y.shape[1]!, y.shape[3]!]);
}
