// The Mamba2 mixer as in Hugging Face's Zamba2MambaMixer (research/zamba2.md §A2), on typed arrays
// (inference reference, no autograd). u [L, hidden] → out [L, hidden]:
//   [z (dIn) | xBC (convDim) | dtRaw (H)] = in_proj(u)                    convDim = dIn + 2·G·N
//   xBC = silu(causal depthwise conv1d(xBC) + bias)  →  [x (dIn) | B (G·N) | C (G·N)]
//   dt = softplus(dtRaw + dt_bias) (optionally clamped below at dtMin), A = −exp(A_log) per head
//   y = SSD(x, dt, A, B, C) + D·x                                          (chunked or recurrent)
//   out = out_proj(gatedGroupRmsNorm(y, z))                               (gate before the norm)
// The state (conv window [convDim, K] and SSM state [H, P, N]) is read and updated in place.
import { shapeError } from '../../../src/core/errors.js';
import type { FloatArray } from '../../../src/core/dtype.js';
import { causalDepthwiseConv, gatedGroupRmsNormRows, linearRows, silu, softplus } from './rows.js';
import { ssdChunked, ssdRecurrent } from './ssd.js';

export interface Mamba2Dims {
  readonly hidden: number;
  /** dIn = expand · hidden */
  readonly innerWidth: number;
  readonly heads: number;
  readonly headDim: number;
  readonly stateSize: number;
  readonly groups: number;
  readonly convKernel: number;
  readonly chunkSize: number;
  /** HF's torch path clamps dt below at time_step_min; null (the original Zamba2 code) does not clamp. */
  readonly dtMin: number | null;
  /** Epsilon of the gated RMSNorm (1e-5, hard-coded in HF). */
  readonly normEps: number;
}

export interface Mamba2Weights {
  /** [dIn + convDim + H, hidden] */
  readonly inProj: FloatArray;
  /** [convDim, K] (the checkpoint's [convDim, 1, K]) */
  readonly convWeight: FloatArray;
  /** [convDim] */
  readonly convBias: FloatArray;
  readonly dtBias: FloatArray;
  readonly aLog: FloatArray;
  readonly d: FloatArray;
  /** [dIn] */
  readonly normWeight: FloatArray;
  /** [hidden, dIn] */
  readonly outProj: FloatArray;
}

export interface Mamba2State {
  /** [convDim, K]: the last K inputs of the conv (pre-conv xBC), index K−1 newest. */
  readonly conv: FloatArray;
  /** [H, P, N] */
  readonly ssm: FloatArray;
}

export const mamba2ConvDim = (d: Mamba2Dims): number => d.innerWidth + 2 * d.groups * d.stateSize;
export const mamba2ProjWidth = (d: Mamba2Dims): number => d.innerWidth + mamba2ConvDim(d) + d.heads;

export function zeroMamba2State(d: Mamba2Dims, precision: 'f32' | 'f64' = 'f32'): Mamba2State {
  const make = (n: number) => (precision === 'f64' ? new Float64Array(n) : new Float32Array(n));
  return { conv: make(mamba2ConvDim(d) * d.convKernel), ssm: make(d.heads * d.headDim * d.stateSize) };
}

/** The SSD inputs from the conv output and dt: the pieces of step 3–4. */
export function splitConvOutput(d: Mamba2Dims, w: Mamba2Weights, xBC: FloatArray, dtRaw: FloatArray, L: number) {
  const convDim = mamba2ConvDim(d);
  const GN = d.groups * d.stateSize;
  const x = new Float64Array(L * d.innerWidth), B = new Float64Array(L * GN), C = new Float64Array(L * GN);
  for (let t = 0; t < L; t++) {
    const o = t * convDim;
    for (let i = 0; i < d.innerWidth; i++) x[t * d.innerWidth + i] = xBC[o + i]!;
    for (let i = 0; i < GN; i++) {
      B[t * GN + i] = xBC[o + d.innerWidth + i]!;
      C[t * GN + i] = xBC[o + d.innerWidth + GN + i]!;
    }
  }
  const dt = new Float64Array(L * d.heads);
  for (let i = 0; i < dt.length; i++) {
    const v = softplus(dtRaw[i]! + w.dtBias[i % d.heads]!);
    dt[i] = d.dtMin === null ? v : Math.max(v, d.dtMin);
  }
  const A = Float64Array.from(w.aLog, (v) => -Math.exp(v));
  return { x, B, C, dt, A, D: w.d };
}

/** The mixer over a sequence. `path`: 'chunked' (SSD prefill) or 'recurrent' (token by token). */
export function mamba2Forward(d: Mamba2Dims, w: Mamba2Weights, u: FloatArray, state: Mamba2State, path: 'chunked' | 'recurrent' = 'chunked'): FloatArray {
  const L = u.length / d.hidden;
  if (!Number.isInteger(L)) throw shapeError('mamba2Forward', 'input length', `a multiple of hidden ${d.hidden}`, u.length);
  const convDim = mamba2ConvDim(d);
  const proj = mamba2ProjWidth(d);
  const zxbcdt = linearRows(u, w.inProj, L, d.hidden, proj);
  const z = new Float64Array(L * d.innerWidth), xBCraw = new Float64Array(L * convDim), dtRaw = new Float64Array(L * d.heads);
  for (let t = 0; t < L; t++) {
    const o = t * proj;
    for (let i = 0; i < d.innerWidth; i++) z[t * d.innerWidth + i] = zxbcdt[o + i]!;
    for (let i = 0; i < convDim; i++) xBCraw[t * convDim + i] = zxbcdt[o + d.innerWidth + i]!;
    for (let i = 0; i < d.heads; i++) dtRaw[t * d.heads + i] = zxbcdt[o + d.innerWidth + convDim + i]!;
  }
  const xBC = causalDepthwiseConv(xBCraw, convDim, w.convWeight, w.convBias, d.convKernel, state.conv);
  for (let i = 0; i < xBC.length; i++) xBC[i] = silu(xBC[i]!);
  const inputs = splitConvOutput(d, w, xBC, dtRaw, L);
  const dims = { length: L, heads: d.heads, headDim: d.headDim, groups: d.groups, stateSize: d.stateSize };
  // The SSM updates the state in place, in the state's own precision (f32 for a model, f64 in the checks):
  // the arithmetic is float64, each stored state value is rounded once per token (recurrent) or per chunk
  // (chunked). No per-call copy of the state ([H, P, N], 4 MiB per layer at 1.2B in f64).
  const y = path === 'chunked' ? ssdChunked(dims, inputs, state.ssm, d.chunkSize) : ssdRecurrent(dims, inputs, state.ssm);
  const normed = gatedGroupRmsNormRows(y, z, w.normWeight, d.innerWidth, d.groups, d.normEps);
  const normedOut = u instanceof Float32Array ? Float32Array.from(normed) : normed;
  return linearRows(normedOut, w.outProj, L, d.innerWidth, d.hidden);
}
