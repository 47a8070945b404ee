// Matrix-vector products for GEMM with one output row (m = 1) or one output column (n = 1).
// Both stream the matrix once, contiguously, and are memory bound.
//   gemvRows: y[j] = Σ_p x[p] · M[p·ldm + j]     (M is [k, n] row-major; loop over rows of M)
//   gemvDots: y[j] = Σ_p x[p] · M[j·ldm + p]     (M is [n, k]; one dot product per output)
// x has stride incx (copied to this thread's scratch when incx ≠ 1); y is contiguous.
// Each y[j] is computed the same way whatever column range a thread owns (bit-identical splits).

@inline function ptrAt(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** x as a contiguous vector: itself, or a copy in scratch when strided. */
@inline function contiguousX(x: usize, incx: i32, k: i32, scratch: usize): usize {
  if (incx == 1) return x;
  for (let p = 0; p < k; p++) store<f32>(ptrAt(scratch, p), load<f32>(ptrAt(x, p * incx)));
  return scratch;
}

/** y[j0..j1] = Σ_p x[p] · M[p, j], 8 rows of M per pass over y (y stays in L1). */
function gemvRowsRange(x: usize, mat: usize, ldm: i32, y: usize, k: i32, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) store<f32>(ptrAt(y, j), 0);
  const rowBytes = <usize>ldm << 2;
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const x0 = v128.load32_splat(ptrAt(x, p)), x1 = v128.load32_splat(ptrAt(x, p + 1));
    const x2 = v128.load32_splat(ptrAt(x, p + 2)), x3 = v128.load32_splat(ptrAt(x, p + 3));
    const x4 = v128.load32_splat(ptrAt(x, p + 4)), x5 = v128.load32_splat(ptrAt(x, p + 5));
    const x6 = v128.load32_splat(ptrAt(x, p + 6)), x7 = v128.load32_splat(ptrAt(x, p + 7));
    const r0 = ptrAt(mat, p * ldm);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      let r = r0 + o;
      const yp = y + o;
      let acc = v128.load(yp);
      acc = f32x4.add(acc, f32x4.mul(x0, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x1, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x2, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x3, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x4, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x5, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x6, v128.load(r))); r += rowBytes;
      acc = f32x4.add(acc, f32x4.mul(x7, v128.load(r)));
      v128.store(yp, acc);
    }
    for (; j < j1; j++) {
      let acc = load<f32>(ptrAt(y, j));
      for (let q = 0; q < 8; q++) acc += load<f32>(ptrAt(x, p + q)) * load<f32>(ptrAt(mat, (p + q) * ldm + j));
      store<f32>(ptrAt(y, j), acc);
    }
  }
  for (; p < k; p++) {
    const xs = load<f32>(ptrAt(x, p));
    const xv = f32x4.splat(xs);
    const r0 = ptrAt(mat, p * ldm);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(xv, v128.load(r0 + o))));
    }
    for (; j < j1; j++) store<f32>(ptrAt(y, j), load<f32>(ptrAt(y, j)) + xs * load<f32>(ptrAt(r0, j)));
  }
}

/** Partial sums of x · row over p < k rounded down to 8 (two f32x4 accumulators), reduced to a scalar, plus the tail. */
@inline function dotRow(x: usize, row: usize, k: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const o = <usize>p << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + o), v128.load(row + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(x + o, 16), v128.load(row + o, 16)));
  }
  return finishDot(s0, s1, x, row, p, k);
}

@inline function finishDot(s0: v128, s1: v128, x: usize, row: usize, p0: i32, k: i32): f32 {
  const s = f32x4.add(s0, s1);
  let acc = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (let p = p0; p < k; p++) acc += load<f32>(ptrAt(x, p)) * load<f32>(ptrAt(row, p));
  return acc;
}

/** y[j0..j1] = M[j, :] · x, four rows at a time (x loaded once per four rows). Same arithmetic as dotRow. */
function gemvDotsRange(x: usize, mat: usize, ldm: i32, y: usize, k: i32, j0: i32, j1: i32): void {
  const rowBytes = <usize>ldm << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const m0 = ptrAt(mat, j * ldm), m1 = m0 + rowBytes, m2 = m1 + rowBytes, m3 = m2 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
    let p = 0;
    for (; p + 8 <= k; p += 8) {
      const o = <usize>p << 2;
      const xl = v128.load(x + o), xh = v128.load(x + o, 16);
      a0 = f32x4.add(a0, f32x4.mul(xl, v128.load(m0 + o))); a1 = f32x4.add(a1, f32x4.mul(xh, v128.load(m0 + o, 16)));
      b0 = f32x4.add(b0, f32x4.mul(xl, v128.load(m1 + o))); b1 = f32x4.add(b1, f32x4.mul(xh, v128.load(m1 + o, 16)));
      c0 = f32x4.add(c0, f32x4.mul(xl, v128.load(m2 + o))); c1 = f32x4.add(c1, f32x4.mul(xh, v128.load(m2 + o, 16)));
      d0 = f32x4.add(d0, f32x4.mul(xl, v128.load(m3 + o))); d1 = f32x4.add(d1, f32x4.mul(xh, v128.load(m3 + o, 16)));
    }
    store<f32>(ptrAt(y, j), finishDot(a0, a1, x, m0, p, k));
    store<f32>(ptrAt(y, j + 1), finishDot(b0, b1, x, m1, p, k));
    store<f32>(ptrAt(y, j + 2), finishDot(c0, c1, x, m2, p, k));
    store<f32>(ptrAt(y, j + 3), finishDot(d0, d1, x, m3, p, k));
  }
  for (; j < j1; j++) store<f32>(ptrAt(y, j), dotRow(x, ptrAt(mat, j * ldm), k));
}

/**
 * Batched GEMV over work units (t, group of `groupSize` outputs), units [lo, hi).
 * Vector t at x + xOffs[t], matrix at mat + mOffs[t], output at y + yOffs[t] (element offsets).
 * dots: y = M·x with M [n, k] (gemvDots, groups of 4); else y = xᵀ·M with M [k, n] (gemvRows, groups of 16).
 */
export function gemv(
  x: usize, incx: i32, mat: usize, ldm: i32, y: usize, xOffs: usize, mOffs: usize, yOffs: usize,
  n: i32, k: i32, dots: bool, scratchBase: usize, scratchStride: usize, lo: i32, hi: i32, tid: i32,
): void {
  const scratch = scratchBase + <usize>tid * scratchStride;
  const groupSize = dots ? 4 : 16;
  const groups = (n + groupSize - 1) / groupSize;
  let u = lo;
  while (u < hi) {
    const t = u / groups;
    const g0 = u - t * groups;
    const g1 = min(groups, g0 + (hi - u));
    const xt = contiguousX(ptrAt(x, load<i32>(xOffs + (<usize>t << 2))), incx, k, scratch);
    const mt = ptrAt(mat, load<i32>(mOffs + (<usize>t << 2)));
    const yt = ptrAt(y, load<i32>(yOffs + (<usize>t << 2)));
    const j0 = g0 * groupSize, j1 = min(n, g1 * groupSize);
    if (dots) gemvDotsRange(xt, mt, ldm, yt, k, j0, j1);
    else gemvRowsRange(xt, mt, ldm, yt, k, j0, j1);
    u += g1 - g0;
  }
}
