// Constant fan-in sparse matmul kernels: every output o reads fanIn inputs indices[o, j] with weights values[o, j].
// Instantiated for u16 and i32 indices. Each kernel also records the largest index it read (as u32, so a
// negative i32 shows up as huge) at maxIndexOut + 4·tid, which the caller checks against inFeatures — except
// the batch-1 "Checked" variants' counterparts without it, for callers whose indices were validated once
// (the tensor op validates each indices tensor once; tensors are immutable). Skipping the running max saves
// one load per eight gathers, about 6% of the batch-1 time.
// Per output the arithmetic does not depend on which thread owns it (bit-identical splits).

@inline function ptrAt(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline function indexAt<T>(indices: usize, at: i32): u32 {
  return <u32>load<T>(indices + (<usize>at << alignof<T>()));
}

/**
 * Gather x at the four indices from `at` into one f32x4. The indices are read as scalars (a zero-extending
 * load each) rather than extracted from a vector: extract_lane costs two uops on x86 and was the bottleneck.
 */
@inline function gather4<T>(x: usize, indices: usize, at: i32): v128 {
  const p = indices + (<usize>at << alignof<T>());
  let g = v128.load32_zero(x + (<usize>load<T>(p) << 2));
  g = v128.load32_lane(x + (<usize>load<T>(p, sizeof<T>()) << 2), g, 1);
  g = v128.load32_lane(x + (<usize>load<T>(p, 2 * sizeof<T>()) << 2), g, 2);
  return v128.load32_lane(x + (<usize>load<T>(p, 3 * sizeof<T>()) << 2), g, 3);
}

/** Lane-wise max of `m` and the 8 indices from `at` (u16x8 lanes for u16 indices, u32x4 lanes for i32). */
@inline function maxIndices8<T>(m: v128, indices: usize, at: i32): v128 {
  const p = indices + (<usize>at << alignof<T>());
  return sizeof<T>() == 2 ? i16x8.max_u(m, v128.load(p)) : i32x4.max_u(m, i32x4.max_u(v128.load(p), v128.load(p, 16)));
}

/** The largest lane of a running lane-wise index max (u16x8 lanes for u16 indices, u32x4 lanes for i32), as u32. */
@inline function reduceMax<T>(m: v128): u32 {
  if (sizeof<T>() == 2) {
    const a = i16x8.max_u(m, i16x8.shuffle(m, m, 4, 5, 6, 7, 0, 1, 2, 3));
    const b = i16x8.max_u(a, i16x8.shuffle(a, a, 2, 3, 0, 1, 2, 3, 0, 1));
    return max(<u32>i16x8.extract_lane_u(b, 0), <u32>i16x8.extract_lane_u(b, 1));
  }
  const a = i32x4.max_u(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  return max(<u32>i32x4.extract_lane(a, 0), <u32>i32x4.extract_lane(a, 1));
}

/**
 * Batch 1: y[o] = Σ_j values[o, j] · x[indices[o, j]] for o in [lo, hi).
 * Gathered inputs form f32x4s; four accumulators take groups of four in turn (lane sums by j mod 16; more
 * independent chains measured 2–13% faster than two), fold into two for a last group of eight, then a fixed
 * reduction and a scalar tail. Inlined into each export with a constant `checked`; with it, the largest
 * index is tracked lane-wise in the index type (one vector load and one max per 8 indices), plus a scalar
 * for the tail.
 */
@inline function gatherDot<T>(checked: bool, x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  let maxVec = i32x4.splat(0);
  let maxTail: u32 = 0;
  for (let o = lo; o < hi; o++) {
    const vRow = ptrAt(values, o * fanIn);
    const iRow = o * fanIn;
    let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
    let j = 0;
    for (; j + 16 <= fanIn; j += 16) {
      if (checked) maxVec = maxIndices8<T>(maxIndices8<T>(maxVec, indices, iRow + j), indices, iRow + j + 8);
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(vRow + (<usize>j << 2)), gather4<T>(x, indices, iRow + j)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(vRow + (<usize>j << 2), 16), gather4<T>(x, indices, iRow + j + 4)));
      acc2 = f32x4.add(acc2, f32x4.mul(v128.load(vRow + (<usize>j << 2), 32), gather4<T>(x, indices, iRow + j + 8)));
      acc3 = f32x4.add(acc3, f32x4.mul(v128.load(vRow + (<usize>j << 2), 48), gather4<T>(x, indices, iRow + j + 12)));
    }
    acc0 = f32x4.add(acc0, acc2); acc1 = f32x4.add(acc1, acc3);
    for (; j + 8 <= fanIn; j += 8) {
      if (checked) maxVec = maxIndices8<T>(maxVec, indices, iRow + j);
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(vRow + (<usize>j << 2)), gather4<T>(x, indices, iRow + j)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(vRow + (<usize>j << 2), 16), gather4<T>(x, indices, iRow + j + 4)));
    }
    if (j + 4 <= fanIn) {
      if (checked) for (let l = 0; l < 4; l++) maxTail = max(maxTail, indexAt<T>(indices, iRow + j + l));
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(vRow + (<usize>j << 2)), gather4<T>(x, indices, iRow + j)));
      j += 4;
    }
    const acc = f32x4.add(acc0, acc1);
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < fanIn; j++) {
      const i = indexAt<T>(indices, iRow + j);
      if (checked) maxTail = max(maxTail, i);
      s += load<f32>(ptrAt(vRow, j)) * load<f32>(x + (<usize>i << 2));
    }
    store<f32>(ptrAt(y, o), s);
  }
  if (checked) store<u32>(maxIndexOut + (<usize>tid << 2), max(maxTail, reduceMax<T>(maxVec)));
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
  gatherDot<u16>(true, x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
}
export function fanInGatherI32(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  gatherDot<u32>(true, x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
}
/** As fanInGatherU16/I32 for indices the caller has validated (< inFeatures); maxIndexOut is not written. */
export function fanInGatherValidatedU16(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  gatherDot<u16>(false, x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
}
export function fanInGatherValidatedI32(x: usize, values: usize, indices: usize, y: usize, fanIn: i32, maxIndexOut: usize, lo: i32, hi: i32, tid: i32): void {
  gatherDot<u32>(false, x, values, indices, y, fanIn, maxIndexOut, lo, hi, tid);
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
