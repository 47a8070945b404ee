// x · wᵀ for a weight kept in 16-bit floats: w is a u16 tensor [out, in] of bf16 or f16 words (a PyTorch
// Linear weight as a checkpoint stores it), read at 2 bytes per element and widened to f32 on the fly.
//   rows ≤ 8 (decode):  the backend's weightGemv streams w once for all rows (memory-bandwidth bound);
//   more rows (prefill): blocks of TILE_ROWS rows of w are widened into an f32 scratch and multiplied by
//                        the backend's GEMM (compute bound; the scratch is TILE_ROWS·in floats, not a copy of w).
// x [L, in] f32 → [L, out] f32 (an f64 x widens w to f64 and runs the f64 GEMM: the gradient-check path).
// Gradient to x only (w holds no float values to differentiate): dx = g · w, with w widened once (training
// runs on f32 weights; this path is for a model served in bf16).
import { allocate, type FloatArray } from '../../core/dtype.js';
import { dtypeError, shapeError, valueError } from '../../core/errors.js';
import { bf16WordsToF32, f16WordsToF32 } from '../../core/halfFloat.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import { Tensor } from '../tensor.js';

export type HalfFormat = 'bf16' | 'f16';

/** Rows up to which the GEMV kernel runs (it reads w once for all of them). */
export const GEMV_MAX_ROWS = 8;
/** Rows of w widened per GEMM call on the prefill path. */
const TILE_ROWS = 256;

/** w [rows, in] u16 words → f32 [rows, in] (the whole weight or a block of its rows). */
export function widenHalf(words: Uint16Array, format: HalfFormat, out?: Float32Array): Float32Array {
  const target = (out ?? new Float32Array(words.length)) as Float32Array<ArrayBuffer>;
  return format === 'bf16' ? bf16WordsToF32(words, target) : f16WordsToF32(words, target);
}

export const halfWeightMatmulPrimitive: Primitive<'halfWeightMatmul'> = {
  name: 'halfWeightMatmul',
  infer: ([x, w], p) => {
    if (p.format !== 'bf16' && p.format !== 'f16') throw valueError('halfWeightMatmul', 'format', 'bf16 or f16', p.format);
    if (x!.rank !== 2 || (x!.dtype !== 'f32' && x!.dtype !== 'f64')) throw shapeError('halfWeightMatmul', 'x', 'an f32 or f64 [L, in] tensor', `${x!.dtype} [${x!.shape.join(', ')}]`);
    if (w!.dtype !== 'u16') throw dtypeError('halfWeightMatmul', 'w', `u16 (${p.format} words)`, w!.dtype);
    if (w!.rank !== 2 || w!.shape[1] !== x!.shape[1]) throw shapeError('halfWeightMatmul', 'w', `[out, ${x!.shape[1]}]`, w!.shape);
    return { shape: [x!.shape[0]!, w!.shape[0]!], dtype: x!.dtype };
  },
  forward: ([x, w], p, out) => {
    const [L, inWidth] = x!.shape as [number, number], outWidth = w!.shape[0]!;
    const backend = getBackend(), words = w!.data as Uint16Array;
    if (x!.dtype === 'f64') {
      const y = allocate('f64', L * outWidth) as Float64Array;
      backend.gemm({ m: L, n: outWidth, k: inWidth, transA: false, transB: true, batch: 1, aOffsets: new Int32Array([0]), bOffsets: new Int32Array([0]) }, x!.data as Float64Array, Float64Array.from(widenHalf(words, p.format)), y);
      return y;
    }
    const xs = x!.data as Float32Array;
    const y = backend.allocateOutput('f32', L * outWidth) as Float32Array;
    if (L <= GEMV_MAX_ROWS) {
      backend.weightGemv({ rows: L, inWidth, outWidth, dtype: p.format }, xs, words, y);
      return y;
    }
    const tile = Math.min(TILE_ROWS, outWidth);
    const scratch = new Float32Array(tile * inWidth), part = new Float32Array(L * tile);
    for (let o0 = 0; o0 < outWidth; o0 += tile) {
      const rows = Math.min(tile, outWidth - o0);
      const block = widenHalf(words.subarray(o0 * inWidth, (o0 + rows) * inWidth), p.format, scratch.subarray(0, rows * inWidth));
      const c = part.subarray(0, L * rows);
      backend.gemm({ m: L, n: rows, k: inWidth, transA: false, transB: true, batch: 1, aOffsets: new Int32Array([0]), bOffsets: new Int32Array([0]) }, xs, block, c);
      for (let r = 0; r < L; r++) y.set(c.subarray(r * rows, (r + 1) * rows), r * outWidth + o0);
    }
    return y;
  },
};

/** x [L, in] · wᵀ for w a u16 tensor [out, in] of `format` words. */
export function halfWeightMatmul(x: Tensor, w: Tensor, format: HalfFormat): Tensor {
  return apply(halfWeightMatmulPrimitive, [x, w], { format });
}

/** The VJP: dx [L, in] = g [L, out] · w (w widened to f32 once). */
export function halfWeightMatmulBackward(g: Tensor, w: Tensor, format: HalfFormat): Tensor {
  const [outWidth, inWidth] = w.shape as [number, number], L = g.shape[0]!;
  const wide: FloatArray = g.dtype === 'f64' ? Float64Array.from(widenHalf(w.data as Uint16Array, format)) : widenHalf(w.data as Uint16Array, format);
  const dx = allocate(g.dtype, L * inWidth) as FloatArray;
  getBackend().gemm({ m: L, n: inWidth, k: outWidth, transA: false, transB: false, batch: 1, aOffsets: new Int32Array([0]), bOffsets: new Int32Array([0]) }, g.data as FloatArray, wide, dx);
  return new Tensor(dx, [L, inWidth]);
}
