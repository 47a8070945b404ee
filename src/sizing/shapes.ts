// The GEMMs one layer of each model family runs (forward pass), and the sizing presets. The shape type itself
// (ModelShape) lives in core/modelShape.ts, shared with the layout planner.
//
// Three families:
//   transformer  dense decoder: q/k/v/o projections, attention score and value batched GEMMs, a gated MLP
//                (fc1 fused to 2·ffn as in Megatron, then fc2), and the LM head once per model.
//   zaya1        CCA attention (compressed queries: qHeads·d_h wide, GQA keys, two half-width value
//                projections) alternating with a top-k MoE of SwiGLU experts and the ZAYA1 router MLP
//                (parallelism.md B.5). Expert GEMMs get tokens·topK/experts rows each (balanced routing).
//   zamba2       Mamba2 layers (in_proj h → 2·d_in + 2·G·N + H, out_proj d_in → h; the SSD scan itself is
//                not a GEMM) plus, at the hybrid layers, the shared attention block at width 2h with its
//                gated MLP, MLP adapters and per-layer linear (research/zamba2.md A2–A5).
// Shapes are m × n × k with m = tokens (= microbatch · sequence).
import { TesseraError } from '../core/errors.js';
import type { ModelShape } from '../core/modelShape.js';
import type { Gemm } from './gemm.js';

export interface LayerGemm extends Gemm {
  /** Which part of the model the GEMM belongs to. */
  part: string;
  /** Times per model forward pass (layers it occurs in). */
  perModel: number;
  /** Hyper-parameters this GEMM's m/n/k depend on (for suggestions). */
  uses: readonly Tunable[];
}

export type Tunable = 'hidden' | 'ffn' | 'expertFfn' | 'vocab';

export interface Workload {
  /** Sequences per microbatch. */
  microbatch: number;
  sequence: number;
}

function gemm(part: string, name: string, m: number, n: number, k: number, perModel: number, uses: Tunable[], count = 1): LayerGemm {
  return { part, name, m, n, k, count, perModel, uses };
}

/** Every GEMM of one repeating layer (and the LM head), with how often each runs per forward pass. */
export function layerGemms(s: ModelShape, w: Workload): LayerGemm[] {
  const T = w.microbatch * w.sequence;
  const L = s.layers, dh = s.headDim;
  const attention = (part: string, width: number, heads: number, kvHeads: number, out: number, perModel: number, uses: Tunable[]): LayerGemm[] => [
    gemm(part, 'q projection', T, heads * dh, width, perModel, uses),
    gemm(part, 'k projection', T, kvHeads * dh, width, perModel, uses),
    gemm(part, 'v projection', T, kvHeads * dh, width, perModel, uses),
    gemm(part, 'scores q·kᵀ (per head)', w.sequence, w.sequence, dh, perModel, uses, w.microbatch * heads),
    gemm(part, 'attention · v (per head)', w.sequence, dh, w.sequence, perModel, uses, w.microbatch * heads),
    gemm(part, 'o projection', T, out, heads * dh, perModel, uses),
  ];
  const head = gemm('head', 'LM head (tied embedding)', T, s.vocab, s.hidden, 1, ['hidden', 'vocab']);
  switch (s.family) {
    case 'transformer':
      return [
        ...attention('attention', s.hidden, s.heads, s.kvHeads, s.hidden, L, ['hidden']),
        gemm('mlp', 'fc1 gate+up', T, 2 * s.ffn, s.hidden, L, ['hidden', 'ffn']),
        gemm('mlp', 'fc2 down', T, s.hidden, s.ffn, L, ['hidden', 'ffn']),
        head,
      ];
    case 'zaya1': {
      const E = s.experts!, R = s.routerDim!, f = s.expertFfn!, k = s.topK!;
      const perExpert = Math.max(1, Math.round((T * k) / E));
      const cca = attention('CCA', s.hidden, s.heads, s.kvHeads, s.hidden, L, ['hidden']);
      // CCA's value is two half-width projections (x_t and x_{t−1}) instead of one.
      const v = cca.findIndex((g) => g.name === 'v projection');
      cca.splice(v, 1,
        gemm('CCA', 'v projection (x_t half)', T, (s.kvHeads * dh) / 2, s.hidden, L, ['hidden']),
        gemm('CCA', 'v projection (x_{t−1} half)', T, (s.kvHeads * dh) / 2, s.hidden, L, ['hidden']));
      return [
        ...cca,
        gemm('router', 'down-projection', T, R, s.hidden, L, ['hidden']),
        gemm('router', 'MLP layer 1', T, R, R, L, []),
        gemm('router', 'MLP layer 2', T, R, R, L, []),
        gemm('router', 'MLP layer 3 (logits)', T, E, R, L, []),
        gemm('experts', `fc1 gate+up (${perExpert} tokens each)`, perExpert, 2 * f, s.hidden, L, ['hidden', 'expertFfn'], E),
        gemm('experts', `fc2 down (${perExpert} tokens each)`, perExpert, s.hidden, f, L, ['hidden', 'expertFfn'], E),
        head,
      ];
    }
    case 'zamba2': {
      const m = s.mamba!, H = s.hybridLayers!, r = s.adapterRank ?? 0, h2 = 2 * s.hidden;
      const out = [
        gemm('mamba', 'in_proj (z, xBC, dt)', T, 2 * m.dInner + 2 * m.groups * m.dState + m.heads, s.hidden, L, ['hidden']),
        gemm('mamba', 'out_proj', T, s.hidden, m.dInner, L, ['hidden']),
        ...attention('shared attention', h2, s.heads, s.kvHeads, s.hidden, H, ['hidden']),
        gemm('shared MLP', 'gate_up', T, 2 * s.ffn, s.hidden, H, ['hidden', 'ffn']),
        gemm('shared MLP', 'down', T, s.hidden, s.ffn, H, ['hidden', 'ffn']),
      ];
      if (r > 0) {
        out.push(gemm('shared MLP', 'gate_up adapter A (h→r)', T, r, s.hidden, H, ['hidden']));
        out.push(gemm('shared MLP', 'gate_up adapter B (r→2I)', T, 2 * s.ffn, r, H, ['ffn']));
      }
      out.push(gemm('hybrid', 'per-layer linear', T, s.hidden, s.hidden, H, ['hidden']), head);
      return out;
    }
  }
}

/** The shape with one hyper-parameter changed and everything derived from it re-derived; null when not integral. */
export function withValue(s: ModelShape, key: Tunable, value: number): ModelShape | null {
  if (key === 'ffn') return { ...s, ffn: value };
  if (key === 'expertFfn') return { ...s, expertFfn: value };
  if (key === 'vocab') return { ...s, vocab: value };
  // hidden: heads stay, head dim follows (Zamba2's attention runs at 2h; d_in = 2h).
  const width = s.family === 'zamba2' ? 2 * value : s.family === 'zaya1' ? value / 2 : value;
  const headDim = s.family === 'zaya1' ? value / (2 * s.heads) : width / s.heads;
  if (!Number.isInteger(headDim)) return null;
  if (s.family === 'zamba2') {
    const dInner = 2 * value;
    if (dInner % s.mamba!.heads !== 0) return null;
    return { ...s, hidden: value, headDim, mamba: { ...s.mamba!, dInner } };
  }
  return { ...s, hidden: value, headDim };
}

export const PRESETS: Record<string, ModelShape> = {
  'zaya1': {
    name: 'ZAYA1-base (8.3B total, 0.76B active)', family: 'zaya1', hidden: 2048, layers: 40, vocab: 262_272,
    heads: 8, kvHeads: 2, headDim: 128, ffn: 0, experts: 16, expertFfn: 2048, topK: 1, routerDim: 256,
    source: 'parallelism.md B.5 (Zyphra/transformers models/zaya configuration and modeling; ZAYA1-8B report Table I): 80 sub-layers = 40 CCA+MoE blocks, h 2048, 8 query / 2 KV heads of 128 (16 heads before compression), experts fc1 2048→4096, fc2 2048→2048, router latent 256, top-1, V 262,272',
  },
  'zamba2-2.7b': {
    name: 'Zamba2-2.7B', family: 'zamba2', hidden: 2560, layers: 54, vocab: 32_000, heads: 32, kvHeads: 32, headDim: 160,
    ffn: 10_240, mamba: { dInner: 5120, heads: 80, dState: 64, groups: 1 }, hybridLayers: 9, adapterRank: 128,
    source: 'research/zamba2.md A4 (Zyphra/Zamba2-2.7B-Instruct-v2 config.json): h 2560, 54 layers, hybrid ids 6,12,…,51 (9), 32 heads of 160 at width 2h, intermediate 10240, d_state 64, 80 Mamba heads, 1 group, MLP adapters r=128, V 32000',
  },
};

export function preset(name: string): ModelShape {
  const s = PRESETS[name.toLowerCase()];
  if (!s) throw new TesseraError('option', 'preset', `--model expected a config.json path or one of the presets ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(name)}`);
  return s;
}
