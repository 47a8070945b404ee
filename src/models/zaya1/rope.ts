// Partial rotary position embedding (ZAYA1: RoPE on the first 50% of each head's channels, "rotate_half"
// style, θ = 10000), as apply_rotary_pos_emb in Zyphra/transformers models/zaya/modeling_zaya.py.
//   rotary part r (width d_r = fraction·d_h): r·cos + rotate_half(r)·sin, rotate_half([a, b]) = [−b, a]
//   angles[t, i] = (offset + t) · θ^(−2i/d_r), i < d_r/2, duplicated to width d_r
import { Tensor, add, concat, mul, neg, reshape, slice } from '../../tensor/index.js';

/** cos and sin tables [S, d_r] for positions offset … offset+S−1. */
export function ropeTables(positions: number, rotaryDim: number, theta: number, offset = 0): { cos: Tensor; sin: Tensor } {
  const half = rotaryDim / 2;
  const cos = new Float32Array(positions * rotaryDim), sin = new Float32Array(positions * rotaryDim);
  for (let t = 0; t < positions; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * theta ** (-(2 * i) / rotaryDim);
      for (const j of [i, i + half]) {
        cos[t * rotaryDim + j] = Math.cos(angle);
        sin[t * rotaryDim + j] = Math.sin(angle);
      }
    }
  }
  return { cos: new Tensor(cos, [positions, rotaryDim]), sin: new Tensor(sin, [positions, rotaryDim]) };
}

/** x [B, S, heads, d_h]; cos/sin [S, d_r] → x with RoPE on channels [0, d_r). */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const [B, S, H, dh] = x.shape as [number, number, number, number];
  const dr = cos.shape[1]!;
  if (dr === 0) return x;
  const rot = slice(x, [0, 0, 0, 0], [B, S, H, dr]);
  const a = slice(rot, [0, 0, 0, 0], [B, S, H, dr / 2]), b = slice(rot, [0, 0, 0, dr / 2], [B, S, H, dr]);
  const rotated = concat([neg(b), a], 3);
  const c = reshape(cos, [1, S, 1, dr]), s = reshape(sin, [1, S, 1, dr]);
  const out = add(mul(rot, c), mul(rotated, s));
  return dr === dh ? out : concat([out, slice(x, [0, 0, 0, dr], [B, S, H, dh])], 3);
}
