// Causal grouped-query attention, the one attention of the engine, on Tensors (autograd through it):
//   out = softmax(scale · q·kᵀ, masked to kPos[j] ≤ qPos[i]) · v
// q [B, n_q, hq·d]; k, v [B, n_k, hk·d] (heads concatenated on the last axis); query head i reads KV head
// ⌊i / (hq/hk)⌋. The mask compares global positions, so keys may come in any order (a zigzag all-gather
// needs no reordering) and a decode step (one query at position T) sees the whole cache without a mask.
// Used by Zamba2's shared block, ZAYA1's CCA, the attention-only baseline and every parallel/ layout.
// A few queries at the end of a cache (batch 1, keys at 0 … n_k − 1, queries at consecutive positions: a
// decode step) run the fused cachedAttention primitive instead, which walks the cache once without the
// transposed copies; this composite is its reference (test/nn/sequence.test.ts compares the two).
import { shapeError } from '../../core/errors.js';
import { Tensor, cachedAttention, matmul, mul, reshape, softmax, tensor, transpose, where } from '../../tensor/index.js';

/** Queries up to which a cache-shaped call runs fused. */
export const FUSED_ATTENTION_MAX_QUERIES = 8;

/** The first query position when the call is cache-shaped (keys 0 … nk − 1, queries consecutive), else null. */
function cacheShapedStart(b: number, g: AttentionGeometry): number | null {
  const nq = g.qPos.length, start = g.qPos[0]!;
  if (b !== 1 || nq > FUSED_ATTENTION_MAX_QUERIES || start + nq > g.kPos.length) return null;
  for (let i = 0; i < nq; i++) if (g.qPos[i] !== start + i) return null;
  for (let j = 0; j < g.kPos.length; j++) if (g.kPos[j] !== j) return null;
  return start;
}

/** Which query and key positions an attention call sees, its head counts and softmax scale. */
export interface AttentionGeometry {
  /** Global sequence positions of the queries (length n_q). */
  readonly qPos: readonly number[];
  /** Global positions of the keys, in the order they appear in k and v (length n_k). */
  readonly kPos: readonly number[];
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** softmax scale; default 1/√headDim (Zamba2 uses (headDim/2)^−1/2) */
  readonly scale?: number;
}

/** Positions start, start + 1, …, start + n − 1. */
export function positions(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

export function causalAttention(q: Tensor, k: Tensor, v: Tensor, g: AttentionGeometry, options: { fused?: boolean } = {}): Tensor {
  const { heads: hq, kvHeads: hk, headDim: d } = g;
  if (q.rank !== 3 || q.shape[2] !== hq * d) throw shapeError('causalAttention', 'q', `[B, n_q, ${hq}·${d}]`, q.shape);
  if (k.rank !== 3 || k.shape[2] !== hk * d) throw shapeError('causalAttention', 'k', `[B, n_k, ${hk}·${d}]`, k.shape);
  if (v.rank !== 3 || v.shape[2] !== hk * d || v.shape[1] !== k.shape[1]) throw shapeError('causalAttention', 'v', `the shape of k [${k.shape.join(', ')}]`, v.shape);
  if (hq % hk !== 0) throw shapeError('causalAttention', 'heads', `a multiple of kvHeads ${hk}`, hq);
  const [b, nq] = q.shape as [number, number, number];
  const nk = k.shape[1]!;
  if (g.qPos.length !== nq || g.kPos.length !== nk) throw shapeError('causalAttention', 'positions', `${nq} query and ${nk} key positions`, `${g.qPos.length} and ${g.kPos.length}`);
  const start = options.fused === false ? null : cacheShapedStart(b, g);
  if (start !== null) return cachedAttention(q, k, v, { heads: hq, kvHeads: hk, headDim: d, scale: g.scale ?? 1 / Math.sqrt(d), start });
  const group = hq / hk;
  // Queries grouped under their KV head: [b, hk, group·n_q, d].
  const qh = reshape(transpose(reshape(q, [b, nq, hk, group, d]), [0, 2, 3, 1, 4]), [b, hk, group * nq, d]);
  const kh = transpose(reshape(k, [b, nk, hk, d]), [0, 2, 1, 3]); // [b, hk, n_k, d]
  const vh = transpose(reshape(v, [b, nk, hk, d]), [0, 2, 1, 3]);
  const scores = mul(matmul(qh, kh, { transB: true }), g.scale ?? 1 / Math.sqrt(d)); // [b, hk, group·n_q, n_k]
  const visible = new Uint8Array(group * nq * nk);
  let hidden = 0;
  for (let r = 0; r < group * nq; r++) {
    for (let j = 0; j < nk; j++) {
      const see = g.kPos[j]! <= g.qPos[r % nq]!;
      visible[r * nk + j] = see ? 1 : 0;
      if (!see) hidden++;
    }
  }
  const masked = hidden === 0 ? scores : where(tensor(visible, [group * nq, nk]), scores, -Infinity);
  const o = reshape(matmul(softmax(masked, -1), vh), [b, hk, group, nq, d]);
  return reshape(transpose(o, [0, 3, 1, 2, 4]), [b, nq, hq * d]);
}
