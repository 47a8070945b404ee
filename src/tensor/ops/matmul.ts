// Batched matrix multiplication with optional transposes and broadcasting batch dimensions (VJP in ../gradients.ts).
import { isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, shapeError } from '../../core/errors.js';
import { broadcastShapes, broadcastStrides, sizeOf, stridesOf } from '../../core/shape.js';
import { GEMV_MAX_ROWS } from './halfWeight.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';

export interface MatmulOptions {
  /** a's last two dims are [k, m] (use aᵀ). */
  transA?: boolean;
  /** b's last two dims are [n, k] (use bᵀ). */
  transB?: boolean;
}

function dims(a: Tensor, b: Tensor, p: { transA: boolean; transB: boolean }) {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, ka] = p.transA ? [ac, ar] : [ar, ac];
  const [kb, n] = p.transB ? [bc, br] : [br, bc];
  return { m, n, ka, kb };
}

export const matmulPrimitive: Primitive<'matmul'> = {
  name: 'matmul',
  infer: ([a, b], p) => {
    if (a!.rank < 2) throw shapeError('matmul', 'a', 'rank ≥ 2 ([..., m, k])', a!.shape);
    if (b!.rank < 2) throw shapeError('matmul', 'b', 'rank ≥ 2 ([..., k, n])', b!.shape);
    if (a!.dtype !== b!.dtype) throw dtypeError('matmul', 'b', a!.dtype, b!.dtype);
    if (!isFloat(a!.dtype)) throw dtypeError('matmul', 'a', 'f32 or f64', a!.dtype);
    const { m, n, ka, kb } = dims(a!, b!, p);
    if (ka !== kb) {
      throw shapeError('matmul', 'inner dimensions', `equal k (transA=${p.transA}, transB=${p.transB})`, `a [${a!.shape.join(', ')}] and b [${b!.shape.join(', ')}]`);
    }
    const batch = broadcastShapes('matmul', a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype: a!.dtype };
  },
  forward: ([a, b], p, out) => {
    const { m, n, ka: k } = dims(a!, b!, p);
    // A few f32 rows times a weight read transposed (a Linear at decode): the backend's weightGemv streams
    // the weight once at the memory bandwidth (BLAS sgemv with m = 1 reads at well under half of it here).
    if (a!.rank === 2 && b!.rank === 2 && a!.dtype === 'f32' && p.transB && !p.transA && m <= GEMV_MAX_ROWS) {
      const y = getBackend().allocateOutput('f32', m * n) as Float32Array;
      getBackend().weightGemv({ rows: m, inWidth: k, outWidth: n, dtype: 'f32' }, a!.data as Float32Array, b!.data as Float32Array, y);
      return y;
    }
    const batchShape = out.shape.slice(0, -2);
    const batch = sizeOf(batchShape);
    const aStrides = broadcastStrides(a!.shape.slice(0, -2), batchShape);
    const bStrides = broadcastStrides(b!.shape.slice(0, -2), batchShape);
    const aOffsets = new Int32Array(batch), bOffsets = new Int32Array(batch);
    const outStrides = stridesOf(batchShape);
    for (let t = 0; t < batch; t++) {
      let ao = 0, bo = 0, rest = t;
      for (let d = 0; d < batchShape.length; d++) {
        const i = Math.floor(rest / outStrides[d]!);
        rest -= i * outStrides[d]!;
        ao += i * aStrides[d]!;
        bo += i * bStrides[d]!;
      }
      aOffsets[t] = ao * m * k;
      bOffsets[t] = bo * k * n;
    }
    const c = getBackend().allocateOutput(out.dtype, batch * m * n) as FloatArray;
    getBackend().gemm({ m, n, k, transA: p.transA, transB: p.transB, batch, aOffsets, bOffsets }, a!.data as FloatArray, b!.data as FloatArray, c);
    return c;
  },
};

/** a [..., m, k] · b [..., k, n] → [..., m, n]; batch dims broadcast; transA/transB read a or b transposed. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  return apply(matmulPrimitive, [a, b], { transA: options.transA ?? false, transB: options.transB ?? false });
}
