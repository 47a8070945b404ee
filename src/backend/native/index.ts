// The native backend: the addon's OpenBLAS/LAPACK and AVX2 kernels behind the Backend seam (Node only).
// f32 and f64 float kernels run natively; integer dtypes of the elementwise/reduction kernels delegate to
// the cpu reference. Every call is validated here (dtypes alike, arrays long enough) and raises the same
// TesseraError kinds as the tensor layer, so the addon never sees an array shorter than it will touch.
import { allocate, itemSize, viewOf, type FloatArray, type TypedArray } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError, TesseraError } from '../../core/errors.js';
import { checkSize, checkSymmetric } from '../../core/linalg.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import { checkCachedAttention, checkSsdStep, checkWeightGemv, cpuBackend } from '../cpu/index.js';
import { conv2dOutputSize, pool2dOutputSize, type Backend, type Conv2dParams, type FanInIndices, type FanInParams, type Pool2dParams } from '../kernels.js';
import { loadAddon, type NativeAddon } from './addon.js';
import { positionKernels } from './positions.js';

export interface NativeBackend extends Backend {
  readonly name: 'native';
  /** Threads of OpenBLAS and of our OpenMP kernels together. */
  setThreads(threads: number): void;
  /** OpenBLAS build string, its core type and the thread counts. */
  describe(): string;
  /**
   * Σ x in f32 (rounding order unspecified) on the kernel threads: a probe of the machine's read bandwidth,
   * for benches (reduceSum sums in float64 and is compute-bound below it).
   */
  streamSum(x: Float32Array): number;
}

/** The addon's code for each stored weight dtype (weightgemv.cc). */
const WEIGHT_DTYPE_CODE = { f32: 0, bf16: 1, f16: 2 } as const;

/** Bytes from which an output is left uninitialised for its kernel to overwrite. */
const UNINITIALISED_FROM = 64 * 1024;

export type NativeLoad = { ok: true; backend: NativeBackend } | { ok: false; reason: string };

/** Both f32 (→ true), both f64 (→ false), or a dtype error naming the op. */
function isF32(op: string, arrays: readonly (FloatArray | null)[]): boolean {
  const present = arrays.filter((a): a is FloatArray => a !== null);
  if (present.every((a) => a instanceof Float32Array)) return true;
  if (present.every((a) => a instanceof Float64Array)) return false;
  throw dtypeError(op, 'arrays', 'all f32 or all f64', present.map((a) => a.constructor.name));
}

function isFloatArray(a: TypedArray): a is FloatArray {
  return a instanceof Float32Array || a instanceof Float64Array;
}

function need(op: string, arg: string, a: { length: number } | null, n: number): void {
  if (a !== null && a.length < n) throw shapeError(op, arg, `at least ${n} elements`, `${a.length}`);
}

/** Integers in [min, 2³¹ − 1]: the addon takes parameters as 32-bit integers. */
function positiveInts(op: string, values: Record<string, number>, min = 0): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1) throw new TesseraError('range', op, `${k} expected an integer in [${min}, 2³¹ − 1], got ${v}`);
  }
}

function f64Arrays(op: string, arrays: Record<string, Float64Array>): void {
  for (const [k, a] of Object.entries(arrays)) if (!(a instanceof Float64Array)) throw dtypeError(op, k, 'f64 (Float64Array)', (a as object).constructor.name);
}

/** Shapes of non-negative integers, each broadcasting to `outShape` (the addon walks them with outShape's strides). */
function checkBroadcast(op: string, shapes: Record<string, Shape>, outShape: Shape): void {
  for (const [k, s] of Object.entries({ ...shapes, outShape })) {
    if (!s.every((d) => Number.isInteger(d) && d >= 0)) throw shapeError(op, k, 'non-negative integer dimensions', s);
  }
  for (const [k, s] of Object.entries(shapes)) {
    const off = outShape.length - s.length;
    if (off < 0 || s.some((d, i) => d !== 1 && d !== outShape[off + i])) throw shapeError(op, k, `a shape that broadcasts to [${outShape.join(', ')}]`, s);
  }
}

const convParamsArray = (p: Conv2dParams) => Int32Array.of(p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW, p.padTop, p.padBottom,
  p.padLeft, p.padRight, p.dilationH, p.dilationW, p.groups, p.outH, p.outW);
const poolParamsArray = (p: Pool2dParams) => Int32Array.of(p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.outH, p.outW);

function checkConv(op: string, p: Conv2dParams): void {
  positiveInts(op, { n: p.n, cIn: p.cIn, h: p.h, w: p.w, cOut: p.cOut, kh: p.kh, kw: p.kw, padTop: p.padTop, padBottom: p.padBottom, padLeft: p.padLeft, padRight: p.padRight });
  positiveInts(op, { strideH: p.strideH, strideW: p.strideW, dilationH: p.dilationH, dilationW: p.dilationW, groups: p.groups }, 1);
  const [outH, outW] = conv2dOutputSize(p);
  if (p.cIn % p.groups !== 0 || p.cOut % p.groups !== 0) throw shapeError(op, 'groups', `a divisor of cIn=${p.cIn} and cOut=${p.cOut}`, p.groups);
  if (outH < 1 || outW < 1 || outH !== p.outH || outW !== p.outW) throw shapeError(op, 'outH/outW', `${outH}×${outW} (≥ 1) from the input, kernel, stride, padding and dilation`, `${p.outH}×${p.outW}`);
}

/** Checks a conv kernel's parameters and its image-, weight- and output-shaped arrays (named), packs the parameters. */
function convArgs(op: string, p: Conv2dParams, image: [string, FloatArray], weight: [string, FloatArray], output: [string, FloatArray]): Int32Array {
  isF32(op, [image[1], weight[1], output[1]]);
  checkConv(op, p);
  need(op, image[0], image[1], p.n * p.cIn * p.h * p.w);
  need(op, weight[0], weight[1], p.cOut * (p.cIn / p.groups) * p.kh * p.kw);
  need(op, output[0], output[1], p.n * p.cOut * p.outH * p.outW);
  return convParamsArray(p);
}

/** Checks a pooling kernel's parameters and its image-shaped and output-shaped arrays (named), packs the parameters. */
function poolArgs(op: string, p: Pool2dParams, images: [string, FloatArray][], outputs: [string, FloatArray][]): Int32Array {
  isF32(op, [...images, ...outputs].map(([, a]) => a));
  checkPool(op, p);
  for (const [name, a] of images) need(op, name, a, p.n * p.c * p.h * p.w);
  for (const [name, a] of outputs) need(op, name, a, p.n * p.c * p.outH * p.outW);
  return poolParamsArray(p);
}

function checkPool(op: string, p: Pool2dParams): void {
  positiveInts(op, { n: p.n, c: p.c, h: p.h, w: p.w, padH: p.padH, padW: p.padW, outH: p.outH, outW: p.outW });
  positiveInts(op, { kh: p.kh, kw: p.kw, strideH: p.strideH, strideW: p.strideW }, 1);
  const [outH, outW] = pool2dOutputSize(p);
  if (outH !== p.outH || outW !== p.outW) throw shapeError(op, 'outH/outW', `${outH}×${outW} from the input, kernel, stride and padding`, `${p.outH}×${p.outW}`);
}

function nativeBackend(addon: NativeAddon): NativeBackend {
  const cpu = cpuBackend;
  let threads = addon.info().threads;
  const backend: NativeBackend = {
    name: 'native',
    get threads() {
      return threads;
    },
    setThreads(n: number) {
      positiveInts('setThreads', { threads: n }, 1);
      addon.setThreads(n);
      threads = n;
    },
    describe() {
      const i = addon.info();
      return `${i.blas.trim().split(' ').slice(0, 2).join(' ')} (core ${i.core}), ${i.threads} thread${i.threads === 1 ? '' : 's'}`;
    },
    gemm(p, a, b, c) {
      isF32('gemm', [a, b, c]);
      positiveInts('gemm', { m: p.m, n: p.n, k: p.k, batch: p.batch });
      if (!(p.aOffsets instanceof Int32Array) || !(p.bOffsets instanceof Int32Array)) throw dtypeError('gemm', 'aOffsets/bOffsets', 'i32 (Int32Array)', [p.aOffsets, p.bOffsets].map((o) => (o as object).constructor.name));
      need('gemm', 'aOffsets', p.aOffsets, p.batch);
      need('gemm', 'bOffsets', p.bOffsets, p.batch);
      for (let t = 0; t < p.batch; t++) {
        if (p.aOffsets[t]! < 0 || p.bOffsets[t]! < 0) throw new TesseraError('range', 'gemm', `batch offsets expected ≥ 0, got aOffsets[${t}] = ${p.aOffsets[t]}, bOffsets[${t}] = ${p.bOffsets[t]}`);
        need('gemm', `a (batch ${t})`, a, p.aOffsets[t]! + p.m * p.k);
        need('gemm', `b (batch ${t})`, b, p.bOffsets[t]! + p.k * p.n);
      }
      need('gemm', 'c', c, p.batch * p.m * p.n);
      addon.gemm(p.m, p.n, p.k, p.transA, p.transB, p.batch, p.aOffsets, p.bOffsets, a, b, c);
    },
    conv2d(p, x, w, y) {
      addon.conv2d(convArgs('conv2d', p, ['x', x], ['weight', w], ['y', y]), x, w, y);
    },
    conv2dBackwardInput(p, dy, w, dx) {
      addon.conv2dBackwardInput(convArgs('conv2dBackwardInput', p, ['dx', dx], ['weight', w], ['dy', dy]), dy, w, dx);
    },
    conv2dBackwardFilter(p, x, dy, dw) {
      addon.conv2dBackwardFilter(convArgs('conv2dBackwardFilter', p, ['x', x], ['dweight', dw], ['dy', dy]), x, dy, dw);
    },
    weightGemv(p, x, w, y) {
      checkWeightGemv(p, x, w, y);
      addon.weightGemv(p.rows, p.inWidth, p.outWidth, WEIGHT_DTYPE_CODE[p.dtype], x, w, y);
    },
    cachedAttention(p, q, keys, values, out) {
      if (!isF32('cachedAttention', [q, keys, values, out])) return cpu.cachedAttention(p, q, keys, values, out);
      checkCachedAttention(p, q, keys, values, out);
      addon.cachedAttention(p.queries, p.keys, p.heads, p.kvHeads, p.headDim, p.scale, p.start, q as Float32Array, keys as Float32Array, values as Float32Array, out as Float32Array);
    },
    // The backward pass (training through a cache-shaped call) runs the cpu reference.
    cachedAttentionBackward: cpu.cachedAttentionBackward,
    // Row norms are short (a hidden vector per token in decode): the JS loop beats an addon call's overhead.
    rmsNormalize: cpu.rmsNormalize,
    ssdStep(p, state, x, dt, A, B, C, D, stateOut, y) {
      const arrays = { state, x, dt, A, B, C, D, stateOut, y };
      checkSsdStep(p, arrays);
      if (!isF32('ssdStep', Object.values(arrays))) return cpu.ssdStep(p, state, x, dt, A, B, C, D, stateOut, y);
      const f = (a: FloatArray) => a as Float32Array;
      addon.ssdStep(p.heads, p.headDim, p.stateSize, p.groups, f(state), f(x), f(dt), f(A), f(B), f(C), f(D), f(stateOut), f(y));
    },
    streamSum(x) {
      if (!(x instanceof Float32Array)) throw dtypeError('streamSum', 'x', 'f32 (Float32Array)', (x as object)?.constructor?.name);
      return addon.streamSum(x);
    },
    fanInMatmul(p: FanInParams, x, values, indices: FanInIndices, y) {
      fanIn('fanInMatmul', p, x, values, indices, y);
      badIndex('fanInMatmul', p, indices, addon.fanInMatmul(p.batch, p.inFeatures, p.outFeatures, p.fanIn, p.indicesValidated ?? false, x, values, indices, y));
    },
    fanInMatmulFeatureMajor(p: FanInParams, x, values, indices: FanInIndices, y) {
      fanIn('fanInMatmulFeatureMajor', p, x, values, indices, y);
      badIndex('fanInMatmulFeatureMajor', p, indices, addon.fanInMatmulFeatureMajor(p.batch, p.inFeatures, p.outFeatures, p.fanIn, p.indicesValidated ?? false, x, values, indices, y));
    },
    maxPool2d(p, x, y) {
      addon.maxPool2d(poolArgs('maxPool2d', p, [['x', x]], [['y', y]]), x, y);
    },
    maxPool2dBackward(p, x, dy, dx) {
      addon.maxPool2dBackward(poolArgs('maxPool2dBackward', p, [['x', x], ['dx', dx]], [['dy', dy]]), x, dy, dx);
    },
    avgPool2d(p, x, y) {
      addon.avgPool2d(poolArgs('avgPool2d', p, [['x', x]], [['y', y]]), x, y);
    },
    avgPool2dBackward(p, dy, dx) {
      addon.avgPool2dBackward(poolArgs('avgPool2dBackward', p, [['dx', dx]], [['dy', dy]]), dy, dx);
    },
    batchNormForward(x, w, b, eps, d, y) {
      isF32('batchNormForward', [x, w, b, y]);
      positiveInts('batchNormForward', { n: d.n, c: d.c, s: d.s });
      need('batchNormForward', 'x', x, d.n * d.c * d.s);
      need('batchNormForward', 'weight', w, d.c);
      need('batchNormForward', 'bias', b, d.c);
      need('batchNormForward', 'y', y, d.n * d.c * d.s);
      addon.batchNormForward(x, w, b, eps, d.n, d.c, d.s, y);
    },
    batchNormBackward(x, w, eps, d, g, dx, dw, db) {
      isF32('batchNormBackward', [x, w, g, dx, dw, db]);
      positiveInts('batchNormBackward', { n: d.n, c: d.c, s: d.s });
      for (const [name, a] of [['x', x], ['g', g], ['dx', dx]] as const) need('batchNormBackward', name, a, d.n * d.c * d.s);
      for (const [name, a] of [['weight', w], ['dweight', dw], ['dbias', db]] as const) need('batchNormBackward', name, a, d.c);
      addon.batchNormBackward(x, w, eps, d.n, d.c, d.s, g, dx, dw, db);
    },
    unary(op, x, out) {
      if (!isFloatArray(x) || !isFloatArray(out)) return cpu.unary(op, x, out);
      isF32(op, [x, out]);
      need(op, 'out', out, x.length);
      need(op, 'x', x, out.length);
      addon.unary(op, x, out);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      if (!isFloatArray(a) || !isFloatArray(b) || a.constructor !== b.constructor) return cpu.binary(op, a, aShape, b, bShape, out, outShape);
      checkBroadcast(op, { aShape, bShape }, outShape);
      const n = sizeOf(outShape);
      need(op, 'a', a, sizeOf(aShape));
      need(op, 'b', b, sizeOf(bShape));
      need(op, 'out', out, n);
      const compare = op === 'equal' || op === 'notEqual' || op === 'less' || op === 'lessEqual' || op === 'greater' || op === 'greaterEqual';
      if (compare ? !(out instanceof Uint8Array) : out.constructor !== a.constructor) throw dtypeError(op, 'out', compare ? 'u8' : a.constructor.name, out.constructor.name);
      addon.binary(op, a, aShape, b, bShape, out, outShape);
    },
    reluBackward(g, x, out) {
      if (!isFloatArray(g) || !isFloatArray(x) || !isFloatArray(out)) return cpu.reluBackward(g, x, out);
      isF32('reluBackward', [g, x, out]);
      need('reluBackward', 'g', g, out.length);
      need('reluBackward', 'x', x, out.length);
      addon.reluBackward(g, x, out);
    },
    reduceSum(x, shape, axes, out) {
      if (!reducible(x, out)) return cpu.reduceSum(x, shape, axes, out);
      checkReduce('sum', x, shape, axes, out);
      addon.reduceSum(x, shape, axes, out);
    },
    reduceMax(x, shape, axes, out) {
      if (!reducible(x, out)) return cpu.reduceMax(x, shape, axes, out);
      checkReduce('max', x, shape, axes, out);
      addon.reduceMax(x, shape, axes, out);
    },
    softmax(d, log, x, out) {
      isF32('softmax', [x, out]);
      positiveInts('softmax', { outer: d.outer, n: d.n, inner: d.inner });
      need('softmax', 'x', x, d.outer * d.n * d.inner);
      need('softmax', 'out', out, d.outer * d.n * d.inner);
      addon.softmax(x, d.outer, d.n, d.inner, log, out);
    },
    softmaxBackward(d, log, y, g, dx) {
      isF32('softmaxBackward', [y, g, dx]);
      positiveInts('softmaxBackward', { outer: d.outer, n: d.n, inner: d.inner });
      for (const [name, a] of [['y', y], ['g', g], ['dx', dx]] as const) need('softmaxBackward', name, a, d.outer * d.n * d.inner);
      addon.softmaxBackward(y, g, d.outer, d.n, d.inner, log, dx);
    },
    softmaxCrossEntropy(rows, classes, logits, labels, losses) {
      isF32('softmaxCrossEntropy', [logits, losses]);
      crossEntropyChecks('softmaxCrossEntropy', rows, classes, logits, labels);
      need('softmaxCrossEntropy', 'losses', losses, rows);
      addon.softmaxCrossEntropy(logits, labels, rows, classes, losses);
    },
    softmaxCrossEntropyBackward(rows, classes, logits, labels, g, dlogits) {
      isF32('softmaxCrossEntropyBackward', [logits, g, dlogits]);
      crossEntropyChecks('softmaxCrossEntropyBackward', rows, classes, logits, labels);
      need('softmaxCrossEntropyBackward', 'g', g, rows);
      need('softmaxCrossEntropyBackward', 'dlogits', dlogits, rows * classes);
      addon.softmaxCrossEntropyBackward(logits, labels, g, rows, classes, dlogits);
    },
    allocateOutput(dtype, length) {
      // Uninitialised storage (Buffer.allocUnsafeSlow: never the shared pool, so aligned and private)
      // saves the zero fill and its memory traffic; small arrays keep the zeroed path.
      const bytes = length * itemSize(dtype);
      return bytes < UNINITIALISED_FROM ? allocate(dtype, length) : viewOf(dtype, Buffer.allocUnsafeSlow(bytes).buffer, length);
    },
    sgdUpdate(s, p, g, momentum) {
      isF32('sgdUpdate', [p, g, momentum]);
      need('sgdUpdate', 'g', g, p.length);
      need('sgdUpdate', 'momentum', momentum, p.length);
      addon.sgdUpdate(p, g, momentum, s.negLr, s.momentum, s.keep, s.l2, s.decay, s.decoupled, s.nesterov, s.first);
    },
    adamUpdate(s, p, g, m, v, vMax) {
      isF32('adamUpdate', [p, g, m, v, vMax]);
      for (const [k, a] of Object.entries({ g, m, v, vMax })) need('adamUpdate', k, a, p.length);
      addon.adamUpdate(p, g, m, v, vMax, s.negStepSize, s.bc2Sqrt, s.beta1, s.beta2, s.oneMinusBeta1, s.oneMinusBeta2, s.eps, s.l2, s.decay, s.decoupled);
    },
    cholesky(a, n, op = 'cholesky') {
      f64Arrays(op, { A: a });
      checkSymmetric(op, a, n);
      const l = new Float64Array(n * n);
      const info = addon.cholesky(a, n, l);
      if (info !== 0) {
        throw new TesseraError('value', op, `A expected a positive-definite matrix, got a leading minor of order ${info} of ${n} that is not positive definite; ` +
          'the kernel matrix is singular or ill-conditioned: add a diagonal regulariser (diagReg > 0)');
      }
      return l;
    },
    solveTriangular(l, b, n, m, transpose) {
      f64Arrays('solveTriangular', { L: l, B: b });
      checkSize('solveTriangular', 'L', l, n, n);
      checkSize('solveTriangular', 'B', b, n, m);
      const x = Float64Array.from(b);
      addon.solveTriangular(l, x, n, m, transpose);
      return x;
    },
    eighSym(a, n) {
      f64Arrays('eighSym', { A: a });
      checkSymmetric('eighSym', a, n);
      const values = new Float64Array(n), vectors = new Float64Array(n * n);
      const info = addon.eighSym(a, n, values, vectors);
      if (info !== 0) throw new TesseraError('value', 'eighSym', `LAPACK dsyevd did not converge (info ${info}) for a ${n}×${n} matrix`);
      return { values, vectors };
    },
    ...positionKernels(addon),
  };
  return backend;
}

function fanIn(op: string, p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void {
  isF32(op, [x, values, y]);
  positiveInts(op, { batch: p.batch, inFeatures: p.inFeatures, outFeatures: p.outFeatures, fanIn: p.fanIn });
  if (!(indices instanceof Uint16Array) && !(indices instanceof Int32Array)) throw dtypeError(op, 'indices', 'u16 or i32', (indices as object).constructor.name);
  need(op, 'x', x, p.batch * p.inFeatures);
  need(op, 'values', values, p.outFeatures * p.fanIn);
  need(op, 'indices', indices, p.outFeatures * p.fanIn);
  need(op, 'y', y, p.batch * p.outFeatures);
  // Index ranges are checked inside the addon's kernels whatever indicesValidated says (folded into the
  // loops at no measurable cost); a bad one comes back as its position (badIndex).
}

/** The addon's answer: −1, or the position of an index outside [0, inFeatures) (it read nothing out of bounds). */
function badIndex(op: string, p: FanInParams, indices: FanInIndices, at: number): void {
  if (at >= 0) throw rangeError(op, `indices[${at}]`, `an index in [0, inFeatures = ${p.inFeatures})`, indices[at]!);
}

function reducible(x: TypedArray, out: TypedArray): boolean {
  return isFloatArray(x) && x.constructor === out.constructor;
}

function checkReduce(op: string, x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw shapeError(op, 'shape', 'non-negative integer dimensions', shape);
  need(op, 'x', x, sizeOf(shape));
  for (const a of axes) if (!Number.isInteger(a) || a < 0 || a >= shape.length) throw new TesseraError('range', op, `axes expected integers in [0, ${shape.length}), got ${a}`);
  need(op, 'out', out, sizeOf(shape.filter((_, i) => !axes.includes(i))));
}

function crossEntropyChecks(op: string, rows: number, classes: number, logits: FloatArray, labels: Int32Array): void {
  positiveInts(op, { rows, classes });
  need(op, 'logits', logits, rows * classes);
  if (!(labels instanceof Int32Array)) throw dtypeError(op, 'labels', 'i32', (labels as object).constructor.name);
  need(op, 'labels', labels, rows);
  for (let r = 0; r < rows; r++) {
    const l = labels[r]!;
    if (l < 0 || l >= classes) throw new TesseraError('range', op, `labels expected class indices in [0, ${classes}), got ${l} at row ${r}`);
  }
}

/** The native backend with `threads` threads (default: all cores), or why it is unavailable. */
export function createNativeBackend(options: { threads?: number } = {}): NativeLoad {
  const load = loadAddon();
  if (!load.ok) return load;
  const backend = nativeBackend(load.addon);
  if (options.threads !== undefined) backend.setThreads(options.threads);
  return { ok: true, backend };
}
