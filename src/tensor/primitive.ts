// The primitive contract: every primitive declares its shape rule, forward kernel and VJP together.
// `PrimitiveTable` is a mapped type over `PrimitiveParams`, so a primitive without a rule
// (or a rule without a VJP) is a compile error in table.ts.
import type { DType, TypedArray } from '../core/dtype.js';
import type { Tensor } from './tensor.js';

export type Empty = Record<string, never>;

export interface Conv2dOptionsResolved {
  stride: [number, number];
  /** [top, bottom, left, right] */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

export interface Pool2dOptionsResolved {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** Parameters of every primitive, by name. */
export interface PrimitiveParams {
  // unary elementwise
  neg: Empty; exp: Empty; log: Empty; sqrt: Empty; tanh: Empty; erf: Empty; sigmoid: Empty;
  relu: Empty; gelu: Empty; silu: Empty; softplus: Empty; abs: Empty; sign: Empty; sin: Empty; cos: Empty;
  // binary elementwise (broadcasting)
  add: Empty; sub: Empty; mul: Empty; div: Empty; pow: Empty; maximum: Empty; minimum: Empty;
  // comparisons (u8 results, no gradient)
  equal: Empty; notEqual: Empty; less: Empty; lessEqual: Empty; greater: Empty; greaterEqual: Empty;
  where: Empty;
  cast: { dtype: DType };
  // reductions
  sum: { axes: number[]; keepdims: boolean };
  max: { axes: number[]; keepdims: boolean };
  // linear algebra
  matmul: { transA: boolean; transB: boolean };
  fanInMatmul: Empty;
  // movement
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  broadcastTo: { shape: number[] };
  slice: { starts: number[]; steps: number[]; shape: number[] };
  pad: { pads: [number, number][]; value: number };
  concat: { axis: number };
  // indexing
  take: { axis: number };
  takeAlongAxis: { axis: number };
  scatterAdd: { axis: number };
  cumsum: { axis: number; reverse: boolean };
  // normalisation
  batchNorm: { eps: number };
  // softmax family (fused)
  softmax: { axis: number };
  logSoftmax: { axis: number };
  softmaxCrossEntropy: Empty;
  // convolution and pooling
  conv2d: Conv2dOptionsResolved;
  maxPool2d: Pool2dOptionsResolved;
  avgPool2d: Pool2dOptionsResolved;
}

export type PrimitiveName = keyof PrimitiveParams;

export interface OutputSpec {
  shape: number[];
  dtype: DType;
}

export interface Primitive<N extends PrimitiveName> {
  readonly name: N;
  /** Validate the inputs and give the output's shape and dtype; errors name the op and argument. */
  infer(inputs: readonly Tensor[], params: PrimitiveParams[N]): OutputSpec;
  /** Compute the output's elements (a new array, or an input's storage for pure views like reshape). */
  forward(inputs: readonly Tensor[], params: PrimitiveParams[N], out: OutputSpec): TypedArray;
  /**
   * Cotangent of each input given the output cotangent `g` (same shape as the output);
   * null where an input has no gradient (integer inputs, piecewise-constant ops).
   */
  vjp(g: Tensor, inputs: readonly Tensor[], out: Tensor, params: PrimitiveParams[N]): readonly (Tensor | null)[];
}

export type PrimitiveTable = { readonly [N in PrimitiveName]: Primitive<N> };
