// ZAYA1 parameter counts from the config alone: total, active (top-k of the experts), per component.
//
// Shapes (Zyphra/transformers models/zaya/modeling_zaya.py, parallelism.md B.5), per block of
// [CCA sub-layer, MoE sub-layer], with C = (qHeads + kvHeads)·d_h conv channels:
//   CCA      linear_q h→qHeads·d_h, linear_k h→kvHeads·d_h, val_proj1/2 h→kvHeads·d_h/2 each,
//            o_proj qHeads·d_h→h; conv depthwise C·k0 + C bias; conv grouped (qHeads+kvHeads groups)
//            C·(C/groups)·k1 + C bias; temperature per KV head
//   router   down_proj h→R (+R bias), RMSNorm R, EDA scale R (not on the first MoE layer),
//            MLP R→R (+R), R→R (+R), R→E (no bias); balancing biases are a buffer, not parameters
//   experts  E × (fc1 h→2f, fc2 f→h), no biases
//   per sub-layer: input RMSNorm h; residual scaling α,β for the residual and the output (4h)
//   once: final RMSNorm h; embeddings V·h (tied with the LM head).
// The research note's check numbers (8.289B total, 0.739B active) count the projection matrices only
// (attention ≈ 5.24M, router ≈ 0.66M, experts 201.3M per block); `matrices` reproduces that convention and
// `total` counts everything above.
import { headDim, type Zaya1Config } from './config.js';

export interface Zaya1ParamCount {
  /** Per block, by component (all parameters). */
  perBlock: { attentionLinears: number; attentionConv: number; attentionOther: number; routerLinears: number; routerOther: number; expertsAll: number; expertsActive: number; normsAndScaling: number };
  embeddings: number;
  /** Non-embedding parameters: everything; and the projection matrices only (the note's convention). */
  total: number;
  matrices: number;
  /** Per-token active non-embedding parameters (top-k experts): everything; matrices only. */
  active: number;
  activeMatrices: number;
}

export function countZaya1Params(c: Zaya1Config): Zaya1ParamCount {
  const h = c.hidden, dh = headDim(c), R = c.routerDim, E = c.experts, f = c.expertFfn;
  const q = c.qHeads * dh, k = c.kvHeads * dh, C = q + k, groups = c.qHeads + c.kvHeads;
  const bias = (n: number) => (c.attentionBias ? n : 0);
  const attentionLinears = h * q + h * k + 2 * h * (k / 2) + q * h;
  const attentionBiases = bias(q) + bias(k) + bias(k) + bias(h);
  const attentionConv = C * c.convKernels[0] + C + C * (C / groups) * c.convKernels[1] + C;
  const attentionOther = attentionBiases + c.kvHeads;
  const routerLinears = h * R + 2 * R * R + R * E;
  const routerOtherNoEda = R + 2 * R + R; // down bias, two MLP biases, RMSNorm
  const expert = h * 2 * f + f * h;
  const normsAndScaling = 2 * h + (c.scaleResidual ? 2 * 4 * h : 0);
  const edaBlocks = c.useEda ? Math.max(0, c.blocks - 1) : 0;
  const blockAll = attentionLinears + attentionConv + attentionOther + routerLinears + routerOtherNoEda + E * expert + normsAndScaling;
  const blockActive = blockAll - (E - c.topK) * expert;
  const extra = edaBlocks * R + h; // EDA scales, final norm
  return {
    perBlock: { attentionLinears, attentionConv, attentionOther, routerLinears, routerOther: routerOtherNoEda, expertsAll: E * expert, expertsActive: c.topK * expert, normsAndScaling },
    embeddings: c.vocab * h,
    total: c.blocks * blockAll + extra,
    matrices: c.blocks * (attentionLinears + routerLinears + E * expert),
    active: c.blocks * blockActive + extra,
    activeMatrices: c.blocks * (attentionLinears + routerLinears + c.topK * expert),
  };
}
