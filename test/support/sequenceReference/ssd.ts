// Mamba2's state-space dual (SSD) layer with a scalar decay per head: the readable reference for both
// paths (typed arrays, inference only; Dao & Gu 2024, ssd_minimal; research/zamba2.md §D).
//
// Shapes: x [L, H, P], dt [L, H] (already softplus'ed and clamped), A [H] (negative), B and C [L, G, N],
// D [H], state [H, P, N]. Head h reads group floor(h / (H/G)).
//   recurrence:  S_t = exp(dt_t·A)·S_{t−1} + dt_t · x_t ⊗ B_t        y_t = S_t·C_t + D·x_t
//   chunked:     per chunk of Q positions, with cum_l = Σ_{k ≤ l in chunk} dt_k·A,
//     Y_diag[l] = Σ_{s ≤ l} exp(cum_l − cum_s)(C_l·B_s) dt_s x_s          (intra-chunk, quadratic)
//     Y_off[l]  = exp(cum_l) · (S_prev · C_l)                               (state carried into the chunk)
//     S_next    = exp(cum_end)·S_prev + Σ_s exp(cum_end − cum_s) dt_s x_s ⊗ B_s
// Both start from `state` (the initial / cached state) and leave the final state in it. A last chunk
// shorter than Q is the padded chunk of the reference with the padding dropped (padding contributes 0).
import { rangeError, shapeError } from '../../../src/core/errors.js';
import type { FloatArray } from '../../../src/core/dtype.js';
import { allocLike } from './rows.js';

export interface SsdDims {
  /** sequence length */
  readonly length: number;
  readonly heads: number;
  readonly headDim: number;
  readonly groups: number;
  readonly stateSize: number;
}

export interface SsdInputs {
  readonly x: FloatArray;
  readonly dt: FloatArray;
  readonly A: FloatArray;
  readonly B: FloatArray;
  readonly C: FloatArray;
  readonly D: FloatArray;
}

function checkSizes(d: SsdDims, inp: SsdInputs, state: FloatArray): void {
  const { length: L, heads: H, headDim: P, groups: G, stateSize: N } = d;
  const want: [string, number, number][] = [
    ['x', inp.x.length, L * H * P], ['dt', inp.dt.length, L * H], ['A', inp.A.length, H], ['B', inp.B.length, L * G * N],
    ['C', inp.C.length, L * G * N], ['D', inp.D.length, H], ['state', state.length, H * P * N],
  ];
  for (const [name, got, expected] of want) {
    if (got !== expected) throw shapeError('ssd', `${name} length`, String(expected), got);
  }
  if (H % G !== 0) throw shapeError('ssd', 'heads', `a multiple of groups ${G}`, H);
}

/** Token-by-token recurrence. Returns y [L, H, P]; `state` [H, P, N] is updated in place. */
export function ssdRecurrent(d: SsdDims, inp: SsdInputs, state: FloatArray): FloatArray {
  checkSizes(d, inp, state);
  const { length: L, heads: H, headDim: P, groups: G, stateSize: N } = d;
  const { x, dt, A, B, C, D } = inp;
  const y = allocLike(x, L * H * P);
  const perGroup = H / G;
  for (let t = 0; t < L; t++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / perGroup);
      const dth = dt[t * H + h]!;
      const decay = Math.exp(dth * A[h]!);
      const bo = (t * G + g) * N;
      for (let p = 0; p < P; p++) {
        const xv = x[(t * H + h) * P + p]!;
        const so = (h * P + p) * N;
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const s = decay * state[so + n]! + dth * xv * B[bo + n]!;
          state[so + n] = s;
          acc += s * C[bo + n]!;
        }
        y[(t * H + h) * P + p] = acc + D[h]! * xv;
      }
    }
  }
  return y;
}

/** Chunked SSD (chunk size Q, 256 in Zamba2). Returns y [L, H, P]; `state` is updated in place. */
export function ssdChunked(d: SsdDims, inp: SsdInputs, state: FloatArray, chunkSize: number): FloatArray {
  checkSizes(d, inp, state);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw rangeError('ssd', 'chunk size', 'a positive integer', chunkSize);
  const { length: L, heads: H, headDim: P, groups: G, stateSize: N } = d;
  const { x, dt, A, B, C, D } = inp;
  const y = allocLike(x, L * H * P);
  const perGroup = H / G;
  const Q = chunkSize;
  const cb = new Float64Array(G * Q * Q); // C_l·B_s per group, l ≥ s
  const cum = new Float64Array(Q);
  const w = new Float64Array(Q); // exp(cum_end − cum_s)·dt_s
  const sPrev = new Float64Array(P * N);
  const acc = new Float64Array(P);
  for (let c0 = 0; c0 < L; c0 += Q) {
    const q = Math.min(Q, L - c0);
    for (let g = 0; g < G; g++) {
      for (let l = 0; l < q; l++) {
        const co = ((c0 + l) * G + g) * N;
        for (let s = 0; s <= l; s++) {
          const bo = ((c0 + s) * G + g) * N;
          let dot = 0;
          for (let n = 0; n < N; n++) dot += C[co + n]! * B[bo + n]!;
          cb[(g * Q + l) * Q + s] = dot;
        }
      }
    }
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / perGroup);
      const a = A[h]!;
      let run = 0;
      for (let l = 0; l < q; l++) cum[l] = run += dt[(c0 + l) * H + h]! * a;
      const cumEnd = cum[q - 1]!;
      for (let i = 0; i < P * N; i++) sPrev[i] = state[h * P * N + i]!;
      for (let l = 0; l < q; l++) {
        // Y_off: exp(cum_l) · S_prev · C_l
        const co = ((c0 + l) * G + g) * N;
        const e = Math.exp(cum[l]!);
        for (let p = 0; p < P; p++) {
          let s = 0;
          for (let n = 0; n < N; n++) s += sPrev[p * N + n]! * C[co + n]!;
          acc[p] = e * s;
        }
        // Y_diag: Σ_{s ≤ l} exp(cum_l − cum_s)(C_l·B_s) dt_s x_s
        for (let s = 0; s <= l; s++) {
          const coef = Math.exp(cum[l]! - cum[s]!) * cb[(g * Q + l) * Q + s]! * dt[(c0 + s) * H + h]!;
          const xo = ((c0 + s) * H + h) * P;
          for (let p = 0; p < P; p++) acc[p]! += coef * x[xo + p]!;
        }
        const xo = ((c0 + l) * H + h) * P;
        for (let p = 0; p < P; p++) y[xo + p] = acc[p]! + D[h]! * x[xo + p]!;
      }
      // Chunk-end state: exp(cum_end)·S_prev + Σ_s exp(cum_end − cum_s) dt_s x_s ⊗ B_s
      for (let s = 0; s < q; s++) w[s] = Math.exp(cumEnd - cum[s]!) * dt[(c0 + s) * H + h]!;
      const eEnd = Math.exp(cumEnd);
      for (let p = 0; p < P; p++) {
        for (let n = 0; n < N; n++) {
          let v = eEnd * sPrev[p * N + n]!;
          for (let s = 0; s < q; s++) v += w[s]! * x[((c0 + s) * H + h) * P + p]! * B[((c0 + s) * G + g) * N + n]!;
          state[(h * P + p) * N + n] = v;
        }
      }
    }
  }
  return y;
}
