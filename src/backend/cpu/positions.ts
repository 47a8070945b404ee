// The infinite-width image kernels on [P, P] position-covariance blocks (kernels.ts: PositionGramParams …
// positionSandwich), as plain loops: the specification the native kernels are tested against. float64 only.
//   positionGram      out[i, j, p, q] = (Σ_c x1[i, c, p]·x2[j, c, q]) / C, c in order      [n1, n2, P, P]
//   positionConv      out[b, o1, o2] = scale·((1/taps) Σ_d src[b, src_d(o1), src_d(o2)]) + shift (+ add)
//   positionPool      out[b, o1, o2] = ((1/window⁴) Σ_{a ∈ win(o1), c ∈ win(o2)} src[b, a, c])·scale
//   positionReduce    out[b] = mean of the block (or of its diagonal)
//   positionSandwich  out[b] = w·A_i (M[b] + alpha·M2[b]) B_jᵀ + c
import type { PositionConvParams, PositionGramParams, PositionPoolParams } from '../kernels.js';

export function positionGram(p: PositionGramParams, x1: Float64Array, x2: Float64Array, out: Float64Array): void {
  const { n1, n2, channels: C, positions: P } = p;
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      const o = (i * n2 + j) * P * P, jj = p.self ? i : j;
      for (let a = 0; a < P; a++) {
        for (let b = 0; b < P; b++) {
          let s = 0;
          for (let c = 0; c < C; c++) s += x1[(i * C + c) * P + a]! * x2[(jj * C + c) * P + b]!;
          out[o + a * P + b] = s / C;
        }
      }
    }
  }
}

/** An input index along one axis: wrapped (circular) or −1 outside [0, n). */
const axisIndex = (i: number, n: number, circular: boolean) => (circular ? ((i % n) + n) % n : i >= 0 && i < n ? i : -1);

/**
 * source[t·Q + o]: the input position that output position o reads at filter tap t = dh·kw + dw (−1: outside
 * the image). Shared by the cpu reference and the native wrapper's checks.
 */
export function convSources(p: PositionConvParams): Int32Array {
  const Q = p.outH * p.outW, taps = p.kh * p.kw;
  const source = new Int32Array(taps * Q);
  for (let dh = 0; dh < p.kh; dh++) for (let dw = 0; dw < p.kw; dw++) {
    const t = dh * p.kw + dw;
    for (let h = 0; h < p.outH; h++) for (let w = 0; w < p.outW; w++) {
      const i = axisIndex(p.stride * h + dh - p.padH, p.h, p.circular), j = axisIndex(p.stride * w + dw - p.padW, p.w, p.circular);
      source[t * Q + h * p.outW + w] = i < 0 || j < 0 ? -1 : i * p.w + j;
    }
  }
  return source;
}

export function positionConv(p: PositionConvParams, src: Float64Array, add: Float64Array | null, out: Float64Array): void {
  const P = p.h * p.w, Q = p.outH * p.outW, taps = p.kh * p.kw, norm = 1 / taps;
  const source = convSources(p);
  const sum = new Float64Array(Q * Q);
  for (let b = 0; b < p.blocks; b++) {
    const s0 = b * P * P, o0 = b * Q * Q;
    sum.fill(0);
    for (let t = 0; t < taps; t++) {
      const tq = t * Q;
      for (let o1 = 0; o1 < Q; o1++) {
        const r = source[tq + o1]!;
        if (r < 0) continue;
        const row = s0 + r * P;
        for (let o2 = 0; o2 < Q; o2++) {
          const c = source[tq + o2]!;
          if (c >= 0) sum[o1 * Q + o2] += src[row + c]!;
        }
      }
    }
    for (let e = 0; e < Q * Q; e++) out[o0 + e] = p.scale * (sum[e]! * norm) + p.shift + (add === null ? 0 : add[o0 + e]!);
  }
}

/** Per output position, the in-image input positions of its pooling window. */
function poolWindows(p: PositionPoolParams): number[][] {
  const windows: number[][] = [];
  for (let oh = 0; oh < p.outH; oh++) {
    for (let ow = 0; ow < p.outW; ow++) {
      const list: number[] = [];
      for (let dh = 0; dh < p.window; dh++) {
        for (let dw = 0; dw < p.window; dw++) {
          const h = oh * p.stride + dh - p.pad, w = ow * p.stride + dw - p.pad;
          if (h >= 0 && h < p.h && w >= 0 && w < p.w) list.push(h * p.w + w);
        }
      }
      windows.push(list);
    }
  }
  return windows;
}

export function positionPool(p: PositionPoolParams, src: Float64Array, out: Float64Array): void {
  const windows = poolWindows(p);
  const P = p.h * p.w, Q = p.outH * p.outW, norm = 1 / (p.window * p.window) ** 2;
  for (let b = 0; b < p.blocks; b++) {
    const s0 = b * P * P, o0 = b * Q * Q;
    for (let q1 = 0; q1 < Q; q1++) {
      for (let q2 = 0; q2 < Q; q2++) {
        let s = 0;
        for (const a of windows[q1]!) for (const c of windows[q2]!) s += src[s0 + a * P + c]!;
        out[o0 + q1 * Q + q2] = s * norm * p.scale;
      }
    }
  }
}

export function positionReduce(blocks: number, P: number, diagonalOnly: boolean, src: Float64Array, out: Float64Array): void {
  const PP = P * P, norm = diagonalOnly ? 1 / P : 1 / PP;
  for (let b = 0; b < blocks; b++) {
    let s = 0;
    if (diagonalOnly) for (let q = 0; q < P; q++) s += src[b * PP + q * P + q]!;
    else for (let t = 0; t < PP; t++) s += src[b * PP + t]!;
    out[b] = s * norm;
  }
}

export function positionSandwich(p: { n1: number; n2: number; positions: number; self: boolean; w: number; c: number; alpha: number },
  A: Float64Array, B: Float64Array, M: Float64Array, M2: Float64Array | null, out: Float64Array): void {
  const P = p.positions, PP = P * P;
  const m = new Float64Array(PP), tmp = new Float64Array(PP);
  for (let i = 0; i < p.n1; i++) {
    for (let j = 0; j < p.n2; j++) {
      const at = (i * p.n2 + j) * PP, a0 = i * PP, b0 = (p.self ? i : j) * PP;
      for (let t = 0; t < PP; t++) m[t] = M2 === null ? M[at + t]! : M[at + t]! + p.alpha * M2[at + t]!;
      // tmp = A_i m   [P, P]
      for (let r = 0; r < P; r++) for (let q = 0; q < P; q++) {
        let s = 0;
        for (let k = 0; k < P; k++) s += A[a0 + r * P + k]! * m[k * P + q]!;
        tmp[r * P + q] = s;
      }
      // out = w · tmp B_jᵀ + c
      for (let r = 0; r < P; r++) for (let q = 0; q < P; q++) {
        let s = 0;
        for (let k = 0; k < P; k++) s += tmp[r * P + k]! * B[b0 + q * P + k]!;
        out[at + r * P + q] = p.w * s + p.c;
      }
    }
  }
}
