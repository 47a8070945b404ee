// Rotary position embedding (Su et al. 2021), the one RoPE of the engine, on Tensors (autograd through it).
//   inv_freq[i] = θ^(−2i/d_r), i < d_r/2;  angle[t, i] = position_t · inv_freq[i]   (position_t = offset + t, or any global positions)
// applied to the first d_r channels of each head (d_r = head dim, or a fraction of it as ZAYA1's 50%):
//   'half'        (GPT-NeoX / Llama / Hugging Face rotate_half): pairs (i, i + d_r/2)
//   'interleaved' (GPT-J / the original RoFormer):              pairs (2i, 2i + 1)
//   pair (a, b) → (a·cos − b·sin, b·cos + a·sin); channels from d_r on pass through unchanged.
import type { FloatDType } from '../../core/dtype.js';
import { shapeError } from '../../core/errors.js';
import { Tensor, add, concat, mul, reshape, slice, sub } from '../../tensor/index.js';

export type RotaryStyle = 'half' | 'interleaved';

/** cos and sin of the angles, [S, d_r/2] each, for S positions (rotaryTables: offset … offset + S − 1). */
export interface RotaryTables {
  readonly cos: Tensor;
  readonly sin: Tensor;
  readonly rotaryDim: number;
}

export function rotaryTables(positions: number, rotaryDim: number, theta: number, offset = 0, dtype: FloatDType = 'f32'): RotaryTables {
  return rotaryTablesAt(Array.from({ length: positions }, (_, t) => offset + t), rotaryDim, theta, dtype);
}

/** cos and sin, [S, d_r/2] each, at the given global positions (in any order: a zigzag sequence shard's). */
export function rotaryTablesAt(positions: readonly number[], rotaryDim: number, theta: number, dtype: FloatDType = 'f32'): RotaryTables {
  if (!Number.isInteger(rotaryDim) || rotaryDim < 0 || rotaryDim % 2 !== 0) throw shapeError('rotaryTables', 'rotary dim', 'an even non-negative integer', rotaryDim);
  const half = rotaryDim / 2, S = positions.length;
  const make = (n: number) => (dtype === 'f64' ? new Float64Array(n) : new Float32Array(n));
  const cos = make(S * half), sin = make(S * half);
  for (let t = 0; t < S; t++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[t]! * Math.pow(theta, (-2 * i) / rotaryDim);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos: new Tensor(cos, [S, half]), sin: new Tensor(sin, [S, half]), rotaryDim };
}

/** x [B, S, H, d_h] with RoPE on channels [0, d_r) of every head; tables for the S positions. */
export function applyRotary(x: Tensor, tables: RotaryTables, style: RotaryStyle = 'half'): Tensor {
  if (x.rank !== 4) throw shapeError('applyRotary', 'x', '[B, S, heads, head dim]', x.shape);
  const [B, S, H, dh] = x.shape as [number, number, number, number];
  const dr = tables.rotaryDim, half = dr / 2;
  if (dr > dh) throw shapeError('applyRotary', 'rotary dim', `at most the head dim ${dh}`, dr);
  if (tables.cos.shape[0] !== S) throw shapeError('applyRotary', 'tables', `${S} positions`, tables.cos.shape);
  if (dr === 0) return x;
  const cos = reshape(tables.cos, [1, S, 1, half]), sin = reshape(tables.sin, [1, S, 1, half]);
  const rot = (a: Tensor, b: Tensor) => [sub(mul(a, cos), mul(b, sin)), add(mul(b, cos), mul(a, sin))] as const;
  let out: Tensor;
  if (style === 'half') {
    const [ra, rb] = rot(slice(x, [0, 0, 0, 0], [B, S, H, half]), slice(x, [0, 0, 0, half], [B, S, H, dr]));
    out = concat([ra, rb], 3);
  } else {
    const pairs = reshape(slice(x, [0, 0, 0, 0], [B, S, H, dr]), [B, S, H, half, 2]);
    const a = reshape(slice(pairs, [0, 0, 0, 0, 0], [B, S, H, half, 1]), [B, S, H, half]);
    const b = reshape(slice(pairs, [0, 0, 0, 0, 1], [B, S, H, half, 2]), [B, S, H, half]);
    const [ra, rb] = rot(a, b);
    out = reshape(concat([reshape(ra, [B, S, H, half, 1]), reshape(rb, [B, S, H, half, 1])], 4), [B, S, H, dr]);
  }
  return dr === dh ? out : concat([out, slice(x, [0, 0, 0, dr], [B, S, H, dh])], 3);
}
