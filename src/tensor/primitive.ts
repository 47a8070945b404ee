// The primitive contract, in two exhaustive tables over `PrimitiveParams`:
//   Primitive<N>  shape rule + forward kernel, declared in ops/*.ts and collected in table.ts;
//   VjpRule<N>    the reverse-mode rule, all of them in gradients.ts (as tinygrad's and jax-js's rule tables).
// Both tables are mapped types over PrimitiveName, so a primitive without a forward or without a VJP
// does not compile. Forward primitives never import their gradients, which keeps ops/ acyclic.
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
  halfWeightMatmul: { format: 'bf16' | 'f16' };
  cachedAttention: { heads: number; kvHeads: number; headDim: number; scale: number; start: number };
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
  rmsNormalize: { eps: number };
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

/** The forward half of a primitive: what tape.apply runs. */
export interface Primitive<N extends PrimitiveName> {
  readonly name: N;
  /**
   * Validate the inputs and every parameter and give the output's shape and dtype; errors name the op and
   * argument. No backend kernel ever sees inputs or parameters that infer did not accept.
   */
  infer(inputs: readonly Tensor[], params: PrimitiveParams[N]): OutputSpec;
  /** Compute the output's elements (a new array, or an input's storage for pure views like reshape). */
  forward(inputs: readonly Tensor[], params: PrimitiveParams[N], out: OutputSpec): TypedArray;
}

/**
 * The VJP of primitive N: the cotangent of each input given the output cotangent `g` (same shape as the
 * output `out`); null where an input has no gradient (integer inputs, piecewise-constant ops).
 * Rules are written with tensor ops and run with recording off.
 */
export type VjpRule<N extends PrimitiveName> =
  (g: Tensor, inputs: readonly Tensor[], out: Tensor, params: PrimitiveParams[N]) => readonly (Tensor | null)[];

export type PrimitiveTable = { readonly [N in PrimitiveName]: Primitive<N> };
export type VjpTable = { readonly [N in PrimitiveName]: VjpRule<N> };
