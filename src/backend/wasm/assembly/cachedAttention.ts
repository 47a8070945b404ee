// Causal attention of a few queries over a key/value cache, f32, as backend/cpu/cachedAttention.ts (the
// specification): q [queries, heads·d], keys and values [nk, kvHeads·d] row-major, out [queries, heads·d];
// query i at position start + i sees keys j ≤ start + i; query head h reads KV head ⌊h / (heads/kvHeads)⌋.
// Work units are (query, head) pairs u = i·heads + h, [lo, hi). One pass over the visible positions with a
// running maximum m, the sum l of exp(score − m) and acc = Σ exp(score − m)·value, rescaled when m grows.
// Dot products in f32 over 4 lanes, (s0 + s1) + (s2 + s3), then the tail; m, l, the weights and acc (d
// doubles per thread at scratch + tid·d·8) in float64; out = acc / l rounded once.

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline function dot(a: usize, b: usize, d: i32): f32 {
  let s = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= d; c += 4) s = f32x4.add(s, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
  let total = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; c < d; c++) total += load<f32>(at(a, c)) * load<f32>(at(b, c));
  return total;
}

export function cachedAttention(q: usize, keys: usize, values: usize, out: usize, scratch: usize, nk: i32, heads: i32, kvHeads: i32, d: i32,
  scale: f64, start: i32, lo: i32, hi: i32, tid: i32): void {
  const group = heads / kvHeads, qw = heads * d, kw = kvHeads * d;
  const acc = scratch + <usize>(tid * d) * 8;
  for (let u = lo; u < hi; u++) {
    const i = u / heads, h = u % heads;
    const visible = min(nk, start + i + 1);
    const qh = at(q, i * qw + h * d), ko = (h / group) * d;
    for (let c = 0; c < d; c++) store<f64>(acc + (<usize>c << 3), 0);
    let m = -Infinity, l: f64 = 0;
    for (let s = 0; s < visible; s++) {
      const score = scale * <f64>dot(qh, at(keys, s * kw + ko), d);
      if (score > m) {
        const rescale = Math.exp(m - score); // 0 at the first position
        l *= rescale;
        const r2 = f64x2.splat(rescale);
        for (let c = 0; c + 2 <= d; c += 2) v128.store(acc + (<usize>c << 3), f64x2.mul(v128.load(acc + (<usize>c << 3)), r2));
        if (d & 1) store<f64>(acc + (<usize>(d - 1) << 3), load<f64>(acc + (<usize>(d - 1) << 3)) * rescale);
        m = score;
      }
      const w = Math.exp(score - m);
      l += w;
      const w2 = f64x2.splat(w), v = at(values, s * kw + ko);
      let c = 0;
      for (; c + 2 <= d; c += 2) {
        const a = acc + (<usize>c << 3);
        v128.store(a, f64x2.add(v128.load(a), f64x2.mul(w2, f64x2.promote_low_f32x4(v128.load64_zero(at(v, c))))));
      }
      for (; c < d; c++) store<f64>(acc + (<usize>c << 3), load<f64>(acc + (<usize>c << 3)) + w * <f64>load<f32>(at(v, c)));
    }
    const o = at(out, i * qw + h * d);
    for (let c = 0; c < d; c++) store<f32>(at(o, c), <f32>(load<f64>(acc + (<usize>c << 3)) / l));
  }
}
