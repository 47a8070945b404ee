// GEMV over a weight in its stored dtype, as backend/cpu/weightGemv.ts (the specification):
//   y[r, o] = Σ_i x[r, i] · w[o, i]     x [rows, in] f32, w [out, in] f32 / bf16 / f16, y [rows, out] f32
// dtype: 0 = f32, 1 = bf16, 2 = f16 (16-bit words). Work units are groups of 4 output rows, [lo, hi).
//
// Widening, 4 weights at a time, exact: f32 a load; bf16 load16x4_u (zero-extend to i32) and a shift by 16;
// f16 has no wasm instruction, so its bits are rebuilt with integer ops (f16Bits below; no subnormal float
// arithmetic, which costs microcode assists on x86). f16 therefore costs ~15 ops per 4 weights and runs
// compute-bound below the read bandwidth; bf16 and f32 are a load or two per 4 weights.
// A block is 4 weight rows against 1 or 2 input rows (4 or 8 f32x4 accumulators); more input rows take
// further passes over the block, whose rows the first pass left in L1/L2, so the weights are read from
// memory once per call.
// Accumulation order of every y[r, o] (the same in every block, for any split over threads, so results are
// bit-identical for any thread count): 4 f32 lane sums s_l += x·w (a rounded product, then a rounded add;
// wasm SIMD has no FMA) over i = l, l + 4, … below in rounded down to 4; then (s0 + s1) + (s2 + s3); then the
// tail i = 4⌊in/4⌋ … in − 1 in order.

@inline function f32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Bytes per stored weight. */
@inline function weightBytes(dtype: i32): i32 {
  return dtype == 0 ? 4 : 2;
}

/**
 * binary16 bits (one per i32 lane, zero-extended) → float32, exact. With em = (h & 0x7fff) << 13 (exponent
 * and fraction in float32 position, exponent still biased by 15): a normal half is em + (112 << 23); ±Infinity
 * and NaN (exponent 31) get 112 << 23 more, reaching exponent 255; zero and subnormals (exponent 0) are
 * f32(em + (113 << 23)) − 2⁻¹⁴ = fraction · 2⁻²⁴ (two normal floats, an exact difference). Then the sign.
 */
@inline function f16Bits(h: v128): v128 {
  const exponent = v128.and(h, i32x4.splat(0x7c00));
  const normal = i32x4.add(i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13), i32x4.splat(112 << 23));
  const special = i32x4.add(normal, v128.and(i32x4.eq(exponent, i32x4.splat(0x7c00)), i32x4.splat(112 << 23)));
  const small = f32x4.sub(i32x4.add(normal, i32x4.splat(1 << 23)), f32x4.splat(<f32>6.103515625e-5));
  const magnitude = v128.bitselect(small, special, i32x4.eq(exponent, i32x4.splat(0)));
  return v128.or(magnitude, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
}

/** 4 consecutive weights from byte address p as f32x4. */
@inline function widen4(dtype: i32, p: usize): v128 {
  if (dtype == 0) return v128.load(p);
  if (dtype == 1) return i32x4.shl(v128.load16x4_u(p), 16);
  return f16Bits(v128.load16x4_u(p));
}

/** One weight at byte address p as f32 (the tail), by the same conversions. */
@inline function widen1(dtype: i32, p: usize): f32 {
  if (dtype == 0) return load<f32>(p);
  if (dtype == 1) return reinterpret<f32>(<u32>load<u16>(p) << 16);
  return f32x4.extract_lane(f16Bits(i32x4.splat(<i32>load<u16>(p))), 0);
}

/** (s0 + s1) + (s2 + s3) of the lane sums, plus the tail i = i0 … in − 1 of x · w in order. */
@inline function finish(dtype: i32, s: v128, x: usize, w: usize, i0: i32, inWidth: i32): f32 {
  let acc = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  const bytes = weightBytes(dtype);
  for (let i = i0; i < inWidth; i++) acc += load<f32>(f32At(x, i)) * widen1(dtype, w + <usize>(i * bytes));
  return acc;
}

/**
 * Outputs o … o + 3 of input row r (and r + 1 when `two`): weight rows w0 … w3 (byte addresses), input rows
 * x0 = x + r·in (and x0 + in), outputs at y + (r·out + o)·4.
 */
@inline function block4(dtype: i32, two: bool, x0: usize, w0: usize, y0: usize, inWidth: i32, outWidth: i32): void {
  const rowBytes = <usize>(inWidth * weightBytes(dtype));
  const w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
  const x1 = f32At(x0, inWidth);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  const bytes = weightBytes(dtype);
  let i = 0;
  for (; i + 4 <= inWidth; i += 4) {
    const at = <usize>(i * bytes);
    const v0 = widen4(dtype, w0 + at), v1 = widen4(dtype, w1 + at), v2 = widen4(dtype, w2 + at), v3 = widen4(dtype, w3 + at);
    const xa = v128.load(f32At(x0, i));
    a0 = f32x4.add(a0, f32x4.mul(xa, v0)); a1 = f32x4.add(a1, f32x4.mul(xa, v1));
    a2 = f32x4.add(a2, f32x4.mul(xa, v2)); a3 = f32x4.add(a3, f32x4.mul(xa, v3));
    if (two) {
      const xb = v128.load(f32At(x1, i));
      b0 = f32x4.add(b0, f32x4.mul(xb, v0)); b1 = f32x4.add(b1, f32x4.mul(xb, v1));
      b2 = f32x4.add(b2, f32x4.mul(xb, v2)); b3 = f32x4.add(b3, f32x4.mul(xb, v3));
    }
  }
  store<f32>(y0, finish(dtype, a0, x0, w0, i, inWidth));
  store<f32>(y0, finish(dtype, a1, x0, w1, i, inWidth), 4);
  store<f32>(y0, finish(dtype, a2, x0, w2, i, inWidth), 8);
  store<f32>(y0, finish(dtype, a3, x0, w3, i, inWidth), 12);
  if (two) {
    const y1 = f32At(y0, outWidth);
    store<f32>(y1, finish(dtype, b0, x1, w0, i, inWidth));
    store<f32>(y1, finish(dtype, b1, x1, w1, i, inWidth), 4);
    store<f32>(y1, finish(dtype, b2, x1, w2, i, inWidth), 8);
    store<f32>(y1, finish(dtype, b3, x1, w3, i, inWidth), 12);
  }
}

/** Output o of input row x0 against weight row w0 alone (the last out mod 4 outputs): the same arithmetic. */
@inline function dot1(dtype: i32, x0: usize, w0: usize, inWidth: i32): f32 {
  const bytes = weightBytes(dtype);
  let a = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= inWidth; i += 4) a = f32x4.add(a, f32x4.mul(v128.load(f32At(x0, i)), widen4(dtype, w0 + <usize>(i * bytes))));
  return finish(dtype, a, x0, w0, i, inWidth);
}

/** Output groups [lo, hi) of 4 rows each, for every input row. */
@inline function weightGemvAs(dtype: i32, x: usize, w: usize, y: usize, rows: i32, inWidth: i32, outWidth: i32, lo: i32, hi: i32): void {
  const rowBytes = <usize>(inWidth * weightBytes(dtype));
  const end = min(outWidth, hi * 4);
  let o = lo * 4;
  for (; o + 4 <= end; o += 4) {
    const wo = w + <usize>o * rowBytes;
    let r = 0;
    for (; r + 2 <= rows; r += 2) block4(dtype, true, f32At(x, r * inWidth), wo, f32At(y, r * outWidth + o), inWidth, outWidth);
    if (r < rows) block4(dtype, false, f32At(x, r * inWidth), wo, f32At(y, r * outWidth + o), inWidth, outWidth);
  }
  for (; o < end; o++) {
    for (let r = 0; r < rows; r++) store<f32>(f32At(y, r * outWidth + o), dot1(dtype, f32At(x, r * inWidth), w + <usize>o * rowBytes, inWidth));
  }
}

export function weightGemv(x: usize, w: usize, y: usize, rows: i32, inWidth: i32, outWidth: i32, dtype: i32, lo: i32, hi: i32, tid: i32): void {
  if (dtype == 1) weightGemvAs(1, x, w, y, rows, inWidth, outWidth, lo, hi);
  else if (dtype == 2) weightGemvAs(2, x, w, y, rows, inWidth, outWidth, lo, hi);
  else weightGemvAs(0, x, w, y, rows, inWidth, outWidth, lo, hi);
}
