// The accelerated kernels: the hot loops a fast backend may replace.
// Every kernel here has a plain-loop reference in cpu/ that is its specification;
// all other primitives (elementwise, reductions, movement) run on cpu/ directly.
import type { FloatArray } from '../core/dtype.js';

/**
 * Batched GEMM: C[b] = op(A[b]) · op(B[b]) for b < batch, C contiguous [batch, m, n].
 * op(A) is [m, k]: A is stored [m, k] row-major, or [k, m] when transA.
 * op(B) is [k, n]: B is stored [k, n] row-major, or [n, k] when transB.
 * aOffsets[b] / bOffsets[b] are the element offsets of batch b's matrices (repeats broadcast).
 * A, B and C share one dtype. C is overwritten.
 */
export interface GemmParams {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  batch: number;
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch):
 * x [n, cIn, h, w], weight [cOut, cIn / groups, kh, kw], y [n, cOut, outH, outW] with
 * outH = floor((h + padTop + padBottom - dilationH·(kh-1) - 1) / strideH) + 1 (likewise outW).
 */
export interface Conv2dParams {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  outH: number;
  outW: number;
}

/**
 * Constant fan-in sparse matmul: every output unit o reads exactly `fanIn` inputs
 * indices[o, j] with weights values[o, j]:  y[b, o] = Σ_j values[o, j] · x[b, indices[o, j]].
 */
export interface FanInParams {
  batch: number;
  inFeatures: number;
  outFeatures: number;
  fanIn: number;
  /**
   * The caller has checked every index against inFeatures (the fanInMatmul tensor op does, once per indices
   * tensor). Kernels then skip their own bound tracking; out-of-range indices would give wrong numbers
   * (never memory unsafety: wasm reads stay inside its memory or trap). Default false: kernels check.
   */
  indicesValidated?: boolean;
}

export type FanInIndices = Uint16Array | Int32Array;

export interface AcceleratedKernels {
  gemm(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray): void;
  /** y (overwritten) = conv2d(x, weight). */
  conv2d(p: Conv2dParams, x: FloatArray, weight: FloatArray, y: FloatArray): void;
  /** dx (overwritten) = ∂⟨dy, conv2d(x, weight)⟩/∂x. */
  conv2dBackwardInput(p: Conv2dParams, dy: FloatArray, weight: FloatArray, dx: FloatArray): void;
  /** dweight (overwritten) = ∂⟨dy, conv2d(x, weight)⟩/∂weight. */
  conv2dBackwardFilter(p: Conv2dParams, x: FloatArray, dy: FloatArray, dweight: FloatArray): void;
  /** Batch-major: x [batch, in], values [out, fanIn], indices [out, fanIn], y [batch, out] (overwritten). */
  fanInMatmul(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void;
  /** Feature-major: x [in, batch], y [out, batch] (overwritten); the layout fast batched inference wants. */
  fanInMatmulFeatureMajor(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void;
}

/** A backend: a name, its thread count and the accelerated kernels it implements (all of them, f64 may delegate). */
export interface Backend extends AcceleratedKernels {
  readonly name: string;
  readonly threads: number;
}
