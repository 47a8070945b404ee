// Blocked f32 GEMM with a 4×8 f32x4 micro-kernel (AssemblyScript, plain wasm SIMD).
// All pointers are byte addresses in the shared memory; nothing here allocates.
//
// C[b] (+)= op(A[b]) · op(B[b]) with leading dimensions (in elements):
//   op(A)[i, p] = transA ? A[p·lda + i] : A[i·lda + p]      op(A) is [m, k]
//   op(B)[p, j] = transB ? B[j·ldb + p] : B[p·ldb + j]      op(B) is [k, n]
//   C[i, j] at C[i·ldc + j]
// Loop nest (GotoBLAS): jc (NC columns) → pc (KC depth, B panel packed) → ic (MC rows, A block packed)
// → jr (8-column strip of packed B, stays in L1) → ir (4-row strip of packed A) → micro-kernel.
// Every C element is computed the same way whatever range a thread owns: a sum over p in order,
// one KC block at a time, stored to C between blocks. So any split over threads is bit-identical.

export const KC: i32 = 256;
export const NC: i32 = 512;
export const MC: i32 = 128;
/** Bytes of per-thread scratch: packed B panel [NC/8][KC][8], packed A block [MC/4][KC][4], one 4×8 tile. */
export const GEMM_SCRATCH_BYTES: i32 = (KC * NC + MC * KC + 32) * 4;

@inline function ptrAt(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Transpose a 4×4 block (rows r0..r3) and store its 4 columns at dst, dst+stride, dst+2·stride, dst+3·stride. */
@inline function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** Pack op(B)[pc .. pc+kc, jc .. jc+nc] into 8-column strips [nc/8][kc][8], zero-padding the last strip. */
function packB(b: usize, transB: bool, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += 8) {
    const nr = min(8, nc - jr);
    let d = ptrAt(dst, jr * kc);
    if (!transB) {
      let s = ptrAt(b, pc * ldb + jc + jr);
      const rowBytes = <usize>ldb << 2;
      if (nr == 8) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += rowBytes; d += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let q = 0; q < 8; q++) store<f32>(d + (<usize>q << 2), q < nr ? load<f32>(s + (<usize>q << 2)) : 0);
          s += rowBytes; d += 32;
        }
      }
    } else if (nr == 8) {
      // Rows of B (columns of op(B)) are contiguous in p: transpose 4×4 blocks.
      const s0 = ptrAt(b, (jc + jr) * ldb + pc);
      const rowBytes = <usize>ldb << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        const lo = s0 + o, hi = s0 + 4 * rowBytes + o;
        storeTransposed4x4(v128.load(lo), v128.load(lo + rowBytes), v128.load(lo + 2 * rowBytes), v128.load(lo + 3 * rowBytes), d + (<usize>p << 5), 32);
        storeTransposed4x4(v128.load(hi), v128.load(hi + rowBytes), v128.load(hi + 2 * rowBytes), v128.load(hi + 3 * rowBytes), d + (<usize>p << 5) + 16, 32);
      }
      for (; p < kc; p++) {
        for (let q = 0; q < 8; q++) store<f32>(d + (<usize>p << 5) + (<usize>q << 2), load<f32>(s0 + <usize>q * rowBytes + (<usize>p << 2)));
      }
    } else {
      for (let q = 0; q < 8; q++) {
        const s = ptrAt(b, (jc + jr + q) * ldb + pc);
        for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 5) + (<usize>q << 2), q < nr ? load<f32>(s + (<usize>p << 2)) : 0);
      }
    }
  }
}

/** Pack op(A)[ic .. ic+mc, pc .. pc+kc] into 4-row strips [mc/4][kc][4], zero-padding the last strip. */
function packA(a: usize, transA: bool, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const rowBytes = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += 4) {
    const mr = min(4, mc - ir);
    const d = ptrAt(dst, ir * kc);
    if (transA) {
      let s = ptrAt(a, pc * lda + ic + ir);
      if (mr == 4) {
        for (let p = 0; p < kc; p++) { v128.store(d + (<usize>p << 4), v128.load(s)); s += rowBytes; }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < 4; r++) store<f32>(d + (<usize>p << 4) + (<usize>r << 2), r < mr ? load<f32>(s + (<usize>r << 2)) : 0);
          s += rowBytes;
        }
      }
    } else if (mr == 4) {
      const s = ptrAt(a, (ic + ir) * lda + pc);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = s + (<usize>p << 2);
        storeTransposed4x4(v128.load(o), v128.load(o + rowBytes), v128.load(o + 2 * rowBytes), v128.load(o + 3 * rowBytes), d + (<usize>p << 4), 16);
      }
      for (; p < kc; p++) {
        for (let r = 0; r < 4; r++) store<f32>(d + (<usize>p << 4) + (<usize>r << 2), load<f32>(s + <usize>r * rowBytes + (<usize>p << 2)));
      }
    } else {
      for (let r = 0; r < 4; r++) {
        const s = ptrAt(a, (ic + ir + r) * lda + pc);
        for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 4) + (<usize>r << 2), r < mr ? load<f32>(s + (<usize>p << 2)) : 0);
      }
    }
  }
}

/**
 * The 4×8 micro-kernel: C[4, 8] (at c, row stride ldcBytes) = (accumulate ? C : 0) + Σ_p ap[p][0..4] ⊗ bp[p][0..8].
 * 8 accumulators, 2 B vectors and 1 splat of A live in registers.
 */
@inline function microKernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const c1 = c + ldcBytes, c2 = c1 + ldcBytes, c3 = c2 + ldcBytes;
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c1); c11 = v128.load(c1, 16);
    c20 = v128.load(c2); c21 = v128.load(c2, 16);
    c30 = v128.load(c3); c31 = v128.load(c3, 16);
  }
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16; bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16);
  v128.store(c3, c30); v128.store(c3, c31, 16);
}

/** A partial tile (mr < 4 or nr < 8): run the same micro-kernel on a 4×8 scratch tile, copy the valid part. */
function edgeTile(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool, tile: usize): void {
  for (let r = 0; r < 4; r++) {
    for (let q = 0; q < 8; q++) {
      const v: f32 = accumulate && r < mr && q < nr ? load<f32>(ptrAt(c, r * ldc + q)) : 0;
      store<f32>(ptrAt(tile, r * 8 + q), v);
    }
  }
  microKernel4x8(kc, ap, bp, tile, 32, accumulate);
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) store<f32>(ptrAt(c, r * ldc + q), load<f32>(ptrAt(tile, r * 8 + q)));
  }
}

/** C[i0..i1, j0..j1] of one matrix product; scratch is this thread's GEMM_SCRATCH_BYTES. */
function gemmRange(
  a: usize, b: usize, c: usize, k: i32, transA: bool, transB: bool, lda: i32, ldb: i32, ldc: i32,
  accumulate: bool, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const bPack = scratch;
  const aPack = ptrAt(scratch, KC * NC);
  const tile = ptrAt(aPack, MC * KC);
  const ldcBytes = <usize>ldc << 2;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, transB, ldb, pc, jc, kc, nc, bPack);
      const acc = accumulate || pc > 0;
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA(a, transA, lda, ic, pc, mc, kc, aPack);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          const bp = ptrAt(bPack, jr * kc);
          for (let ir = 0; ir < mc; ir += 4) {
            const mr = min(4, mc - ir);
            const cp = ptrAt(c, (ic + ir) * ldc + jc + jr);
            const ap = ptrAt(aPack, ir * kc);
            if (mr == 4 && nr == 8) microKernel4x8(kc, ap, bp, cp, ldcBytes, acc);
            else edgeTile(kc, ap, bp, cp, ldc, mr, nr, acc, tile);
          }
        }
      }
    }
  }
}

/**
 * Batched GEMM over a range of work units. Matrix t uses A + aOffs[t], B + bOffs[t], C + cOffs[t]
 * (i32 element offsets). splitRows: unit = (t, 4-row group), else unit = (t, 8-column group);
 * units are numbered t·groups + g and this call does units [lo, hi). k must be > 0.
 */
export function gemmBlocked(
  a: usize, b: usize, c: usize, aOffs: usize, bOffs: usize, cOffs: usize,
  m: i32, n: i32, k: i32, transA: bool, transB: bool, lda: i32, ldb: i32, ldc: i32,
  accumulate: bool, splitRows: bool, scratchBase: usize, scratchStride: usize,
  lo: i32, hi: i32, tid: i32,
): void {
  const scratch = scratchBase + <usize>tid * scratchStride;
  const groups = splitRows ? (m + 3) >> 2 : (n + 7) >> 3;
  let u = lo;
  while (u < hi) {
    const t = u / groups;
    const g0 = u - t * groups;
    const g1 = min(groups, g0 + (hi - u));
    const at = ptrAt(a, load<i32>(aOffs + (<usize>t << 2)));
    const bt = ptrAt(b, load<i32>(bOffs + (<usize>t << 2)));
    const ct = ptrAt(c, load<i32>(cOffs + (<usize>t << 2)));
    if (splitRows) gemmRange(at, bt, ct, k, transA, transB, lda, ldb, ldc, accumulate, g0 * 4, min(m, g1 * 4), 0, n, scratch);
    else gemmRange(at, bt, ct, k, transA, transB, lda, ldb, ldc, accumulate, 0, m, g0 * 8, min(n, g1 * 8), scratch);
    u += g1 - g0;
  }
}

export function gemmScratchBytes(): i32 {
  return GEMM_SCRATCH_BYTES;
}
