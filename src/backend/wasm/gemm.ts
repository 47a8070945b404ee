// f32 GEMM on wasm: picks the GEMV kernel (one output row or column) or the blocked 4×8 GEMM and splits it
// over the pool. `runGemm` works on addresses already in wasm memory (conv2d uses it too); `gemmF32` is the
// AcceleratedKernels.gemm entry point that validates, copies in, runs and copies out.
import { rangeError } from '../../core/errors.js';
import type { GemmParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';

/** One batched GEMM on wasm addresses: C[t] (+)= op(A[t]) · op(B[t]) with leading dimensions in elements. */
export interface GemmCall {
  a: number;
  b: number;
  c: number;
  /** Addresses of i32 [batch] element offsets of each matrix. */
  aOffs: number;
  bOffs: number;
  cOffs: number;
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  lda: number;
  ldb: number;
  ldc: number;
  /** Add to C instead of overwriting it. */
  accumulate: boolean;
}

const GEMV_DOT_GROUP = 4;
const GEMV_ROW_GROUP = 16;

/**
 * Dispatch a GemmCall (k ≥ 1). The path depends only on the shapes, never on the thread count, and every
 * path computes each output the same way whatever share a thread gets: results are bit-identical for any
 * number of threads.
 */
export function runGemm(ctx: WasmContext, g: GemmCall, what: () => string): void {
  const { pool, heap } = ctx;
  const threads = pool.threads;
  const parallel = g.batch * g.m * g.n * g.k >= PARALLEL_MIN_WORK;
  // One output row: y = op(A)[0, :] · op(B).  One output column (contiguous): y = op(A) · op(B)[:, 0].
  const rowVector = g.m === 1 && !g.accumulate;
  const colVector = !rowVector && g.n === 1 && g.ldc === 1 && !g.accumulate;
  if (rowVector || colVector) {
    const x = rowVector ? g.a : g.b, xOffs = rowVector ? g.aOffs : g.bOffs;
    const mat = rowVector ? g.b : g.a, mOffs = rowVector ? g.bOffs : g.aOffs;
    const incx = rowVector ? (g.transA ? g.lda : 1) : (g.transB ? 1 : g.ldb);
    const ldm = rowVector ? g.ldb : g.lda;
    const dots = rowVector ? g.transB : !g.transA;
    const outputs = rowVector ? g.n : g.m;
    const scratchStride = incx === 1 ? 64 : Math.ceil((g.k * 4) / 64) * 64;
    const scratch = heap.alloc(scratchStride * threads, what);
    const units = g.batch * Math.ceil(outputs / (dots ? GEMV_DOT_GROUP : GEMV_ROW_GROUP));
    pool.run('gemv', [x, incx, mat, ldm, g.c, xOffs, mOffs, g.cOffs, outputs, g.k, dots ? 1 : 0, scratch, scratchStride], units, parallel);
    return;
  }
  const splitRows = g.m >= g.n;
  const scratch = heap.alloc(ctx.gemmScratchBytes * threads, what);
  const units = g.batch * (splitRows ? Math.ceil(g.m / 4) : Math.ceil(g.n / 8));
  pool.run('gemmBlocked', [
    g.a, g.b, g.c, g.aOffs, g.bOffs, g.cOffs, g.m, g.n, g.k, g.transA ? 1 : 0, g.transB ? 1 : 0,
    g.lda, g.ldb, g.ldc, g.accumulate ? 1 : 0, splitRows ? 1 : 0, scratch, ctx.gemmScratchBytes,
  ], units, parallel);
}

function checkGemmParams(p: GemmParams, aLength: number, bLength: number, cLength: number): void {
  const { m, n, k, batch } = p;
  for (const [name, v] of [['m', m], ['n', n], ['k', k], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 0) throw rangeError('gemm', name, 'an integer ≥ 0', v);
  }
  if (p.aOffsets.length < batch) throw rangeError('gemm', 'aOffsets.length', `≥ batch = ${batch}`, p.aOffsets.length);
  if (p.bOffsets.length < batch) throw rangeError('gemm', 'bOffsets.length', `≥ batch = ${batch}`, p.bOffsets.length);
  for (let t = 0; t < batch; t++) {
    const ao = p.aOffsets[t]!, bo = p.bOffsets[t]!;
    if (ao < 0 || ao + m * k > aLength) throw rangeError('gemm', `aOffsets[${t}]`, `in [0, ${aLength - m * k}] (A has ${aLength} elements, m·k = ${m * k})`, ao);
    if (bo < 0 || bo + k * n > bLength) throw rangeError('gemm', `bOffsets[${t}]`, `in [0, ${bLength - k * n}] (B has ${bLength} elements, k·n = ${k * n})`, bo);
  }
  if (cLength < batch * m * n) throw rangeError('gemm', 'c.length', `≥ batch·m·n = ${batch * m * n}`, cLength);
}

/** AcceleratedKernels.gemm for f32 arrays (see GemmParams). */
export function gemmF32(ctx: WasmContext, p: GemmParams, a: Float32Array, b: Float32Array, c: Float32Array): void {
  checkGemmParams(p, a.length, b.length, c.length);
  const { m, n, k, batch } = p;
  const size = batch * m * n;
  if (size === 0) return;
  if (k === 0) {
    c.fill(0, 0, size);
    return;
  }
  const what = (): string => `gemm (batch ${batch}, m ${m}, n ${n}, k ${k}, A ${a.length}, B ${b.length} elements)`;
  const { heap } = ctx;
  withScratch(ctx, () => {
    const aAt = heap.place(a, what), bAt = heap.place(b, what);
    const cAt = heap.placeOutput(c, what);
    const aOffs = heap.int32s(batch, (t) => p.aOffsets[t]!, what);
    const bOffs = heap.int32s(batch, (t) => p.bOffsets[t]!, what);
    const cOffs = heap.int32s(batch, (t) => t * m * n, what);
    runGemm(ctx, {
      a: aAt, b: bAt, c: cAt, aOffs, bOffs, cOffs, batch, m, n, k, transA: p.transA, transB: p.transB,
      lda: p.transA ? m : k, ldb: p.transB ? k : n, ldc: n, accumulate: false,
    }, what);
    heap.copyOut(cAt, c, size);
  });
}
