// f32 conv2d and its two backward passes on wasm, lowered to GEMM through a column matrix.
// Column matrix for a chunk of nb images (see assembly/im2col.ts): col [cIn·kh·kw, nb·P], P = outH·outW,
// group g owns rows [g·K, (g+1)·K), K = cg·kh·kw. Per image b and group g:
//   forward          y[b, g]  [og, P] = W_g [og, K] · col_g[:, b]            (batched GEMM, batch nb·groups)
//   backward input   dcol_g[:, b] [K, P] = W_gᵀ · dy[b, g], then col2im       (batched GEMM, transA)
//   backward filter  dW_g [og, K] += dyT_g [og, nb·P] · col_gᵀ                (batch = groups, transB)
// A 1×1, stride-1, unpadded conv uses x / dx directly as the column matrix (row stride P, image stride cIn·P).
// Images are processed in chunks so the column matrix stays under ctx.columnBudgetBytes.
import { rangeError, valueError } from '../../core/errors.js';
import { conv2dOutputSize, type Conv2dParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';
import { runGemm } from './gemm.js';

interface Layout {
  cg: number;
  og: number;
  K: number;
  P: number;
  /** 1×1, stride 1, no padding: x is its own column matrix. */
  direct: boolean;
  /** Images per chunk. */
  chunk: number;
}

function layoutOf(ctx: WasmContext, op: string, p: Conv2dParams): Layout {
  const ints = ['n', 'cIn', 'h', 'w', 'cOut', 'kh', 'kw', 'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'dilationH', 'dilationW', 'groups', 'outH', 'outW'] as const;
  for (const name of ints) {
    const v = p[name];
    const least = name.startsWith('pad') || name === 'n' ? 0 : 1;
    if (!Number.isInteger(v) || v < least) throw rangeError(op, name, `an integer ≥ ${least}`, v);
  }
  if (p.cIn % p.groups !== 0 || p.cOut % p.groups !== 0) throw valueError(op, 'groups', `a divisor of cIn = ${p.cIn} and cOut = ${p.cOut}`, p.groups);
  const [outH, outW] = conv2dOutputSize(p);
  if (outH !== p.outH || outW !== p.outW) throw rangeError(op, 'outH, outW', `${outH}, ${outW} from the input size, kernel, stride, padding and dilation`, `${p.outH}, ${p.outW}`);
  const cg = p.cIn / p.groups, og = p.cOut / p.groups, K = cg * p.kh * p.kw, P = outH * outW;
  const direct = p.kh === 1 && p.kw === 1 && p.strideH === 1 && p.strideW === 1 && p.padTop + p.padBottom + p.padLeft + p.padRight === 0;
  const bytesPerImage = p.cIn * p.kh * p.kw * P * 4 + p.cOut * P * 4;
  const chunk = Math.max(1, Math.min(p.n, Math.floor(ctx.columnBudgetBytes / bytesPerImage)));
  return { cg, og, K, P, direct, chunk };
}

function checkLength(op: string, name: string, got: number, expected: number, shape: string): void {
  if (got < expected) throw rangeError(op, `${name}.length`, `≥ ${expected} (${shape})`, got);
}

/** The geometry block read by im2col / col2im (layout documented in assembly/im2col.ts). */
function geometry(ctx: WasmContext, p: Conv2dParams, what: () => string): number {
  const g = [p.cIn, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padTop, p.padLeft, p.dilationH, p.dilationW, p.outH, p.outW];
  return ctx.heap.int32s(g.length, (i) => g[i]!, what);
}

const describe = (op: string, p: Conv2dParams) => (): string =>
  `${op} (x [${p.n}, ${p.cIn}, ${p.h}, ${p.w}], weight [${p.cOut}, ${p.cIn / p.groups}, ${p.kh}, ${p.kw}], groups ${p.groups}, out ${p.outH}×${p.outW})`;

/** Fill the column matrix for images [b0, b0 + nb). */
function im2col(ctx: WasmContext, p: Conv2dParams, xAt: number, colAt: number, geom: number, b0: number, nb: number, P: number): void {
  const rows = p.cIn * p.kh * p.kw;
  ctx.pool.run('im2col', [xAt, colAt, geom, b0, nb], rows, rows * nb * P >= PARALLEL_MIN_WORK);
}

/** AcceleratedKernels.conv2d for f32. */
export function conv2dF32(ctx: WasmContext, p: Conv2dParams, x: Float32Array, weight: Float32Array, y: Float32Array): void {
  const op = 'conv2d';
  const L = layoutOf(ctx, op, p);
  checkLength(op, 'x', x.length, p.n * p.cIn * p.h * p.w, 'n·cIn·h·w');
  checkLength(op, 'weight', weight.length, p.cOut * L.K, 'cOut·cIn/groups·kh·kw');
  checkLength(op, 'y', y.length, p.n * p.cOut * L.P, 'n·cOut·outH·outW');
  if (p.n * p.cOut * L.P === 0) return;
  const what = describe(op, p);
  const { heap } = ctx;
  withScratch(ctx, () => {
    const xAt = heap.place(x, what), wAt = heap.place(weight, what), yAt = heap.placeOutput(y, what);
    const geom = geometry(ctx, p, what);
    const colAt = L.direct ? xAt : heap.alloc(p.cIn * p.kh * p.kw * L.chunk * L.P * 4, what);
    for (let b0 = 0; b0 < p.n; b0 += L.chunk) {
      const nb = Math.min(L.chunk, p.n - b0);
      if (!L.direct) im2col(ctx, p, xAt, colAt, geom, b0, nb, L.P);
      const rowStride = L.direct ? L.P : nb * L.P, imageStride = L.direct ? p.cIn * L.P : L.P;
      const colBase = L.direct ? b0 * p.cIn * L.P : 0;
      const batch = nb * p.groups;
      const mark = heap.mark();
      runGemm(ctx, {
        a: wAt, b: colAt, c: yAt,
        aOffs: heap.int32s(batch, (t) => (t % p.groups) * L.og * L.K, what),
        bOffs: heap.int32s(batch, (t) => colBase + (t % p.groups) * L.K * rowStride + Math.floor(t / p.groups) * imageStride, what),
        cOffs: heap.int32s(batch, (t) => ((b0 + Math.floor(t / p.groups)) * p.cOut + (t % p.groups) * L.og) * L.P, what),
        batch, m: L.og, n: L.P, k: L.K, transA: false, transB: false, lda: L.K, ldb: rowStride, ldc: L.P, accumulate: false,
      }, what);
      heap.release(mark);
    }
    heap.copyOut(yAt, y, p.n * p.cOut * L.P);
  });
}

/** AcceleratedKernels.conv2dBackwardInput for f32: dx = col2im(Wᵀ · dy). */
export function conv2dBackwardInputF32(ctx: WasmContext, p: Conv2dParams, dy: Float32Array, weight: Float32Array, dx: Float32Array): void {
  const op = 'conv2dBackwardInput';
  const L = layoutOf(ctx, op, p);
  checkLength(op, 'dy', dy.length, p.n * p.cOut * L.P, 'n·cOut·outH·outW');
  checkLength(op, 'weight', weight.length, p.cOut * L.K, 'cOut·cIn/groups·kh·kw');
  checkLength(op, 'dx', dx.length, p.n * p.cIn * p.h * p.w, 'n·cIn·h·w');
  const dxSize = p.n * p.cIn * p.h * p.w;
  if (dxSize === 0) return;
  if (p.cOut * L.P === 0) {
    dx.fill(0, 0, dxSize);
    return;
  }
  const what = describe(op, p);
  const { heap } = ctx;
  withScratch(ctx, () => {
    const dyAt = heap.place(dy, what), wAt = heap.place(weight, what), dxAt = heap.placeOutput(dx, what);
    const geom = geometry(ctx, p, what);
    const colAt = L.direct ? dxAt : heap.alloc(p.cIn * p.kh * p.kw * L.chunk * L.P * 4, what);
    for (let b0 = 0; b0 < p.n; b0 += L.chunk) {
      const nb = Math.min(L.chunk, p.n - b0);
      const rowStride = L.direct ? L.P : nb * L.P, imageStride = L.direct ? p.cIn * L.P : L.P;
      const colBase = L.direct ? b0 * p.cIn * L.P : 0;
      const batch = nb * p.groups;
      const mark = heap.mark();
      runGemm(ctx, {
        a: wAt, b: dyAt, c: colAt,
        aOffs: heap.int32s(batch, (t) => (t % p.groups) * L.og * L.K, what),
        bOffs: heap.int32s(batch, (t) => ((b0 + Math.floor(t / p.groups)) * p.cOut + (t % p.groups) * L.og) * L.P, what),
        cOffs: heap.int32s(batch, (t) => colBase + (t % p.groups) * L.K * rowStride + Math.floor(t / p.groups) * imageStride, what),
        batch, m: L.K, n: L.P, k: L.og, transA: true, transB: false, lda: L.K, ldb: L.P, ldc: rowStride, accumulate: false,
      }, what);
      heap.release(mark);
      if (!L.direct) ctx.pool.run('col2im', [colAt, dxAt, geom, b0, nb], p.cIn, p.cIn * p.kh * p.kw * nb * L.P >= PARALLEL_MIN_WORK);
    }
    heap.copyOut(dxAt, dx, dxSize);
  });
}

/** AcceleratedKernels.conv2dBackwardFilter for f32: dW_g = Σ_chunks dyT_g · col_gᵀ. */
export function conv2dBackwardFilterF32(ctx: WasmContext, p: Conv2dParams, x: Float32Array, dy: Float32Array, dweight: Float32Array): void {
  const op = 'conv2dBackwardFilter';
  const L = layoutOf(ctx, op, p);
  checkLength(op, 'x', x.length, p.n * p.cIn * p.h * p.w, 'n·cIn·h·w');
  checkLength(op, 'dy', dy.length, p.n * p.cOut * L.P, 'n·cOut·outH·outW');
  checkLength(op, 'dweight', dweight.length, p.cOut * L.K, 'cOut·cIn/groups·kh·kw');
  const dwSize = p.cOut * L.K;
  if (p.n * L.P === 0) {
    dweight.fill(0, 0, dwSize);
    return;
  }
  const what = describe(op, p);
  const { heap, pool } = ctx;
  withScratch(ctx, () => {
    const xAt = heap.place(x, what), dyAt = heap.place(dy, what), dwAt = heap.placeOutput(dweight, what);
    const geom = geometry(ctx, p, what);
    const colAt = heap.alloc(p.cIn * p.kh * p.kw * L.chunk * L.P * 4, what);
    const dyT = heap.alloc(p.cOut * L.chunk * L.P * 4, what);
    for (let b0 = 0; b0 < p.n; b0 += L.chunk) {
      const nb = Math.min(L.chunk, p.n - b0);
      const span = nb * L.P;
      im2col(ctx, p, xAt, colAt, geom, b0, nb, L.P);
      // dy[b0 .. b0+nb] [nb, cOut, P] → dyT [cOut, nb, P].
      pool.run('permuteBlocks', [dyAt + b0 * p.cOut * L.P * 4, dyT, nb, p.cOut, L.P], Math.ceil(p.cOut / 8), nb * p.cOut * L.P >= PARALLEL_MIN_WORK);
      const mark = heap.mark();
      runGemm(ctx, {
        a: dyT, b: colAt, c: dwAt,
        aOffs: heap.int32s(p.groups, (g) => g * L.og * span, what),
        bOffs: heap.int32s(p.groups, (g) => g * L.K * span, what),
        cOffs: heap.int32s(p.groups, (g) => g * L.og * L.K, what),
        batch: p.groups, m: L.og, n: L.K, k: span, transA: false, transB: true, lda: span, ldb: span, ldc: L.K, accumulate: b0 > 0,
      }, what);
      heap.release(mark);
    }
    heap.copyOut(dwAt, dweight, dwSize);
  });
}
