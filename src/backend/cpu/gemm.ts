// Reference batched GEMM (the specification for every fast GEMM). See GemmParams.
import type { FloatArray } from '../../core/dtype.js';
import type { GemmParams } from '../kernels.js';

/**
 * C[b] = op(A[b]) · op(B[b]). Accumulates in float64, then stores (rounding once to C's dtype).
 * Loop order i-p-j over a float64 row accumulator keeps B reads contiguous when B is not transposed.
 */
export function gemm(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray): void {
  const { m, n, k, transA, transB, batch } = p;
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
