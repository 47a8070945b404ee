// The Mamba2 mixer as in Hugging Face's Zamba2MambaMixer (research/zamba2.md §A2), on Tensors. u [L, hidden]:
//   [z (dIn) | xBC (convDim) | dtRaw (H)] = in_proj(u)                    convDim = dIn + 2·G·N
//   xBC = silu(causal depthwise conv1d(xBC) + bias)  →  [x (dIn) | B (G·N) | C (G·N)]
//   dt = softplus(dtRaw + dt_bias) (optionally clamped below at dtMin), A = −exp(A_log) per head
//   y = SSD(x, dt, A, B, C) + D·x                                          (chunked or recurrent)
//   out = out_proj(gatedRmsNorm(y, z))                                    (gate before the norm)
// The state (conv window [K, convDim] and SSM state [H, P, N]) goes in and the next state comes out.
import type { FloatDType } from '../../core/dtype.js';
import { shapeError } from '../../core/errors.js';
import { Tensor, add, exp, maximum, neg, reshape, silu, slice, softplus, zeros } from '../../tensor/index.js';
import { linear, type LinearWeight } from '../storedWeight.js';
import { gatedRmsNorm } from '../norm.js';
import { depthwiseCausalConv } from './causalConv.js';
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
  readonly inProj: LinearWeight;
  /** [convDim, 1, K] (PyTorch's depthwise conv1d weight) */
  readonly convWeight: Tensor;
  /** [convDim] */
  readonly convBias: Tensor;
  readonly dtBias: Tensor;
  readonly aLog: Tensor;
  readonly d: Tensor;
  /** [dIn] */
  readonly normWeight: Tensor;
  /** [hidden, dIn] */
  readonly outProj: LinearWeight;
}

export interface Mamba2State {
  /** [K, convDim]: the last K inputs of the conv (pre-conv xBC), row K−1 newest (HF's conv_state transposed). */
  readonly conv: Tensor;
  /** [H, P, N] */
  readonly ssm: Tensor;
}

export type SsdPath = 'chunked' | 'recurrent';

export const mamba2ConvDim = (d: Mamba2Dims): number => d.innerWidth + 2 * d.groups * d.stateSize;
export const mamba2ProjWidth = (d: Mamba2Dims): number => d.innerWidth + mamba2ConvDim(d) + d.heads;

export function zeroMamba2State(d: Mamba2Dims, dtype: FloatDType = 'f32'): Mamba2State {
  return { conv: zeros([d.convKernel, mamba2ConvDim(d)], dtype), ssm: zeros([d.heads, d.headDim, d.stateSize], dtype) };
}

/**
 * The mixer over a sequence u [L, hidden] → { y [L, hidden], state }. `inPlaceState` lets the recurrent path's
 * fused kernel update state.ssm in place when nothing records gradients (the caller owns the state, as a
 * cache does); otherwise the given state is never modified.
 */
export function mamba2Mixer(d: Mamba2Dims, w: Mamba2Weights, u: Tensor, state: Mamba2State, path: SsdPath = 'chunked', options: { inPlaceState?: boolean } = {}): { y: Tensor; state: Mamba2State } {
  if (u.rank !== 2 || u.shape[1] !== d.hidden) throw shapeError('mamba2Mixer', 'u', `[L, ${d.hidden}]`, u.shape);
  const L = u.shape[0]!, dIn = d.innerWidth, convDim = mamba2ConvDim(d), H = d.heads, GN = d.groups * d.stateSize;
  const zxbcdt = linear(u, w.inProj); // [L, dIn + convDim + H]
  const z = slice(zxbcdt, [0, 0], [L, dIn]);
  const xBCraw = slice(zxbcdt, [0, dIn], [L, dIn + convDim]);
  const dtRaw = slice(zxbcdt, [0, dIn + convDim], [L, dIn + convDim + H]);
  const conv = depthwiseCausalConv(xBCraw, w.convWeight, w.convBias, state.conv);
  const xBC = silu(conv.y);
  const x = reshape(slice(xBC, [0, 0], [L, dIn]), [L, H, d.headDim]);
  const B = reshape(slice(xBC, [0, dIn], [L, dIn + GN]), [L, d.groups, d.stateSize]);
  const C = reshape(slice(xBC, [0, dIn + GN], [L, dIn + 2 * GN]), [L, d.groups, d.stateSize]);
  const soft = softplus(add(dtRaw, w.dtBias));
  const dt = d.dtMin === null ? soft : maximum(soft, d.dtMin);
  const inputs = { x, dt, A: neg(exp(w.aLog)), B, C, D: w.d };
  const ssd = path === 'chunked' ? ssdChunked(inputs, state.ssm, d.chunkSize) : ssdRecurrent(inputs, state.ssm, { inPlace: options.inPlaceState ?? false });
  const normed = gatedRmsNorm(reshape(ssd.y, [L, dIn]), z, w.normWeight, d.groups, d.normEps);
  return { y: linear(normed, w.outProj), state: { conv: conv.window, ssm: ssd.state } };
}
