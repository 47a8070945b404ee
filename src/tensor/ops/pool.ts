// 2-D max and average pooling over x [N, C, H, W] (PyTorch semantics). The loops are backend kernels
// (cpu reference, native); the VJPs (backend kernels too) are in ../gradients.ts. The shape rule validates
// every parameter, so no backend ever receives an invalid Pool2dParams.
import { isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import { pool2dOutputSize, type Pool2dParams } from '../../backend/kernels.js';
import { apply } from '../tape.js';
import type { Pool2dOptionsResolved, Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { checkInts, checkOutputSize } from './params.js';

export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** Defaults to kernelSize. */
  stride?: number | [number, number];
  padding?: number | [number, number];
}

/** The kernel parameters of a pooling of x under resolved options (infer has validated them). */
export function poolParams(x: Tensor, o: Pool2dOptionsResolved): Pool2dParams {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const window = { h, w, kh: o.kernel[0], kw: o.kernel[1], strideH: o.stride[0], strideW: o.stride[1], padH: o.padding[0], padW: o.padding[1] };
  const [outH, outW] = pool2dOutputSize(window);
  return { n, c, ...window, outH, outW };
}

function poolPrimitive<N extends 'maxPool2d' | 'avgPool2d'>(name: N): Primitive<N> {
  return {
    name,
    infer: ([x], o) => {
      if (x!.rank !== 4) throw shapeError(name, 'x', '[N, C, H, W]', x!.shape);
      if (!isFloat(x!.dtype)) throw dtypeError(name, 'x', 'f32 or f64', x!.dtype);
      checkInts(name, 'kernelSize', o.kernel, 2, 1, '[kH, kW]');
      checkInts(name, 'stride', o.stride, 2, 1, '[strideH, strideW]');
      checkInts(name, 'padding', o.padding, 2, 0, '[padH, padW]');
      if (o.padding[0] * 2 > o.kernel[0] || o.padding[1] * 2 > o.kernel[1]) throw rangeError(name, 'padding', 'at most half the kernel size', o.padding);
      const p = poolParams(x!, o);
      if (p.outH < 1 || p.outW < 1) throw shapeError(name, 'x', 'spatial size at least the kernel size', x!.shape);
      const shape = [p.n, p.c, p.outH, p.outW];
      checkOutputSize(name, shape, '[N, C, outH, outW]');
      return { shape, dtype: x!.dtype };
    },
    forward: ([x], o, out) => {
      const backend = getBackend();
      const y = backend.allocateOutput(out.dtype, out.shape.reduce((a, b) => a * b, 1)) as FloatArray;
      if (name === 'maxPool2d') backend.maxPool2d(poolParams(x!, o), x!.data as FloatArray, y);
      else backend.avgPool2d(poolParams(x!, o), x!.data as FloatArray, y);
      return y;
    },
  };
}

export const maxPool2dPrimitive = poolPrimitive('maxPool2d');
export const avgPool2dPrimitive = poolPrimitive('avgPool2d');

/** A number or a pair as a pair (anything else is passed on for the shape rule to reject). */
const pair = (v: number | [number, number] | undefined, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;

/** The option forms as the primitive's parameters; poolPrimitive's infer validates them. */
function resolvePool(o: Pool2dOptions): Pool2dOptionsResolved {
  const kernel = pair(o.kernelSize, NaN);
  return { kernel, stride: o.stride === undefined ? kernel : pair(o.stride, 1), padding: pair(o.padding, 0) };
}

/** Max over kH×kW windows of x [N, C, H, W]; padding cells never win (PyTorch semantics). */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(maxPool2dPrimitive, [x], resolvePool(options));
}

/** Mean over kH×kW windows; padded cells count as zeros in the divisor (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return apply(avgPool2dPrimitive, [x], resolvePool(options));
}
