// Causal grouped-query attention, the one attention of the engine, on Tensors (autograd through it):
//   out = softmax(scale · q·kᵀ, masked to kPos[j] ≤ qPos[i]) · v
// q [B, n_q, hq·d]; k, v [B, n_k, hk·d] (heads concatenated on the last axis); query head i reads KV head
// ⌊i / (hq/hk)⌋. The mask compares global positions, so keys may come in any order (a zigzag all-gather
// needs no reordering) and a decode step (one query at position T) sees the whole cache without a mask.
// Used by Zamba2's shared block, ZAYA1's CCA, the attention-only baseline and every parallel/ layout.
import { shapeError } from '../../core/errors.js';
import { Tensor, matmul, mul, reshape, softmax, tensor, transpose, where } from '../../tensor/index.js';

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

export function causalAttention(q: Tensor, k: Tensor, v: Tensor, g: AttentionGeometry): Tensor {
  const { heads: hq, kvHeads: hk, headDim: d } = g;
  if (q.rank !== 3 || q.shape[2] !== hq * d) throw shapeError('causalAttention', 'q', `[B, n_q, ${hq}·${d}]`, q.shape);
  if (k.rank !== 3 || k.shape[2] !== hk * d) throw shapeError('causalAttention', 'k', `[B, n_k, ${hk}·${d}]`, k.shape);
  if (v.rank !== 3 || v.shape[2] !== hk * d || v.shape[1] !== k.shape[1]) throw shapeError('causalAttention', 'v', `the shape of k [${k.shape.join(', ')}]`, v.shape);
  if (hq % hk !== 0) throw shapeError('causalAttention', 'heads', `a multiple of kvHeads ${hk}`, hq);
  const [b, nq] = q.shape as [number, number, number];
  const nk = k.shape[1]!;
  if (g.qPos.length !== nq || g.kPos.length !== nk) throw shapeError('causalAttention', 'positions', `${nq} query and ${nk} key positions`, `${g.qPos.length} and ${g.kPos.length}`);
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
