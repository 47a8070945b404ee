// Reference batched GEMM (the specification for every fast GEMM). See GemmParams.
import type { FloatArray } from '../../core/dtype.js';
import type { GemmParams } from '../kernels.js';

/**
 * C[b] = op(A[b]) · op(B[b]). Accumulates in float64, then stores (rounding once to C's dtype).
 * Loop order i-p-j over a float64 row accumulator keeps B reads contiguous when B is not transposed.
 */
export function gemm(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray): void {
  const { m, n, k, transA, transB, batch } = p;
  if (transB && !transA) {
    gemmRowsByRows(p, a, b, c);
    return;
  }
  const row = new Float64Array(n);
  // Element (i, q) of op(A) and (q, j) of op(B), as strides.
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  for (let t = 0; t < batch; t++) {
    const ao = p.aOffsets[t]!, bo = p.bOffsets[t]!, co = t * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const av = a[ao + i * aRow + q * aCol]!;
        if (av === 0) continue;
        const bBase = bo + q * bRow;
        for (let j = 0; j < n; j++) row[j]! += av * b[bBase + j * bCol]!;
      }
      for (let j = 0; j < n; j++) c[co + i * n + j] = row[j]!;
    }
  }
}

/**
 * A · Bᵀ with A [m, k] and B [n, k] row-major: every entry is a dot product of two contiguous rows, four
 * columns at a time sharing the loads of A's row. Each C[i, j] adds a[i, q]·b[j, q] for q = 0, 1, … k−1
 * in order, skipping a[i, q] = 0, into a float64 sum — the same operations as the general loop above, so
 * the results are bit-identical; only the memory order differs (the general loop reads B with stride k).
 */
function gemmRowsByRows(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray): void {
  const { m, n, k, batch } = p;
  for (let t = 0; t < batch; t++) {
    const ao = p.aOffsets[t]!, bo = p.bOffsets[t]!, co = t * m * n;
    for (let i = 0; i < m; i++) {
      const a0 = ao + i * k;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let q = 0; q < k; q++) {
          const av = a[a0 + q]!;
          if (av === 0) continue;
          s0 += av * b[b0 + q]!;
          s1 += av * b[b1 + q]!;
          s2 += av * b[b2 + q]!;
          s3 += av * b[b3 + q]!;
        }
        c[co + i * n + j] = s0;
        c[co + i * n + j + 1] = s1;
        c[co + i * n + j + 2] = s2;
        c[co + i * n + j + 3] = s3;
      }
      for (; j < n; j++) {
        const b0 = bo + j * k;
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = a[a0 + q]!;
          if (av !== 0) s += av * b[b0 + q]!;
        }
        c[co + i * n + j] = s;
      }
    }
  }
}
