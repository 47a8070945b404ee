// Constant fan-in sparse matmul kernels: every output o reads fanIn inputs indices[o, j] with weights values[o, j].
// Instantiated for u16 and i32 indices. Each kernel also records the largest index it read (as u32, so a
// negative i32 shows up as huge) at maxIndexOut + 4·tid, which the caller checks against inFeatures.
// Per output the arithmetic does not depend on which thread owns it (bit-identical splits).

@inline function ptrAt(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline function indexAt<T>(indices: usize, at: i32): u32 {
  return <u32>load<T>(indices + (<usize>at << alignof<T>()));
}

/** Four indices from `at` as u32 lanes. */
@inline function indexVector<T>(indices: usize, at: i32): v128 {
  const p = indices + (<usize>at << alignof<T>());
  return sizeof<T>() == 2 ? i32x4.extend_low_i16x8_u(v128.load64_zero(p)) : v128.load(p);
}

/** Gather x at the four lanes of `idx` into one f32x4. */
@inline function gather4(x: usize, idx: v128): v128 {
  let g = v128.load32_zero(x + (<usize>i32x4.extract_lane(idx, 0) << 2));
  g = v128.load32_lane(x + (<usize>i32x4.extract_lane(idx, 1) << 2), g, 1);
  g = v128.load32_lane(x + (<usize>i32x4.extract_lane(idx, 2) << 2), g, 2);
  return v128.load32_lane(x + (<usize>i32x4.extract_lane(idx, 3) << 2), g, 3);
}

/**
 * Batch 1: y[o] = Σ_j values[o, j] · x[indices[o, j]] for o in [lo, hi).
 * Gathered inputs form f32x4s; two accumulators take alternate groups of four (lane sums by j mod 8),
 * then a fixed reduction and a scalar tail. The largest index is tracked as a u32x4 max.
 */
function gatherDot<T>(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  let maxIndex = i32x4.splat(0);
  for (let o = lo; o < hi; o++) {
    const vRow = ptrAt(values, o * fanIn);
    const iRow = o * fanIn;
    let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0);
    let j = 0;
    for (; j + 8 <= fanIn; j += 8) {
      const idx0 = indexVector<T>(indices, iRow + j), idx1 = indexVector<T>(indices, iRow + j + 4);
      maxIndex = i32x4.max_u(maxIndex, i32x4.max_u(idx0, idx1));
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(vRow + (<usize>j << 2)), gather4(x, idx0)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(vRow + (<usize>j << 2), 16), gather4(x, idx1)));
    }
    if (j + 4 <= fanIn) {
      const idx0 = indexVector<T>(indices, iRow + j);
      maxIndex = i32x4.max_u(maxIndex, idx0);
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(vRow + (<usize>j << 2)), gather4(x, idx0)));
      j += 4;
    }
    const acc = f32x4.add(acc0, acc1);
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < fanIn; j++) {
      const i = indexAt<T>(indices, iRow + j);
      maxIndex = i32x4.max_u(maxIndex, i32x4.splat(i));
      s += load<f32>(ptrAt(vRow, j)) * load<f32>(x + (<usize>i << 2));
    }
    store<f32>(ptrAt(y, o), s);
  }
  const m = i32x4.max_u(maxIndex, i32x4.shuffle(maxIndex, maxIndex, 2, 3, 0, 1));
  store<u32>(maxIndexOut + (<usize>tid << 2), max(<u32>i32x4.extract_lane(m, 0), <u32>i32x4.extract_lane(m, 1)));
}

/**
 * Feature-major: x [in, batch], y [out, batch]; y[o, b] = Σ_j values[o, j] · x[indices[o, j], b] summed in j order.
 * The batch is tiled 32 lanes (8 accumulators, one splat weight), then 4 lanes, then one.
 */
function featureMajor<T>(x: usize, values: usize, indices: usize, y: usize, batch: i32, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  let maxIndex: u32 = 0;
  const rowBytes = <usize>batch << 2;
  for (let o = lo; o < hi; o++) {
    const vRow = ptrAt(values, o * fanIn);
    const iRow = o * fanIn;
    const yRow = ptrAt(y, o * batch);
    for (let j = 0; j < fanIn; j++) maxIndex = max(maxIndex, indexAt<T>(indices, iRow + j));
    let t = 0;
    for (; t + 32 <= batch; t += 32) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
      const tOff = <usize>t << 2;
      for (let j = 0; j < fanIn; j++) {
        const w = v128.load32_splat(ptrAt(vRow, j));
        const xr = x + <usize>indexAt<T>(indices, iRow + j) * rowBytes + tOff;
        a0 = f32x4.add(a0, f32x4.mul(w, v128.load(xr))); a1 = f32x4.add(a1, f32x4.mul(w, v128.load(xr, 16)));
        a2 = f32x4.add(a2, f32x4.mul(w, v128.load(xr, 32))); a3 = f32x4.add(a3, f32x4.mul(w, v128.load(xr, 48)));
        a4 = f32x4.add(a4, f32x4.mul(w, v128.load(xr, 64))); a5 = f32x4.add(a5, f32x4.mul(w, v128.load(xr, 80)));
        a6 = f32x4.add(a6, f32x4.mul(w, v128.load(xr, 96))); a7 = f32x4.add(a7, f32x4.mul(w, v128.load(xr, 112)));
      }
      const yp = yRow + tOff;
      v128.store(yp, a0); v128.store(yp, a1, 16); v128.store(yp, a2, 32); v128.store(yp, a3, 48);
      v128.store(yp, a4, 64); v128.store(yp, a5, 80); v128.store(yp, a6, 96); v128.store(yp, a7, 112);
    }
    for (; t + 4 <= batch; t += 4) {
      let a = f32x4.splat(0);
      const tOff = <usize>t << 2;
      for (let j = 0; j < fanIn; j++) {
        const xr = x + <usize>indexAt<T>(indices, iRow + j) * rowBytes + tOff;
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(ptrAt(vRow, j)), v128.load(xr)));
      }
      v128.store(yRow + tOff, a);
    }
    for (; t < batch; t++) {
      let s: f32 = 0;
      for (let j = 0; j < fanIn; j++) {
        s += load<f32>(ptrAt(vRow, j)) * load<f32>(x + <usize>indexAt<T>(indices, iRow + j) * rowBytes + (<usize>t << 2));
      }
      store<f32>(ptrAt(yRow, t), s);
    }
  }
  store<u32>(maxIndexOut + (<usize>tid << 2), maxIndex);
}

export function fanInGatherU16(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  gatherDot<u16>(x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
}
export function fanInGatherI32(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  gatherDot<u32>(x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
}
export function fanInFeatureMajorU16(x: usize, values: usize, indices: usize, y: usize, batch: i32, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  featureMajor<u16>(x, values, indices, y, batch, fanIn, maxIndexOut, lo, hi, tid);
}
export function fanInFeatureMajorI32(x: usize, values: usize, indices: usize, y: usize, batch: i32, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  featureMajor<u32>(x, values, indices, y, batch, fanIn, maxIndexOut, lo, hi, tid);
}

/**
 * Block transpose: dst[c, r, 0..block] = src[r, c, 0..block] for src [rows, cols, block].
 * Units are groups of 8 columns of src (rows of dst), [lo, hi). With block = 1 this is a matrix transpose.
 */
export function permuteBlocks(src: usize, dst: usize, rows: i32, cols: i32, block: i32, lo: i32, hi: i32): void {
  const c1 = min(cols, hi * 8);
  const blockBytes = <usize>block << 2;
  for (let c0 = lo * 8; c0 < c1; c0 += 8) {
    const ce = min(c1, c0 + 8);
    for (let r = 0; r < rows; r++) {
      for (let c = c0; c < ce; c++) {
        const s = ptrAt(src, (r * cols + c) * block), d = ptrAt(dst, (c * rows + r) * block);
        if (block == 1) store<f32>(d, load<f32>(s));
        else memory.copy(d, s, blockBytes);
      }
    }
  }
}
