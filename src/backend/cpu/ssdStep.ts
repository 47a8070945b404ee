// One decode step of Mamba2's SSD recurrence, fused (the specification the native and wasm kernels follow;
// nn/sequence/ssd.ts's composite ssdRecurrent is the reference of the parity test):
//   S'[h, p, n] = exp(dt_h·A_h)·S[h, p, n] + (x[h, p]·dt_h)·B[g, n]       g = ⌊h / (H/G)⌋
//   y[h, p]     = Σ_n S'[h, p, n]·C[g, n] + D_h·x[h, p]
// state and stateOut [H, P, N] (stateOut may be state itself: the update reads each value before writing it),
// x and y [H, P], dt, A, D [H], B and C [G, N]. The state is walked once: one read and one write per value.
// Arithmetic in float64; each new state value is rounded to the arrays' precision when stored, and y reads
// the stored values (as the composite's matmul does).
import { shapeError, valueError } from '../../core/errors.js';
import type { FloatArray } from '../../core/dtype.js';
import type { SsdStepParams } from '../kernels.js';

/** Validate the parameters and array lengths (every backend's wrapper calls this first). */
export function checkSsdStep(p: SsdStepParams, arrays: Record<'state' | 'x' | 'dt' | 'A' | 'B' | 'C' | 'D' | 'stateOut' | 'y', FloatArray>): void {
  const { heads: H, headDim: P, stateSize: N, groups: G } = p;
  for (const [name, v] of Object.entries({ heads: H, headDim: P, stateSize: N, groups: G })) {
    if (!Number.isInteger(v) || v < 1) throw valueError('ssdStep', name, 'a positive integer', v);
  }
  if (H % G !== 0) throw valueError('ssdStep', 'groups', `a divisor of heads ${H}`, G);
  const want = { state: H * P * N, x: H * P, dt: H, A: H, B: G * N, C: G * N, D: H, stateOut: H * P * N, y: H * P };
  for (const [name, n] of Object.entries(want)) {
    const a = arrays[name as keyof typeof want];
    if (a.length < n) throw shapeError('ssdStep', name, `at least ${n} values`, [a.length]);
  }
}

export function ssdStep(p: SsdStepParams, state: FloatArray, x: FloatArray, dt: FloatArray, A: FloatArray, B: FloatArray, C: FloatArray, D: FloatArray, stateOut: FloatArray, y: FloatArray): void {
  checkSsdStep(p, { state, x, dt, A, B, C, D, stateOut, y });
  const { heads: H, headDim: P, stateSize: N, groups: G } = p;
  const r = H / G;
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / r), decay = Math.exp(dt[h]! * A[h]!), bo = g * N;
    for (let q = 0; q < P; q++) {
      const xv = x[h * P + q]!, xdt = xv * dt[h]!, so = (h * P + q) * N;
      let acc = 0;
      for (let n = 0; n < N; n++) {
        stateOut[so + n] = decay * state[so + n]! + xdt * B[bo + n]!;
        acc += stateOut[so + n]! * C[bo + n]!; // the stored (rounded) state, as the composite's matmul reads it
      }
      y[h * P + q] = acc + D[h]! * xv;
    }
  }
}
