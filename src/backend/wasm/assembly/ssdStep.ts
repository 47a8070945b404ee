// One decode step of Mamba2's SSD recurrence, f32, as backend/cpu/ssdStep.ts (the specification):
//   S'[h, p, n] = exp(dt_h·A_h)·S[h, p, n] + (x[h, p]·dt_h)·B[g, n],   y[h, p] = Σ_n S'[h, p, n]·C[g, n] + D_h·x[h, p]
// state and stateOut [H, P, N] (may be one array), x and y [H, P], dt, A, D [H], B, C [G, N]; work units are
// heads [lo, hi). Each state value is read and written once, 4 lanes at a time; y sums the new values in
// 4 lane sums, then (s0 + s1) + (s2 + s3), then the tail n = 4⌊N/4⌋ … N − 1 in order.

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

export function ssdStep(state: usize, x: usize, dt: usize, A: usize, B: usize, C: usize, D: usize, stateOut: usize, y: usize,
  H: i32, P: i32, N: i32, G: i32, lo: i32, hi: i32, tid: i32): void {
  const r = H / G;
  for (let h = lo; h < hi; h++) {
    const dth = load<f32>(at(dt, h));
    const decay = <f32>Math.exp(<f64>dth * <f64>load<f32>(at(A, h)));
    const b = at(B, (h / r) * N), c = at(C, (h / r) * N);
    const vdecay = f32x4.splat(decay);
    for (let q = 0; q < P; q++) {
      const xv = load<f32>(at(x, h * P + q)), xdt = xv * dth;
      const vxdt = f32x4.splat(xdt);
      const s = at(state, (h * P + q) * N), so = at(stateOut, (h * P + q) * N);
      let acc = f32x4.splat(0);
      let n = 0;
      for (; n + 4 <= N; n += 4) {
        const v = f32x4.add(f32x4.mul(vdecay, v128.load(at(s, n))), f32x4.mul(vxdt, v128.load(at(b, n))));
        v128.store(at(so, n), v);
        acc = f32x4.add(acc, f32x4.mul(v, v128.load(at(c, n))));
      }
      let total = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      for (; n < N; n++) {
        const v = decay * load<f32>(at(s, n)) + xdt * load<f32>(at(b, n));
        store<f32>(at(so, n), v);
        total += v * load<f32>(at(c, n));
      }
      store<f32>(at(y, h * P + q), total + load<f32>(at(D, h)) * xv);
    }
  }
}
