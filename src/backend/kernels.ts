// The Backend seam: every hot loop of the engine, which a backend may own.
// Every kernel here has a plain-loop reference in cpu/ that is its specification; the cold ones
// (movement, indexing, where, cast) run on cpu/ directly. A backend that does not accelerate a kernel
// for some dtype delegates to cpu/ (wasm: everything but f32 GEMM/conv/fan-in; native: non-float dtypes).
import type { DType, FloatArray, TypedArray } from '../core/dtype.js';
import type { Shape } from '../core/shape.js';
import type { SymmetricEigen } from '../core/linalg.js';

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

type Conv2dGeometry = Pick<Conv2dParams, 'h' | 'w' | 'kh' | 'kw' | 'strideH' | 'strideW' | 'padTop' | 'padBottom' | 'padLeft' | 'padRight' | 'dilationH' | 'dilationW'>;

/** [outH, outW] of a convolution (the formula above); < 1 when the dilated kernel exceeds the padded input. */
export function conv2dOutputSize(p: Conv2dGeometry): [number, number] {
  return [
    Math.floor((p.h + p.padTop + p.padBottom - p.dilationH * (p.kh - 1) - 1) / p.strideH) + 1,
    Math.floor((p.w + p.padLeft + p.padRight - p.dilationW * (p.kw - 1) - 1) / p.strideW) + 1,
  ];
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
   * tensor). The wasm kernels then skip their own bound tracking (unchecked bad indices give wrong numbers; reads
   * stay inside wasm memory or trap); native checks ranges inside its loops regardless. Default false.
   */
  indicesValidated?: boolean;
}

export type FanInIndices = Uint16Array | Int32Array;

/** How a weight matrix is stored: bfloat16 or IEEE binary16 words (Uint16Array), or float32. */
export type WeightDType = 'bf16' | 'f16' | 'f32';

/**
 * GEMV over a weight kept in its stored dtype, for decode (rows = the tokens of one step: 1–8):
 *   y[r, o] = Σ_i x[r, i] · w[o, i]   for r < rows, o < outWidth, i < inWidth
 * x [rows, inWidth] f32, w [outWidth, inWidth] row-major (a PyTorch Linear weight: y = x · wᵀ), y [rows, outWidth]
 * f32 (overwritten). bf16 / f16 words are widened to f32 exactly on the fly (bf16: bits << 16; f16: IEEE
 * binary16 with subnormals, ±Infinity, NaN), so the weight is read once, at 2 bytes per element.
 * Precision: the cpu reference sums each y[r, o] in float64 in i order and rounds once; fast kernels sum in
 * float32 over several partial sums (their order is documented beside each kernel), the same way for any
 * thread count; they differ from the reference by at most (inWidth + 2)·2⁻²⁴·Σ_i |x[r, i]·w[o, i]|.
 */
export interface WeightGemvParams {
  rows: number;
  inWidth: number;
  outWidth: number;
  dtype: WeightDType;
}

/**
 * Causal attention of `queries` query rows over the first `keys` rows of a key/value cache (batch 1):
 * q [queries, heads·headDim], keys and values [keys, kvHeads·headDim], out [queries, heads·headDim];
 * query i sits at position start + i and sees keys j ≤ start + i; head h reads KV head ⌊h / (heads/kvHeads)⌋.
 */
export interface CachedAttentionParams {
  queries: number;
  keys: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  start: number;
}

/** One decode step of Mamba2's SSD (backend/cpu/ssdStep.ts): H heads of P channels, state size N, G groups of B/C. */
export interface SsdStepParams {
  heads: number;
  headDim: number;
  stateSize: number;
  groups: number;
}

/** A weight's storage: Uint16Array words for bf16 / f16, Float32Array for f32. */
export type WeightArray = Uint16Array | Float32Array;

/** Pooling over x [n, c, h, w] → y [n, c, outH, outW]; symmetric implicit padding padH / padW. */
export interface Pool2dParams {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; strideH: number; strideW: number; padH: number; padW: number;
  outH: number; outW: number;
}

/** [outH, outW] of a pooling window sweep: floor((h + 2·padH − kh) / strideH) + 1 (likewise W). */
export function pool2dOutputSize(p: Pick<Pool2dParams, 'h' | 'w' | 'kh' | 'kw' | 'strideH' | 'strideW' | 'padH' | 'padW'>): [number, number] {
  return [Math.floor((p.h + 2 * p.padH - p.kh) / p.strideH) + 1, Math.floor((p.w + 2 * p.padW - p.kw) / p.strideW) + 1];
}

/** Batch norm over x [n, c, s] (s = product of the spatial dims, 1 for [N, C]). */
export interface BatchNormDims {
  n: number;
  c: number;
  /** Elements per (sample, channel): product of the spatial dimensions. */
  s: number;
}

/** Softmax along one axis of x viewed as [outer, n, inner]: the axis has n entries at stride inner. */
export interface SoftmaxDims {
  outer: number;
  n: number;
  inner: number;
}

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'erf' | 'sigmoid' | 'relu' | 'gelu' | 'silu' | 'softplus' | 'abs' | 'sign' | 'sin' | 'cos';
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

/**
 * The scalars of one SGD update of a parameter (optim/sgd.ts has the formulas), each already rounded to
 * the parameter's precision: p ← p − η·d with d from the gradient, L2 or decoupled decay and momentum.
 */
export interface SgdStep {
  /** −η */
  negLr: number;
  /** μ and 1 − τ (used only with a momentum buffer). */
  momentum: number;
  keep: number;
  /** λ for L2 decay (0: none), and 1 − η·λ for decoupled decay. */
  l2: number;
  decay: number;
  decoupled: boolean;
  nesterov: boolean;
  /** The parameter's first update: the momentum buffer starts from the gradient. */
  first: boolean;
}

/** The scalars of one Adam/AdamW update (optim/adam.ts has the formulas), rounded to the parameter's precision. */
export interface AdamStep {
  /** −η/(1 − β1ᵗ) and √(1 − β2ᵗ). */
  negStepSize: number;
  bc2Sqrt: number;
  beta1: number;
  beta2: number;
  /** 1 − β1 and 1 − β2. */
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  eps: number;
  l2: number;
  decay: number;
  decoupled: boolean;
}

// ---- infinite-width kernels of images (infinite/): per pair of inputs a [P, P] block of position covariances
// K[p, q] (P = H·W), float64, blocks stacked row-major. A `self` set pairs input i with itself (the self-covariances
// [n, P, P]); otherwise block b = i·n2 + j pairs x1_i with x2_j.

/**
 * The input kernel per position pair: out[i, j, p, q] = (Σ_c x1[i, c, p]·x2[j, c, q]) / C, summed in c order (so a
 * self block is exactly symmetric); self: n2 = 1 and x2_j = x2_i (the self-covariances of x2 = x1 [n1, P, P]).
 */
export interface PositionGramParams {
  n1: number;
  n2: number;
  channels: number;
  positions: number;
  self: boolean;
}

/**
 * A convolution's map of `blocks` [P, P] blocks (images h×w → outH×outW, P = h·w, Q = outH·outW), infinite/conv.ts:
 *   out[b, o1, o2] = scale·((1/(kh·kw)) Σ_d src[b, s·o1 + d − pad, s·o2 + d − pad]) + shift (+ add[b, o1, o2])
 * over the filter taps d = (dh, dw); a tap whose position falls outside the image adds nothing, or, `circular`,
 * reads the position wrapped around (mod h, mod w).
 */
export interface PositionConvParams {
  blocks: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
  circular: boolean;
  scale: number;
  shift: number;
}

/**
 * Local pooling's map of `blocks` [P, P] blocks (infinite/pooling.ts): with window(o) the in-image positions of
 * output o's window×window window (stride, zero padding pad counted),
 *   out[b, o1, o2] = ((1/window⁴) Σ_{a ∈ window(o1), c ∈ window(o2)} src[b, a, c])·scale.
 */
export interface PositionPoolParams {
  blocks: number;
  h: number;
  w: number;
  window: number;
  stride: number;
  pad: number;
  outH: number;
  outW: number;
  scale: number;
}

/**
 * The closed-form elementwise maps of infinite/activations.ts for (u, v) ~ N(0, [[K11, K12], [K12, K22]]):
 * abRelu(a, b): φ = a·min(x, 0) + b·max(x, 0) (relu, leaky relu, abs); erf(a, b, c): φ = a·erf(b·x) + c.
 * Each gives K_new = E[φ(u)φ(v)] and K̇ = E[φ′(u)φ′(v)] (formulas in backend/cpu/pairMaps.ts).
 */
export type PairMapKind = { kind: 'abRelu'; a: number; b: number } | { kind: 'erf'; a: number; b: number; c: number };

/**
 * Where the pair map reads its variances. Blocks b = i·n2 + j (self: n2 = 1, j = i) of P·P entries K12[b, p, q]
 * with K11 = var1[i, p], K22 = var2[j, q]; `diagonal`: blocks of P entries K12[b, p] with K11 = var1[i, p],
 * K22 = var2[j, p] (diagonalSpatial kernels). Vectors are P = 1.
 */
export interface PairMapParams {
  n1: number;
  n2: number;
  positions: number;
  self: boolean;
  diagonal: boolean;
}

/**
 * One step of a fused image pipeline (positionPipeline), on the current [P, P] NNGP block K and NTK block Θ of a pair:
 *   conv    K ← positionConv(K; scale, shift), Θ ← positionConv(Θ; scale, 0) + K   (the new K)
 *   map     K ← K_new(var1, var2, K), Θ ← K̇ ⊙ Θ   (pairMap; var = the position variances of each input's self-covariance)
 *   pool    K ← positionPool(K), Θ ← positionPool(Θ)
 *   reduce  K, Θ ← positionReduce (the mean of the block or of its diagonal): the last step, P → 1
 * The self-covariances take the same steps (K only). `blocks` of the conv and pool parameters is unused (0).
 */
export type PositionStep =
  | { op: 'conv'; conv: PositionConvParams }
  | { op: 'map'; map: PairMapKind }
  | { op: 'pool'; pool: PositionPoolParams }
  | { op: 'reduce'; positions: number; diagonalOnly: boolean };

/**
 * The inputs of a fused pipeline: x1 [n1, C, P], x2 [n2, C, P]; `same`: x2 is x1 (n2 = n1, cov2 = cov1, the
 * kernel symmetric). Its input kernel is positionGram's (Θ = 0).
 */
export interface PositionPipelineParams {
  n1: number;
  n2: number;
  channels: number;
  positions: number;
  same: boolean;
}

/** The pipeline's outputs, overwritten: nngp, ntk [n1, n2] and the self-covariances cov1 [n1], cov2 [n2] (same: cov2 unused). */
export interface PositionPipelineOutputs {
  nngp: Float64Array;
  ntk: Float64Array;
  cov1: Float64Array;
  cov2: Float64Array;
}

export interface AcceleratedKernels {
  gemm(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray): void;
  /** y (overwritten) = conv2d(x, weight). */
  conv2d(p: Conv2dParams, x: FloatArray, weight: FloatArray, y: FloatArray): void;
  /** dx (overwritten) = ∂⟨dy, conv2d(x, weight)⟩/∂x. */
  conv2dBackwardInput(p: Conv2dParams, dy: FloatArray, weight: FloatArray, dx: FloatArray): void;
  /** dweight (overwritten) = ∂⟨dy, conv2d(x, weight)⟩/∂weight. */
  conv2dBackwardFilter(p: Conv2dParams, x: FloatArray, dy: FloatArray, dweight: FloatArray): void;
  /** y [rows, outWidth] (overwritten) = x [rows, inWidth] · wᵀ with w [outWidth, inWidth] in its stored dtype. */
  weightGemv(p: WeightGemvParams, x: Float32Array, w: WeightArray, y: Float32Array): void;
  /** Batch-major: x [batch, in], values [out, fanIn], indices [out, fanIn], y [batch, out] (overwritten). */
  fanInMatmul(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void;
  /** out (overwritten) = softmax(scale·q·keysᵀ, causal) · values, walking the cache position by position. */
  cachedAttention(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, values: FloatArray, out: FloatArray): void;
  /** dq, dkeys, dvalues (overwritten): the VJP of cachedAttention for the cotangent g. */
  cachedAttentionBackward(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, values: FloatArray, g: FloatArray, dq: FloatArray, dkeys: FloatArray, dvalues: FloatArray): void;
  /**
   * One SSD decode step: stateOut = exp(dt·A)·state + (x·dt) ⊗ B and y = stateOut·C + D·x per head (stateOut
   * may be state: in place). state/stateOut [H, P, N], x/y [H, P], dt/A/D [H], B/C [G, N].
   */
  ssdStep(p: SsdStepParams, state: FloatArray, x: FloatArray, dt: FloatArray, A: FloatArray, B: FloatArray, C: FloatArray, D: FloatArray, stateOut: FloatArray, y: FloatArray): void;
  /** Feature-major: x [in, batch], y [out, batch] (overwritten); the layout fast batched inference wants. */
  fanInMatmulFeatureMajor(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void;

  // ---- pooling (padded cells: −∞ for max, first maximum on ties, NaN wins; counted zeros for average)
  maxPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void;
  /** dx (overwritten): each output's gradient goes to its window's argmax. */
  maxPool2dBackward(p: Pool2dParams, x: FloatArray, dy: FloatArray, dx: FloatArray): void;
  avgPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray): void;
  avgPool2dBackward(p: Pool2dParams, dy: FloatArray, dx: FloatArray): void;

  // ---- batch normalisation with batch statistics (fused forward and backward)
  /** y = γ·(x − μ)/√(σ² + eps) + β; weight/bias null mean γ = 1, β = 0. */
  batchNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, eps: number, d: BatchNormDims, y: FloatArray): void;
  /** dx always; dweight / dbias when given (all overwritten). */
  batchNormBackward(x: FloatArray, weight: FloatArray | null, eps: number, d: BatchNormDims, g: FloatArray,
    dx: FloatArray, dweight: FloatArray | null, dbias: FloatArray | null): void;

  // ---- elementwise
  /** out[i] = op(x[i]), same dtype. */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;
  /** out = a op b with NumPy broadcasting of aShape and bShape to outShape (u8 out for comparisons). */
  binary(op: ArithmeticOp | CompareOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void;
  /** out[i] = g[i] if x[i] > 0 else 0. */
  reluBackward(g: TypedArray, x: TypedArray, out: TypedArray): void;

  // ---- reductions (double accumulation; max propagates NaN); out holds the kept dims, row-major
  reduceSum(x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void;
  reduceMax(x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void;

  /** y [rows, n] (overwritten) = x / √(mean of each row's x² + eps), float64 sums (the rmsNormalize primitive). */
  rmsNormalize(rows: number, n: number, eps: number, x: FloatArray, y: FloatArray): void;

  // ---- softmax family (fused forward and backward)
  /** out = softmax(x) (or log-softmax when log) along the axis of d. */
  softmax(d: SoftmaxDims, log: boolean, x: FloatArray, out: FloatArray): void;
  /** dx (overwritten) = VJP of softmax / log-softmax given its output y and cotangent g. */
  softmaxBackward(d: SoftmaxDims, log: boolean, y: FloatArray, g: FloatArray, dx: FloatArray): void;
  /** losses[r] = logsumexp(logits[r]) − logits[r, labels[r]] for logits [rows, classes]; labels must be in range. */
  softmaxCrossEntropy(rows: number, classes: number, logits: FloatArray, labels: Int32Array, losses: FloatArray): void;
  /** dlogits[r] = g[r]·(softmax(logits[r]) − onehot(labels[r])). */
  softmaxCrossEntropyBackward(rows: number, classes: number, logits: FloatArray, labels: Int32Array, g: FloatArray, dlogits: FloatArray): void;

  // ---- optimizer updates, in place, in the parameter's precision (every intermediate rounded to it)
  /** p (and the momentum buffer, when given) updated by one SGD step from gradient g. */
  sgdUpdate(s: SgdStep, p: FloatArray, g: FloatArray, momentum: FloatArray | null): void;
  /** p, m, v (and v̂ for amsgrad, when given) updated by one Adam step from gradient g. */
  adamUpdate(s: AdamStep, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null): void;

  // ---- float64 dense linear algebra (row-major [n, n] / [n, m])
  /** Lower-triangular L with A = L Lᵀ; a non-positive-definite A is a TesseraError naming `op`. */
  cholesky(a: Float64Array, n: number, op?: string): Float64Array;
  /** X [n, m] solving L X = B (or Lᵀ X = B when transpose) for lower-triangular L [n, n]. */
  solveTriangular(l: Float64Array, b: Float64Array, n: number, m: number, transpose: boolean): Float64Array;
  /** Eigenvalues ascending and unit eigenvectors as rows of a symmetric A [n, n]. */
  eighSym(a: Float64Array, n: number): SymmetricEigen;

  // ---- infinite-width image kernels on [P, P] position blocks (float64; the types above say what each computes)
  /** out [n1, n2, P, P] (overwritten) from x1 [n1, C, P], x2 [n2, C, P] (self: [n1, C, P]). */
  positionGram(p: PositionGramParams, x1: Float64Array, x2: Float64Array, out: Float64Array): void;
  /** out [blocks, Q, Q] (overwritten) from src [blocks, P, P] and add (null: none) [blocks, Q, Q]. */
  positionConv(p: PositionConvParams, src: Float64Array, add: Float64Array | null, out: Float64Array): void;
  /** out [blocks, Q, Q] (overwritten) from src [blocks, P, P]. */
  positionPool(p: PositionPoolParams, src: Float64Array, out: Float64Array): void;
  /** out[b] (overwritten) = (1/P²) Σ_{p,q} src[b, p, q], or with diagonalOnly (1/P) Σ_p src[b, p, p]. */
  positionReduce(blocks: number, positions: number, diagonalOnly: boolean, src: Float64Array, out: Float64Array): void;
  /**
   * out[b] (overwritten) = w·A_i (M[b] + alpha·M2[b]) B_jᵀ + c for [P, P] matrices, block b = i·n2 + j (self: n2 = 1,
   * B_j = B_i); A [n1, P, P], B [n2, P, P] (self: B = A), M, M2 (null: none) and out [n1·n2, P, P].
   */
  positionSandwich(p: { n1: number; n2: number; positions: number; self: boolean; w: number; c: number; alpha: number },
    A: Float64Array, B: Float64Array, M: Float64Array, M2: Float64Array | null, out: Float64Array): void;
  /**
   * A closed-form pair map over blocks (see PairMapParams): outNngp = K_new(var1, var2, nngp); outNtk = K̇·ntk
   * when ntk and outNtk are given (both null for self-covariances). All outputs overwritten.
   */
  pairMap(map: PairMapKind, p: PairMapParams, nngp: Float64Array, ntk: Float64Array | null, var1: Float64Array, var2: Float64Array,
    outNngp: Float64Array, outNtk: Float64Array | null): void;
  /**
   * The image part of a network per pair of inputs, from the input Gram through `steps` to one number (see
   * PositionStep): equal to running the steps' kernels one after another on [pairs, P, P] arrays.
   */
  positionPipeline(steps: readonly PositionStep[], p: PositionPipelineParams, x1: Float64Array, x2: Float64Array, out: PositionPipelineOutputs): void;
}

/** A backend: a name, its thread count and every kernel of the seam (those it does not accelerate delegate to cpu/). */
export interface Backend extends AcceleratedKernels {
  readonly name: string;
  readonly threads: number;
  /**
   * Storage for the output of a kernel that overwrites all of it (the seam's "overwritten" outputs, e.g.
   * gemm's c, unary/binary's out): may hold stale bytes until the kernel runs, as torch.empty. The cpu
   * backend returns zeros; native skips the zero fill for large arrays.
   */
  allocateOutput(dtype: DType, length: number): TypedArray;
}
