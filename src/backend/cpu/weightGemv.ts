// Reference GEMV over a weight in its stored dtype (bf16 / f16 / f32): the specification of every fast
// weightGemv (see WeightGemvParams), and the argument checks every backend shares.
//   x [rows, inWidth] f32 · w [outWidth, inWidth]ᵀ → y [rows, outWidth] f32
import { bf16WordsToF32, f16WordsToF32 } from '../../core/halfFloat.js';
import { dtypeError, rangeError, shapeError } from '../../core/errors.js';
import type { WeightArray, WeightGemvParams } from '../kernels.js';

const OP = 'weightGemv';
const DTYPES = ['bf16', 'f16', 'f32'] as const;

/**
 * The checks every backend runs before touching memory: integer sizes in [0, 2³¹ − 1], a known dtype, w's
 * array type matching it (Uint16Array words for bf16 / f16, Float32Array for f32), x and y Float32Arrays,
 * and every array at least as long as its shape. Errors name the argument, what was expected and what came.
 */
export function checkWeightGemv(p: WeightGemvParams, x: Float32Array, w: WeightArray, y: Float32Array): void {
  for (const name of ['rows', 'inWidth', 'outWidth'] as const) {
    const v = p[name];
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) throw rangeError(OP, name, 'an integer in [0, 2³¹ − 1]', v);
  }
  if (!(DTYPES as readonly string[]).includes(p.dtype)) throw dtypeError(OP, 'dtype', DTYPES.join(' | '), p.dtype);
  const wType = p.dtype === 'f32' ? Float32Array : Uint16Array;
  if (!(w instanceof wType)) throw dtypeError(OP, 'w', `${wType.name} for ${p.dtype} weights`, (w as object)?.constructor?.name);
  if (!(x instanceof Float32Array)) throw dtypeError(OP, 'x', 'f32 (Float32Array)', (x as object)?.constructor?.name);
  if (!(y instanceof Float32Array)) throw dtypeError(OP, 'y', 'f32 (Float32Array)', (y as object)?.constructor?.name);
  const need = (arg: string, a: { length: number }, shape: string, n: number): void => {
    if (a.length < n) throw shapeError(OP, `${arg}.length`, `≥ ${shape} = ${n}`, a.length);
  };
  need('x', x, `rows·inWidth = ${p.rows}·${p.inWidth}`, p.rows * p.inWidth);
  need('w', w, `outWidth·inWidth = ${p.outWidth}·${p.inWidth}`, p.outWidth * p.inWidth);
  need('y', y, `rows·outWidth = ${p.rows}·${p.outWidth}`, p.rows * p.outWidth);
}

/** The first outWidth·inWidth weights as f32 (exact: the one 16-bit conversion of core/halfFloat.ts). */
function weightAsF32(dtype: WeightGemvParams['dtype'], w: WeightArray, count: number): Float32Array {
  if (dtype === 'f32') return w.subarray(0, count) as Float32Array;
  const words = w.subarray(0, count) as Uint16Array;
  return dtype === 'bf16' ? bf16WordsToF32(words) : f16WordsToF32(words);
}

/** y[r, o] = Σ_i x[r, i] · w[o, i], each a float64 sum in i order, rounded once to f32. */
export function weightGemv(p: WeightGemvParams, x: Float32Array, w: WeightArray, y: Float32Array): void {
  checkWeightGemv(p, x, w, y);
  const { rows, inWidth, outWidth } = p;
  const wf = weightAsF32(p.dtype, w, outWidth * inWidth);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outWidth; o++) {
      let sum = 0;
      for (let i = 0; i < inWidth; i++) sum += x[r * inWidth + i]! * wf[o * inWidth + i]!;
      y[r * outWidth + o] = sum;
    }
  }
}
